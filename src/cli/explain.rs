//! `explain`: a program's explanation, its declared await points, and its sources.

use super::Subject;
use crate::program::Sources;
use std::fmt::Write;
use std::process::ExitCode;

/// Prints what `subject` is about, then its code.
pub fn run(subject: &Subject) -> Result<ExitCode, String> {
    let info = subject.program.info();
    let mut out = String::new();
    let _ = writeln!(out, "{} — {}", info.id, info.display_title());
    if let Some(origin) = &info.origin {
        let _ = writeln!(out, "experiment {origin}");
    }
    let _ = writeln!(out);
    if let Some(explanation) = &info.explanation {
        let _ = writeln!(out, "{}\n", wrap(explanation, 88));
    }
    if let Some(expected) = &info.expected {
        let _ = writeln!(out, "expected: {expected}\n");
    }
    if !info.points.is_empty() {
        let _ = writeln!(out, "await points:");
        for (label, at) in info.declared_points() {
            let at = at.map_or_else(|| "?".to_owned(), |(file, line)| format!("{file}:{line}"));
            let _ = writeln!(out, "  {label:<24} {at}");
        }
    }
    let sources = Sources::of(info);
    for source in sources.files() {
        let _ = writeln!(out, "\n--- Rust: {} ---", source.file);
        match &source.text {
            Ok(text) => {
                for (i, line) in text.lines().enumerate() {
                    let _ = writeln!(out, "{:>4}  {line}", i + 1);
                }
            }
            Err(why) => {
                let _ = writeln!(out, "      ({why})");
            }
        }
    }
    if let Some(python) = &info.python {
        let _ = writeln!(out, "\n--- Python equivalent ---");
        for (i, line) in python.lines().enumerate() {
            let _ = writeln!(out, "{:>4}  {line}", i + 1);
        }
    }
    super::output::print(&out)?;
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
