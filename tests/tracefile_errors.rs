//! Bad trace files are refused with a message that says what and where, and saving is
//! atomic.

mod trace_kit;

use pollscope::executor::Policy;
use pollscope::trace::{Trace, TraceBuilder};
use pollscope::tracefile::{self, FileError, Header};
use trace_kit::TempPath;

const GOOD: &str = r#"{"format":"pollscope-trace","version":1,"lesson":"demo","policy":"waker"}
{"seq":0,"t_ns":10,"kind":"spawn","task":0,"name":"a"}
{"seq":1,"t_ns":20,"kind":"poll_start","task":0}
{"seq":2,"t_ns":30,"kind":"wake","task":0,"by":"self"}
{"seq":3,"t_ns":40,"kind":"poll_end","task":0,"result":"ready"}
{"seq":4,"t_ns":50,"kind":"complete","task":0,"value":"1"}
"#;

fn read(text: &str) -> Result<Trace, FileError> {
    tracefile::read(text.as_bytes()).map(|(_, trace)| trace)
}

/// `GOOD` with line `n` (1-based) replaced.
fn with_line(n: usize, line: &str) -> String {
    GOOD.lines()
        .enumerate()
        .map(|(i, l)| if i + 1 == n { line } else { l })
        .map(|l| format!("{l}\n"))
        .collect()
}

fn error(text: &str) -> FileError {
    read(text).expect_err("the file is refused")
}

#[test]
fn the_good_file_loads() {
    let (header, trace) = tracefile::read(GOOD.as_bytes()).unwrap();
    // A version 1 file: its `lesson` is the program's id.
    assert_eq!(header.program_id(), Some("demo"));
    assert_eq!(header.policy, Some(Policy::WakerDriven));
    assert_eq!(trace.len(), 5);
}

#[test]
fn an_empty_file_is_refused() {
    for text in ["", "\n\n", "  \r\n"] {
        let err = error(text);
        assert!(matches!(err, FileError::Empty), "{err:?}");
        assert_eq!(err.to_string(), "empty file: not a pollscope trace");
    }
}

#[test]
fn a_file_that_is_not_a_trace_is_refused() {
    let step_json = GOOD.lines().skip(1).collect::<Vec<_>>().join("\n");
    for text in [
        "hello\n",
        "\u{89}PNG\r\n\u{1a}\n",
        r#"{"format":"other","version":1}"#,
        &step_json,
        "[1,2,3]\n",
    ] {
        let err = error(text);
        assert!(matches!(err, FileError::NotATrace), "{text:?}: {err:?}");
        assert_eq!(
            err.to_string(),
            "not a pollscope trace: line 1 is not a pollscope-trace header"
        );
        assert_eq!(err.line(), Some(1));
    }
}

