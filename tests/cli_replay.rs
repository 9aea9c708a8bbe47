//! `pollscope export` then `pollscope replay`: a saved run's task table at any index,
//! without running anything; bad files and indices are clear errors.

#![cfg(feature = "app")]

mod trace_kit;

use pollscope::lens::Lens;
use pollscope::report;
use pollscope::trace::History;
use pollscope::tracefile;
use std::process::{Command, Output};
use trace_kit::TempPath;

fn pollscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn export(lesson: &str, format: &str, policy: &str, file: &TempPath) -> Output {
    let path = file.path().to_str().unwrap();
    let out = pollscope(&[
        "export", lesson, "--policy", policy, "--format", format, "-o", path,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    out
}

#[test]
fn replay_prints_the_task_table_at_every_index() {
    let file = TempPath::new("remote.jsonl");
    let out = export("remote", "jsonl", "waker", &file);
    let (header, trace) = tracefile::load(file.path()).unwrap();
    let len = trace.len();
    assert_eq!(
        stdout(&out),
        format!("wrote {len} events to {}\n", file.path().display())
    );
    assert_eq!(header.program_id(), Some("remote"));
    let timeline = History::from_trace(trace);
    let path = file.path().to_str().unwrap();
    for at in 0..=len {
        let out = pollscope(&["replay", path, "--at", &at.to_string()]);
        assert!(out.status.success(), "{}", stderr(&out));
        let expected = format!(
            "trace of lesson remote (policy waker-driven): {len} events; state after {at} events\n{}",
            report::task_table(timeline.trace(), &timeline.state_at(at), Lens::Rust)
        );
        assert_eq!(stdout(&out), expected, "--at {at}");
    }
    // Without --at: the end, here in Python's words.
    let out = pollscope(&["replay", path, "--lens", "python"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = format!(
        "trace of lesson remote (policy waker-driven): {len} events; state after {len} events\n{}",
        report::task_table(timeline.trace(), timeline.live(), Lens::Python)
    );
    assert_eq!(stdout(&out), expected);
    assert!(stdout(&out).contains("CORO_CLOSED"));
}

#[test]
fn replay_past_the_end_is_an_error() {
    let file = TempPath::new("past.jsonl");
    export("lazy", "jsonl", "busy", &file);
    let len = tracefile::load(file.path()).unwrap().1.len();
    let path = file.path().to_str().unwrap();
    let out = pollscope(&["replay", path, "--at", &(len + 1).to_string()]);
    assert!(!out.status.success());
    assert!(stdout(&out).is_empty());
    assert_eq!(
        stderr(&out),
        format!(
            "pollscope: --at {} is past the end: {path} has {len} events (use 0..={len})\n",
            len + 1
        )
    );
    let out = pollscope(&["replay", path]);
    assert!(stdout(&out).starts_with(&format!(
        "trace of lesson lazy (policy busy-poll): {len} events; state after {len} events\n"
    )));
}

#[test]
fn a_corrupt_file_names_its_line_and_fails() {
    let file = TempPath::new("corrupt.jsonl");
    export("remote", "jsonl", "waker", &file);
    let text = std::fs::read_to_string(file.path()).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[3] = "{\"seq\":2,\"t_ns\":";
    std::fs::write(file.path(), lines.join("\n")).unwrap();
    let out = pollscope(&["replay", file.path().to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stdout(&out).is_empty());
    assert!(
        stderr(&out).starts_with("pollscope: line 4: malformed JSON: EOF while parsing a value"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("panicked"));

    std::fs::write(file.path(), "not a trace\n").unwrap();
    let out = pollscope(&["replay", file.path().to_str().unwrap()]);
    assert!(!out.status.success());
    assert_eq!(
        stderr(&out),
        "pollscope: not a pollscope trace: line 1 is not a pollscope-trace header\n"
    );
}

#[test]
fn replay_of_a_missing_file_names_it() {
    let file = TempPath::new("absent.jsonl");
    let path = file.path().to_str().unwrap();
    let out = pollscope(&["replay", path]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).starts_with(&format!("pollscope: cannot read {path}: ")),
        "{}",
        stderr(&out)
    );
}

#[test]
fn export_chrome_writes_trace_event_json() {
    let file = TempPath::new("threads.json");
    let out = export("threads", "chrome", "waker", &file);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(file.path()).unwrap()).expect("valid JSON");
    let events = json["traceEvents"].as_array().unwrap();
    // The count said is of the events in the file.
    assert_eq!(
        stdout(&out),
        format!(
            "wrote {} Chrome trace events to {}\n",
            events.len(),
            file.path().display()
        )
    );
    assert!(events.iter().any(|e| e["ph"] == "B" && e["tid"] == 1000));
    assert!(events.iter().any(|e| e["ph"] == "B" && e["cat"] == "task"));
    assert_eq!(json["displayTimeUnit"], "ns");
    assert_eq!(json["otherData"]["program"], "threads");
    assert_eq!(
        json["otherData"]["title"],
        pollscope::lessons::find("threads").unwrap().title
    );
}

#[test]
fn export_errors_are_clear() {
    let dir = TempPath::new("no-such-dir");
    let target = dir.path().join("out.jsonl");
    let target = target.to_str().unwrap();
    let out = pollscope(&["export", "lazy", "--format", "jsonl", "-o", target]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).starts_with(&format!("pollscope: cannot write {target}: ")),
        "{}",
        stderr(&out)
    );
    let out = pollscope(&["export", "lazy", "--format", "svg", "-o", target]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("invalid value 'svg'"),
        "{}",
        stderr(&out)
    );
    let out = pollscope(&["export", "no-such", "--format", "jsonl", "-o", target]);
    assert!(stderr(&out).contains("unknown lesson 'no-such'"));
    let out = pollscope(&[
        "export", "lazy", "--url", "http://x", "--format", "jsonl", "-o", target,
    ]);
    assert_eq!(
        stderr(&out),
        "pollscope: lesson lazy fetches nothing: --url does not apply\n"
    );
}
