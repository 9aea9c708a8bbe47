//! The compact event stays within 32 bytes: a million of them fit in 32 MB.

#[test]
fn an_event_is_at_most_32_bytes() {
    assert!(std::mem::size_of::<pollscope::trace::Event>() <= 32);
}
