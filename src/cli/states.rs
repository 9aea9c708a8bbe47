//! `states`: every `async fn` and `async` block of a program as the compiler laid it out —
//! its size, its states with their lines, and the locals each state holds with their
//! sizes (what `-Zprint-type-sizes` hides), read from the binary's debug info.

use super::Subject;
use crate::coro::{self, Layout, short_type};
use clap::Args;
use std::fmt::Write;
use std::process::ExitCode;
use std::sync::Arc;

/// How to list.
#[derive(Debug, Args)]
pub struct StatesOptions {
    /// Print one JSON array instead of words.
    #[arg(long)]
    json: bool,
}

/// The program's coroutines: those whose states lie in its source files (only the units
/// of debug info that name those files are read).
fn of_program(subject: &Subject, index: &coro::Index) -> Vec<Arc<Layout>> {
    let files: Vec<&str> = subject
        .program
        .info()
        .sources
        .iter()
        .map(|s| s.file.as_str())
        .collect();
    let mut layouts = index.read_files(&files);
    layouts.sort_by(|a, b| {
        let line = |l: &Layout| l.states.iter().map(|s| s.line).min().unwrap_or(0);
        (line(a), &a.future).cmp(&(line(b), &b.future))
    });
    layouts
}

/// Lists the program's coroutines.
pub fn run(subject: &Subject, args: StatesOptions) -> Result<ExitCode, String> {
    let index = coro::index().map_err(ToString::to_string)?;
    let layouts = of_program(subject, index);
    let mut out = String::new();
    if args.json {
        let items: Vec<serde_json::Value> = layouts
            .iter()
            .map(|l| {
                let mut value = serde_json::to_value(l).unwrap_or_default();
                if let (Some(warning), Some(object)) = (l.large_warning(), value.as_object_mut()) {
                    object.insert("warning".to_owned(), warning.into());
                }
                value
            })
            .collect();
        let text = serde_json::to_string_pretty(&items).map_err(|e| e.to_string())?;
        let _ = writeln!(out, "{text}");
    } else {
        if layouts.is_empty() {
            let _ = writeln!(
                out,
                "{} {}: no async fn or async block found in its files",
                subject.noun,
                subject.program.id()
            );
        }
        for layout in &layouts {
            describe(&mut out, layout);
        }
    }
    super::output::print(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn describe(out: &mut String, layout: &Layout) {
    let _ = writeln!(out, "{}  {} bytes", layout.future, layout.size);
    if let Some(warning) = layout.large_warning() {
        let _ = writeln!(out, "  warning: {warning}");
    }
    let mut states: Vec<_> = layout.states.iter().collect();
    states.sort_by_key(|s| match s.name.as_str() {
        "Unresumed" => (0, 0),
        "Returned" => (2, 0),
        "Panicked" => (3, 0),
        other => (1, other.trim_start_matches("Suspend").parse().unwrap_or(0)),
    });
    for state in states {
        let _ = writeln!(out, "  {:<10} {}:{}", state.name, state.file, state.line);
        for local in &state.locals {
            let _ = writeln!(
                out,
                "      {:<16} {:<32} {:>6} bytes",
                local.name,
                short_type(&local.type_name),
                local.size
            );
        }
        if let Some(awaitee) = &state.awaitee {
            let _ = writeln!(out, "      awaiting         {}", short_type(awaitee));
        }
    }
    let _ = writeln!(out);
}
