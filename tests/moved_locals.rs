//! Locals that the compiler's layout lists after they were moved out — a `String` moved
//! into the future it awaits and freed there, a `&str` into it, a 64 MiB string whose
//! block is unmapped when freed — are shown as moved, never as freed bytes, and reading
//! them never faults: the fixture program `tests/fixtures/moved/` steps to its end, as a
//! user's binary (`examples/moved step`) and inside this test binary.

#[path = "fixtures/moved/program.rs"]
mod moved;

use pollscope::executor::Policy;
use pollscope::trace::{EventKind, Trace};
use std::path::PathBuf;
use std::process::Command;

/// Every text the fixture's strings hold while they are live.
const LIVE_TEXTS: [&str; 5] = [
    "\"lent, not moved\"",
    "\"kept across awaits\"",
    "\"handed over\"",
    "\"thirty bytes, moved and freed!\"",
    "\"borrowed, then moved away\"",
];

/// The fixture built as an example by `cargo test`: beside this test's own binary. (`cargo
/// test --test moved_locals` alone builds no example: `cargo build --example moved` first.)
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/debug");
    dir.join("examples").join(name)
}

/// Checks one `coro_locals` text: a string or `&str` local shows a live text or says it
/// may be moved; nothing else.
fn check_locals(task: &str, text: &str) {
    for local in text.split("; ") {
        let (name, rest) = local.split_once(": ").unwrap_or((local, ""));
        let is_text = rest.starts_with("String") || rest.starts_with("&str");
        if !is_text {
            continue;
        }
        match rest.split_once(" = ") {
            Some((_, value)) => assert!(
                LIVE_TEXTS.contains(&value),
                "task {task}: {name} shows {value:?}, not a live text"
            ),
            None => assert!(
                rest.ends_with("bytes, may be moved)"),
                "task {task}: {name} is neither shown nor marked as moved: {rest}"
            ),
        }
    }
}

/// The locals text of `task`'s frame at `depth` after each poll, in order.
fn locals(trace: &Trace, task: u32, depth: u8) -> Vec<String> {
    trace
        .events
        .iter()
        .filter(|e| e.task.0 == task)
        .filter_map(|e| match e.kind {
            EventKind::CoroLocals { depth: d, text } if d == depth => {
                Some(trace.str(text).to_owned())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn the_fixture_as_a_users_binary_steps_to_its_end_showing_no_freed_bytes() {
    for policy in ["waker", "busy"] {
        let out = Command::new(example("moved"))
            .args(["step", "--json", "--policy", policy])
            .output()
            .expect("examples/moved runs");
        assert!(
            out.status.success(),
            "{policy}: {:?}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).expect("JSON Lines are UTF-8");
        let mut seen = 0;
        for line in stdout.lines() {
            let event: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            if event["kind"] == "coro_locals" {
                let text = event["text"].as_str().expect("locals text");
                check_locals(&event["task"].to_string(), text);
                seen += 1;
            }
        }
        assert!(seen >= 10, "{policy}: only {seen} coro_locals events");
        assert!(
            stdout.contains(r#"name: String = \"kept across awaits\""#),
            "{policy}: the live string is shown"
        );
    }
}

#[test]
fn without_safe_reads_strings_show_their_type_and_size_only() {
    let out = Command::new(example("moved"))
        .args(["step", "--json"])
        .env("POLLSCOPE_SAFE_READS", "off")
        .output()
        .expect("examples/moved runs");
    assert!(out.status.success(), "{:?}", out.status);
    let stdout = String::from_utf8(out.stdout).expect("JSON Lines are UTF-8");
    let mut strings = 0;
    for line in stdout.lines() {
        let event: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        if event["kind"] != "coro_locals" {
            continue;
        }
        let text = event["text"].as_str().expect("locals text");
        for local in text.split("; ") {
            if local.contains(": String") || local.contains(": &str") {
                // No value: only the type and size (and "may be moved" where two owners
                // of one block, read from the futures' own bytes, say so).
                assert!(!local.contains(" = "), "{local}");
                assert!(local.ends_with(')'), "{local}");
                strings += 1;
            }
        }
    }
    assert!(strings >= 10, "only {strings} string locals");
    // Plain scalars inside the future's own bytes are still read.
    assert!(stdout.contains("shown: usize = "), "scalars are shown");
}

#[test]
fn inside_this_binary_each_moved_string_is_marked_and_each_live_one_shown() {
    pollscope::coro::index().expect("the test binary has debug info");
    let trace = pollscope::record(&moved::program(), Policy::WakerDriven)
        .expect("the fixture runs")
        .trace;
    for task in 0..6 {
        for depth in 0..2 {
            for text in locals(&trace, task, depth) {
                check_locals(&task.to_string(), &text);
            }
        }
    }
    // small: moved into consume, which dropped it; still listed after consume returned.
    let small = locals(&trace, 0, 0);
    assert!(small.len() >= 2, "{small:?}");
    assert!(
        small
            .iter()
            .all(|t| t.contains("s: String (24 bytes, may be moved)"))
    );
    // large: its block was unmapped; reading it did not fault.
    assert!(locals(&trace, 1, 0)[0].contains("s: String (24 bytes, may be moved)"));
    // dangling-str: the reference into the freed string is not followed either.
    assert!(locals(&trace, 2, 0)[0].contains("r: &str (16 bytes, may be moved)"));
    // handed: the outer copy is the moved one; the future holding it shows the text.
    assert!(locals(&trace, 3, 0)[0].contains("s: String (24 bytes, may be moved)"));
    assert_eq!(locals(&trace, 3, 1)[0], r#"s: String = "handed over""#);
    // kept: a live string is shown after every poll.
    let kept = locals(&trace, 4, 0);
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert!(
        kept.iter()
            .all(|t| t == r#"name: String = "kept across awaits""#)
    );
    // lent: a `&str` into a string the outer future still owns borrows it: both show it.
    assert_eq!(locals(&trace, 5, 0)[0], r#"s: String = "lent, not moved""#);
    assert_eq!(locals(&trace, 5, 1)[0], r#"s: &str = "lent, not moved""#);
}
