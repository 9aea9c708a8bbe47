//! A cache hint for memory about to be written for the first time: the trace's log and
//! the executor's cells grow into lines that are not in the cache, and a store that has to
//! fetch its line holds up every store behind it (and any load that must wait for them).

/// Asks for the cache line holding `ptr`. Only a hint: it never faults, so `ptr` may lie
/// past the end of an allocation (compute it with `wrapping_add`).
#[inline(always)]
pub(crate) fn line<T>(ptr: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` only hints the cache and never faults; SSE is in the x86_64
    // baseline.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(ptr.cast())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = ptr;
}
