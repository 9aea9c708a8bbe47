//! Caps on the strings a trace keeps. A task named with 50 MB of text, or a value that
//! prints as a whole file, would drown every panel that shows it (and the memory behind
//! them): such strings are cut, with a marker that says how much went, both when they are
//! recorded and when a trace file is loaded.

use std::borrow::Cow;

/// The most bytes a name keeps: a task's, a worker thread's, an await point's label and
/// file, a future's type.
pub const NAME_CAP: usize = 4 * 1024;

/// The most bytes any other string keeps: a value, a say-line, a panic message, the
/// locals a state holds.
pub const VALUE_CAP: usize = 64 * 1024;

/// `text`, or its first bytes (whole characters) and a marker ` … [N bytes cut]` if it is
/// longer than `limit` bytes. The result is never longer than `limit`.
pub fn cap(text: &str, limit: usize) -> Cow<'_, str> {
    if text.len() <= limit {
        return Cow::Borrowed(text);
    }
    // The marker's length depends on the count it shows; 20 digits cover any usize.
    let room = limit.saturating_sub(" … [ bytes cut]".len() + 20);
    let keep = text.floor_char_boundary(room);
    Cow::Owned(format!(
        "{} … [{} bytes cut]",
        &text[..keep],
        text.len() - keep
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_as_it_is() {
        assert!(matches!(cap("abc", 3), Cow::Borrowed("abc")));
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary_with_a_marker() {
        let text = "é".repeat(10_000);
        let capped = cap(&text, NAME_CAP);
        assert!(capped.len() <= NAME_CAP, "{}", capped.len());
        assert!(capped.starts_with("éé"));
        let kept = capped.find(" … [").unwrap();
        assert_eq!(
            capped[kept..],
            format!(" … [{} bytes cut]", text.len() - kept)
        );
    }
}
