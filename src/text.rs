//! Text made safe to show. Every string that reaches the screen — a task's name, a value
//! read from a program's memory, a say-line, a source file, a path in an error — goes
//! through [`line`](fn@line) or [`block`] first: control characters are written as escapes (a NUL
//! or an ESC in a value would otherwise be drawn as nothing, or move a terminal's cursor),
//! the Unicode controls that reorder text (right-to-left overrides and isolates) are
//! escaped too, so text cannot be made to read differently from what it holds, and long
//! text is cut at a character boundary with a `…` and its length.
//!
//! Both return the text borrowed when there is nothing to change, which is almost always:
//! preparing a frame's labels allocates nothing for ordinary text.

use std::borrow::Cow;
use std::fmt::Write;

/// The most bytes a one-line label shows before it is cut.
pub const LINE_CAP: usize = 4096;

/// The most bytes of a multi-line text (a source file, a hover) shown before it is cut.
pub const BLOCK_CAP: usize = 256 * 1024;

/// Which controls a text keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Keep {
    /// None: one line of words.
    Nothing,
    /// Tabs: a line of code, indented.
    Tabs,
    /// Tabs and newlines: several lines.
    Lines,
}

/// One line of text, ready to show: every control character escaped (`\n` included, so
/// the text stays one line), reordering controls escaped, cut to [`LINE_CAP`] bytes.
pub fn line(text: &str) -> Cow<'_, str> {
    prepare(text, LINE_CAP, Keep::Nothing)
}

/// One line of source code: as [`line`](fn@line), but tabs are kept (they indent the code).
pub fn code_line(text: &str) -> Cow<'_, str> {
    prepare(text, LINE_CAP, Keep::Tabs)
}

/// Text of several lines, ready to show: newlines and tabs kept, every other control
/// character and every reordering control escaped, cut to [`BLOCK_CAP`] bytes.
pub fn block(text: &str) -> Cow<'_, str> {
    prepare(text, BLOCK_CAP, Keep::Lines)
}

/// [`line`](fn@line) for a string already built (a `format!`): the string itself, not a copy,
/// when there is nothing to change.
pub fn line_owned(text: String) -> String {
    match line(&text) {
        Cow::Owned(shown) => shown,
        Cow::Borrowed(_) => text,
    }
}

/// [`block`] for a string already built: the string itself, not a copy, when there is
/// nothing to change.
pub fn block_owned(text: String) -> String {
    match block(&text) {
        Cow::Owned(shown) => shown,
        Cow::Borrowed(_) => text,
    }
}

/// One line cut to `cap` bytes (at least a few characters are always kept), for places
/// narrower than a label.
pub fn line_capped(text: &str, cap: usize) -> Cow<'_, str> {
    prepare(text, cap.max(16), Keep::Nothing)
}

/// True if `c` is shown as an escape: a control character (but those `keep` keeps), or a
/// format character that reorders or hides text (bidirectional overrides and isolates,
/// the byte-order mark; zero-width joiners stay: they shape emoji).
fn escaped(c: char, keep: Keep) -> bool {
    if c.is_control() {
        return match c {
            '\t' => keep == Keep::Nothing,
            '\n' => keep != Keep::Lines,
            _ => true,
        };
    }
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{FEFF}'
    )
}

fn prepare(text: &str, cap: usize, keep: Keep) -> Cow<'_, str> {
    let clean = text.len() <= cap && !text.chars().any(|c| escaped(c, keep));
    if clean {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len().min(cap) + 16);
    for (at, c) in text.char_indices() {
        // Cut before the character that would go over the cap, escape or not.
        let room = cap.saturating_sub(out.len());
        if escaped(c, keep) {
            let mut esc = String::new();
            match c {
                '\n' => esc.push_str("\\n"),
                '\r' => esc.push_str("\\r"),
                '\t' => esc.push_str("\\t"),
                '\0' => esc.push_str("\\0"),
                _ => {
                    let _ = write!(esc, "\\u{{{:x}}}", c as u32);
                }
            }
            if esc.len() > room {
                cut(&mut out, text, at);
                break;
            }
            out.push_str(&esc);
        } else {
            if c.len_utf8() > room {
                cut(&mut out, text, at);
                break;
            }
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Ends a text cut at byte `at` of `text`: a `…` and the whole length.
fn cut(out: &mut String, text: &str, at: usize) {
    let _ = write!(out, "… ({} more bytes)", text.len() - at);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        assert!(matches!(line("task 3 polled"), Cow::Borrowed(_)));
        assert!(matches!(block("fn main() {\n\tok\n}"), Cow::Borrowed(_)));
        assert_eq!(line("é 日本 👩‍👩‍👧 עברית"), "é 日本 👩‍👩‍👧 עברית");
    }

    #[test]
    fn controls_and_reordering_are_escaped() {
        assert_eq!(line("a\0b\u{7f}c\u{1b}[2J"), "a\\0b\\u{7f}c\\u{1b}[2J");
        assert_eq!(line("two\nlines\ttab"), "two\\nlines\\ttab");
        assert_eq!(block("two\nlines\ttab\r"), "two\nlines\ttab\\r");
        assert_eq!(code_line("\tindented\n"), "\tindented\\n");
        assert_eq!(line("abc\u{202E}fed"), "abc\\u{202e}fed");
    }

    #[test]
    fn long_text_is_cut_at_a_character_boundary_and_says_how_much_is_left() {
        let long = "é".repeat(LINE_CAP);
        let shown = line(&long);
        assert!(shown.len() < LINE_CAP + 32, "{}", shown.len());
        assert!(
            shown.ends_with(&format!("… ({} more bytes)", LINE_CAP)),
            "{shown}"
        );
        let nuls = "\0".repeat(LINE_CAP);
        let shown = line(&nuls);
        assert!(shown.starts_with("\\0\\0"));
        assert!(shown.contains("more bytes)"));
        assert_eq!(
            line_capped("abcdefghijklmnopqrstuvwxyz", 20),
            "abcdefghijklmnopqrst… (6 more bytes)"
        );
    }
}
