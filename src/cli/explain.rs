//! `pollscope explain <lesson>`: the lesson's explanation, its declared await points, and
//! both sources.

use pollscope::lessons;
use std::fmt::Write;
use std::process::ExitCode;

pub fn run(id: &str) -> Result<ExitCode, String> {
    let lesson = lessons::find(id).map_err(|e| e.to_string())?;
    let mut out = String::new();
    let _ = writeln!(out, "{} — {}", lesson.id, lesson.title);
    let _ = writeln!(out, "experiment {}\n", lesson.experiment);
    let _ = writeln!(out, "{}\n", wrap(lesson.explanation, 88));
    let _ = writeln!(out, "expected: {}\n", lesson.expected);
    let _ = writeln!(out, "await points:");
    let points = lesson.declared_points();
    if points.is_empty() {
        let _ = writeln!(
            out,
            "  (none: the task never suspends at an instrumented await)"
        );
    }
    for (label, line) in points {
        let at = line.map_or_else(|| "?".to_owned(), |l| l.to_string());
        let _ = writeln!(out, "  {label:<24} {}:{at}", lesson.file);
    }
    let _ = writeln!(out, "\n--- Rust: {} ---", lesson.file);
    for (i, line) in lesson.source.lines().enumerate() {
        let _ = writeln!(out, "{:>4}  {line}", i + 1);
    }
    let _ = writeln!(out, "\n--- Python equivalent ---");
    for (i, line) in lesson.python.lines().enumerate() {
        let _ = writeln!(out, "{:>4}  {line}", i + 1);
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

/// Wraps text at word boundaries for a terminal.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line_len = 0;
    for word in text.split_whitespace() {
        if line_len > 0 && line_len + 1 + word.len() > width {
            out.push('\n');
            line_len = 0;
        } else if line_len > 0 {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(word);
        line_len += word.len();
    }
    out
}
