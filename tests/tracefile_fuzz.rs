//! The loader never panics: random bytes, random JSON-ish lines, and a valid trace cut at
//! any byte or with bytes flipped all give `Ok` or a `FileError`.

#![cfg(feature = "lessons")]

mod trace_kit;

use pollscope::executor::Policy;
use pollscope::report;
use pollscope::trace::{History, Trace};
use pollscope::tracefile::{self, FileError, Header};
use proptest::prelude::*;
use std::sync::OnceLock;

/// A real trace file: a lesson with worker threads, wakes from threads, say-lines.
fn valid() -> &'static [u8] {
    static FILE: OnceLock<Vec<u8>> = OnceLock::new();
    FILE.get_or_init(|| {
        let trace = trace_kit::run_lesson("threads", Policy::WakerDriven, 1_000);
        let mut file = Vec::new();
        tracefile::write(&mut file, &Header::for_policy(Policy::WakerDriven), &trace).unwrap();
        file
    })
}

/// Loads `bytes`; whatever loads must also replay, print and save again unchanged.
fn check(bytes: &[u8]) -> Result<Trace, FileError> {
    let result = tracefile::read(bytes);
    if let Ok((header, trace)) = &result {
        let timeline = History::from_trace(trace.clone());
        for i in [0, trace.len() / 2, trace.len()] {
            let _ = report::task_table(trace, &timeline.state_at(i), Default::default());
        }
        let mut again = Vec::new();
        tracefile::write(&mut again, header, trace).unwrap();
        let (header2, trace2) = tracefile::read(&again[..]).unwrap();
        // Warnings are about the file loaded (an old format), not its contents.
        let loaded = Header {
            warnings: Vec::new(),
            ..header.clone()
        };
        assert_eq!(header2, loaded);
        assert_eq!(trace2.events, trace.events);
    }
    if let Err(e) = &result {
        // Every error has a message; content errors name a line.
        assert!(!e.to_string().is_empty());
    }
    result.map(|(_, trace)| trace)
}

#[test]
fn a_valid_trace_cut_at_any_byte_is_refused_naming_the_cut() {
    let file = valid();
    let full = tracefile::read(file).unwrap().1;
    let events = full.len() as u64;
    for cut in 0..=file.len() {
        let part = &file[..cut];
        let complete_lines = part.iter().filter(|&&b| b == b'\n').count();
        let at_line_end = cut == file.len() || part.last() == Some(&b'\n') || file[cut] == b'\n';
        match check(part) {
            // Only the whole file loads (its last newline aside: the end line is whole).
            Ok(trace) => {
                assert!(
                    cut + 1 >= file.len(),
                    "cut at {cut} of {} loaded",
                    file.len()
                );
                assert_eq!(trace.events, full.events);
            }
            Err(FileError::Empty) => assert_eq!(cut, 0),
            Err(FileError::NotATrace) => assert_eq!(complete_lines, 0, "cut at {cut}"),
            Err(FileError::Malformed { line, .. }) => {
                assert!(!at_line_end, "cut at {cut}");
                assert_eq!(line, complete_lines + 1, "cut at {cut}");
            }
            Err(FileError::Truncated { found, expected }) => {
                assert!(at_line_end, "cut at {cut}");
                assert_eq!(expected, events, "cut at {cut}");
                // The header's line and the events' lines, whole ones only.
                let lines = complete_lines + usize::from(part.last() != Some(&b'\n'));
                assert_eq!(
                    found as usize,
                    (lines - 1).min(events as usize),
                    "cut at {cut}"
                );
            }
            Err(other) => panic!("cut at {cut}: {other:?}"),
        }
    }
}

/// Pieces of the schema, so random lines often get past the JSON parser.
fn json_ish_line() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("seq"),
        Just("t_ns"),
        Just("kind"),
        Just("task"),
        Just("name"),
        Just("result"),
        Just("point"),
        Just("by"),
        Just("text"),
        Just("value"),
        Just("message"),
        Just("thread"),
        Just("outcome"),
        Just("duration_ns"),
        Just("format"),
        Just("version"),
        Just("policy"),
        Just("lesson"),
    ];
    let value = prop_oneof![
        (0u64..6).prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|n| format!("{n:?}")),
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("[]".to_owned()),
        Just(r#"{"label":"x","file":"f.rs","line":3}"#.to_owned()),
        Just(r#"{"label":1}"#.to_owned()),
        prop_oneof![
            Just("spawn"),
            Just("poll_start"),
            Just("poll_end"),
            Just("await_enter"),
            Just("suspend"),
            Just("resume"),
            Just("await_exit"),
            Just("wake"),
            Just("say"),
            Just("complete"),
            Just("panic"),
            Just("thread_spawn"),
            Just("thread_finish"),
            Just("thread_join"),
            Just("pending"),
            Just("ready"),
            Just("panicked"),
            Just("ok"),
            Just("error"),
            Just("self"),
            Just("task:0"),
            Just("task:99999999999"),
            Just("thread:w"),
            Just("external"),
            Just("pollscope-trace"),
            Just("waker"),
            Just("busy"),
            Just("\\u0000"),
            Just("\\ud800"),
        ]
        .prop_map(|s| format!("\"{s}\"")),
        "[ -~]{0,8}".prop_map(|s| format!("{s:?}")),
    ];
    prop::collection::vec((key, value), 0..8).prop_map(|fields| {
        let body: Vec<_> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        format!("{{{}}}", body.join(","))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = check(&bytes);
    }

    #[test]
    fn random_json_ish_lines_never_panic(
        lines in prop::collection::vec(json_ish_line(), 0..24),
        header in any::<bool>(),
    ) {
        let mut text = String::new();
        if header {
            text.push_str("{\"format\":\"pollscope-trace\",\"version\":1}\n");
        }
        for line in &lines {
            text.push_str(line);
            text.push('\n');
        }
        let _ = check(text.as_bytes());
    }

    #[test]
    fn a_valid_trace_with_bytes_flipped_never_panics(
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = valid().to_vec();
        for (at, byte) in flips {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let _ = check(&bytes);
    }

    #[test]
    fn a_valid_trace_with_digits_changed_never_panics(
        edits in prop::collection::vec((any::<prop::sample::Index>(), b'0'..=b'9'), 1..6),
    ) {
        // Digit edits keep the JSON valid and so reach the checks behind the parser.
        let mut bytes = valid().to_vec();
        let digits: Vec<usize> = (0..bytes.len()).filter(|&i| bytes[i].is_ascii_digit()).collect();
        for (at, digit) in edits {
            bytes[digits[at.index(digits.len())]] = digit;
        }
        let _ = check(&bytes);
    }
}