#[test]
fn a_newer_version_is_refused_with_an_upgrade_hint() {
    let text = with_line(
        1,
        r#"{"format":"pollscope-trace","version":4,"new_field":{}}"#,
    );
    let err = error(&text);
    assert!(matches!(err, FileError::TooNew { version: 4 }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "trace format version 4 is newer than this pollscope (3): upgrade pollscope"
    );
}

#[test]
fn a_bad_header_field_names_line_one() {
    let err = error(&with_line(1, r#"{"format":"pollscope-trace","version":0}"#));
    assert_eq!(
        err.to_string(),
        "line 1: field `version` must be a positive integer"
    );
    let err = error(&with_line(
        1,
        r#"{"format":"pollscope-trace","version":1,"policy":"sometimes"}"#,
    ));
    assert!(
        matches!(err, FileError::InvalidField { line: 1, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("unknown policy 'sometimes'"),
        "{err}"
    );
}

#[test]
fn malformed_json_names_its_line() {
    let err = error(&with_line(4, r#"{"seq":2,"t_ns":30,"kind":"wake""#));
    assert!(
        matches!(err, FileError::Malformed { line: 4, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "line 4: malformed JSON: EOF while parsing an object (column 32)"
    );
    let err = error(&with_line(3, "{seq: 1}"));
    assert!(
        err.to_string()
            .starts_with("line 3: malformed JSON: key must be a string"),
        "{err}"
    );
}

#[test]
fn a_truncated_file_names_its_last_line() {
    let cut = &GOOD[..GOOD.len() - 20];
    let err = error(cut);
    assert!(
        matches!(err, FileError::Malformed { line: 6, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("line 6: malformed JSON: EOF while parsing"),
        "{err}"
    );
    // Cut inside the header: still ours, still malformed at line 1.
    let err = error(&GOOD[..30]);
    assert!(
        matches!(err, FileError::Malformed { line: 1, .. }),
        "{err:?}"
    );
    // A file cut exactly after a line is a shorter trace, and a last line without its
    // newline is complete.
    let lines: Vec<_> = GOOD.lines().collect();
    assert_eq!(read(&lines[..4].join("\n")).unwrap().len(), 3);
}

#[test]
fn an_unknown_kind_names_its_line() {
    let err = error(&with_line(
        3,
        r#"{"seq":1,"t_ns":20,"kind":"teleport","task":0}"#,
    ));
    assert!(matches!(&err, FileError::UnknownKind { line: 3, kind } if kind == "teleport"));
    assert_eq!(err.to_string(), r#"line 3: unknown event kind "teleport""#);
    // Even without the fields a known kind would need.
    let err = error(&with_line(3, r#"{"seq":1,"t_ns":20,"kind":"teleport"}"#));
    assert!(
        matches!(err, FileError::UnknownKind { line: 3, .. }),
        "{err:?}"
    );
}

#[test]
fn a_seq_gap_names_its_line() {
    let text: String = GOOD
        .lines()
        .enumerate()
        .filter(|&(i, _)| i != 2)
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let err = error(&text);
    assert!(
        matches!(
            err,
            FileError::OutOfOrder {
                line: 3,
                seq: 2,
                expected: 1
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "line 3: seq 2 out of order (expected 1): events are missing or repeated"
    );
}

#[test]
fn missing_and_invalid_fields_name_their_line() {
    let cases = [
        (
            2,
            r#"{"seq":0,"t_ns":10,"kind":"spawn","task":0}"#,
            "line 2: missing field `name` for a spawn event",
        ),
        (
            3,
            r#"{"seq":1,"t_ns":20,"kind":"poll_start"}"#,
            "line 3: missing field `task` for a poll_start event",
        ),
        (
            5,
            r#"{"seq":3,"t_ns":40,"kind":"poll_end","task":0,"result":"maybe"}"#,
            r#"line 5: field `result` is "maybe": expected pending, ready or panicked"#,
        ),
        (
            4,
            r#"{"seq":2,"t_ns":30,"kind":"wake","task":0,"by":"ghost"}"#,
            r#"line 4: field `by` is "ghost": expected self, task:N, thread:NAME or external"#,
        ),
        (
            4,
            r#"{"seq":2,"t_ns":30,"kind":"wake","task":0,"by":"task:x"}"#,
            r#"line 4: field `by`: bad task number in "task:x""#,
        ),
        (
            3,
            r#"{"seq":1,"kind":"poll_start","task":0}"#,
            "line 3: missing field `t_ns` (column 38)",
        ),
        (
            3,
            r#"{"seq":1,"t_ns":-5,"kind":"poll_start","task":0}"#,
            "line 3: invalid value: integer `-5`, expected u64 (column 18)",
        ),
    ];
    for (line, text, message) in cases {
        let err = error(&with_line(line, text));
        assert!(
            matches!(err, FileError::InvalidField { line: l, .. } if l == line),
            "{err:?}"
        );
        assert_eq!(err.to_string(), message);
    }
}

#[test]
fn references_replay_cannot_follow_are_refused() {
    let err = error(&with_line(
        2,
        r#"{"seq":0,"t_ns":10,"kind":"spawn","task":1,"name":"a"}"#,
    ));
    assert!(
        matches!(err, FileError::BadReference { line: 2, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "line 2: spawn of task 1 out of order: tasks are numbered in spawn order, \
         so this spawn must be task 0"
    );
    let err = error(&with_line(
        3,
        r#"{"seq":1,"t_ns":20,"kind":"poll_start","task":7}"#,
    ));
    assert_eq!(
        err.to_string(),
        "line 3: poll_start event for task 7, which was never spawned (1 spawned so far)"
    );
    let err = error(&with_line(
        3,
        r#"{"seq":1,"t_ns":20,"kind":"thread_spawn","task":0,"thread":2,"name":"w"}"#,
    ));
    assert!(
        matches!(err, FileError::BadReference { line: 3, .. }),
        "{err:?}"
    );
    let err = error(&with_line(
        3,
        r#"{"seq":1,"t_ns":20,"kind":"thread_join","task":0,"thread":0}"#,
    ));
    assert_eq!(
        err.to_string(),
        "line 3: thread_join event for thread 0, which was never started (0 started so far)"
    );
}

fn small_trace() -> Trace {
    let mut b = TraceBuilder::new();
    let name = b.intern("a");
    b.push(pollscope::trace::Event {
        t_ns: 1,
        task: pollscope::trace::TaskId(0),
        kind: pollscope::trace::EventKind::Spawn {
            name,
            parent: pollscope::trace::TaskId::NONE,
        },
    });
    b.finish()
}

fn dir_entries(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn saving_replaces_the_file_and_leaves_no_temporary_file() {
    let dir = TempPath::new("save-dir");
    std::fs::create_dir(dir.path()).unwrap();
    let path = dir.path().join("run.jsonl");
    std::fs::write(&path, "old contents\n").unwrap();
    tracefile::save(&path, &Header::default(), &small_trace()).unwrap();
    assert_eq!(dir_entries(dir.path()), ["run.jsonl"]);
    let (_, loaded) = tracefile::load(&path).unwrap();
    assert_eq!(loaded.events, small_trace().events);
    tracefile::save(&path, &Header::default(), &Trace::default()).unwrap();
    assert_eq!(dir_entries(dir.path()), ["run.jsonl"]);
    assert!(tracefile::load(&path).unwrap().1.is_empty());
}

#[test]
fn a_failed_save_leaves_the_target_and_no_temporary_file() {
    let dir = TempPath::new("fail-dir");
    std::fs::create_dir(dir.path()).unwrap();
    // The target is a directory: the final rename fails after the data was written.
    let target = dir.path().join("taken");
    std::fs::create_dir(&target).unwrap();
    let err = tracefile::save(&target, &Header::default(), &small_trace()).unwrap_err();
    assert!(
        matches!(err, FileError::Io { writing: true, .. }),
        "{err:?}"
    );
    assert_eq!(dir_entries(dir.path()), ["taken"]);
    assert!(target.is_dir());
}

#[test]
fn saving_into_a_missing_directory_is_a_clear_io_error() {
    let dir = TempPath::new("missing");
    let path = dir.path().join("run.jsonl");
    let err = tracefile::save(&path, &Header::default(), &small_trace()).unwrap_err();
    let FileError::Io {
        path: Some(p),
        writing: true,
        source,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(p, &path);
    assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("cannot write {}: ", path.display())),
        "{message}"
    );
    assert!(!dir.path().exists());
}

#[test]
fn loading_a_missing_file_names_it() {
    let path = TempPath::new("absent.jsonl");
    let err = tracefile::load(path.path()).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("cannot read {}: ", path.path().display())),
        "{err}"
    );
    assert_eq!(err.line(), None);
}

#[test]
fn a_line_without_end_is_refused_at_64_mib_without_reading_the_rest() {
    use std::io::{BufReader, Read};
    // A valid header, then 200 MiB of zeros and no line break (a disk image, `/dev/zero`):
    // refused as line 2 once 64 MiB are read, not buffered whole.
    for head in [GOOD.lines().next().unwrap_or_default(), "{\"v\":1}"] {
        let first = format!("{head}\n").into_bytes();
        let input = first.as_slice().chain(std::io::repeat(0).take(200 << 20));
        let mut input = BufReader::new(input);
        let err = tracefile::read(&mut input).expect_err("refused");
        assert_eq!(err.line(), Some(2), "{err}");
        assert!(err.to_string().contains("longer than 64 MiB"), "{err}");
        // What was not read is still there: the reader stopped at the bound.
        let mut rest = 0u64;
        let mut chunk = vec![0u8; 1 << 20];
        while let Ok(n) = input.read(&mut chunk) {
            if n == 0 {
                break;
            }
            rest += n as u64;
        }
        assert!(
            rest >= (200 << 20) - (65 << 20),
            "{head}: only {rest} bytes left"
        );
    }
}

#[test]
fn a_byte_order_mark_before_the_header_is_skipped() {
    let with_bom = format!("\u{feff}{GOOD}");
    let (header, trace) = tracefile::read(with_bom.as_bytes()).expect("loads");
    assert_eq!(header.program_id(), Some("demo"));
    assert_eq!(trace.len(), 5);
}

#[test]
fn a_wake_by_a_task_never_spawned_is_refused_with_its_line() {
    let text = with_line(
        4,
        r#"{"seq":2,"t_ns":30,"kind":"wake","task":0,"by":"task:99"}"#,
    );
    let err = error(&text);
    assert_eq!(err.line(), Some(4), "{err}");
    assert!(
        err.to_string()
            .contains("wake by task 99, which was never spawned (1 spawned so far)"),
        "{err}"
    );
    // A thread pollscope did not start (a runtime's worker) may wake a task.
    let text = with_line(
        4,
        r#"{"seq":2,"t_ns":30,"kind":"wake","task":0,"by":"thread:tokio-runtime-worker"}"#,
    );
    assert!(read(&text).is_ok());
}
