//! The compiler's own state machines, read from the test binary's debug info: every
//! lesson's await lines from DWARF agree with its `.at()` points; live futures show their
//! state, the locals they hold with their values, and the futures they await.

#![cfg(feature = "app")]

use pollscope::coro;
use pollscope::executor::{Policy, yield_now};
use pollscope::lessons;
use pollscope::trace::{EventKind, History, Trace};
use pollscope::{Program, tracefile};
use std::collections::BTreeSet;

/// Every `coro_state` of task `task` at `depth`, as (short future, state, line).
fn states(trace: &Trace, task: u32, depth: u8) -> Vec<(String, String, u32)> {
    trace
        .events
        .iter()
        .filter(|e| e.task.0 == task)
        .filter_map(|e| match e.kind {
            EventKind::CoroState {
                depth: d,
                future,
                state,
            } if d == depth => {
                let p = trace.await_point(state).unwrap();
                let future = coro::short_path(trace.str(future)).to_owned();
                Some((future, p.label.to_owned(), p.line))
            }
            _ => None,
        })
        .collect()
}

fn record(program: &Program) -> Trace {
    coro::index().expect("the test binary has debug info");
    pollscope::record(program, Policy::WakerDriven)
        .unwrap()
        .trace
}

#[test]
fn remote_outer_is_unresumed_then_suspended_at_its_at_line_then_returned() {
    let index = coro::index().expect("the test binary has debug info");
    let lesson = lessons::find("remote").unwrap();
    let layout = index
        .layout("pollscope::lessons::remote::outer")
        .unwrap_or_else(|| panic!("no layout for remote::outer"));
    let names: Vec<_> = layout.states.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Unresumed", "Returned", "Panicked", "Suspend0"]);
    let at_line = lesson.declared_points()[0].1.unwrap();
    let suspend = layout.state("Suspend0").unwrap();
    assert_eq!(
        (suspend.file.as_str(), suspend.line),
        (lesson.file, at_line)
    );
    assert!(
        suspend.awaitee.as_deref().unwrap().contains("At<"),
        "{suspend:?}"
    );

    // Run: after the first poll outer is in Suspend0 at that line, after the second Returned.
    let trace = record(&lesson.program());
    assert_eq!(
        states(&trace, 0, 0),
        [
            ("remote::outer".to_owned(), "Suspend0".to_owned(), at_line),
            (
                "remote::outer".to_owned(),
                "Returned".to_owned(),
                layout.state("Returned").unwrap().line
            ),
        ]
    );
}

#[test]
fn every_lessons_await_lines_from_dwarf_are_its_declared_points() {
    let index = coro::index().expect("the test binary has debug info");
    for lesson in lessons::all() {
        let source: Vec<&str> = lesson.source.lines().collect();
        let from_dwarf: BTreeSet<u32> = index
            .read_files(&[lesson.file])
            .iter()
            .flat_map(|l| l.states.iter())
            .filter(|s| s.name.starts_with("Suspend") && s.file == lesson.file)
            .map(|s| s.line)
            .collect();
        // The points written on an `.await` (an `.at()` may also wrap a task's own future,
        // which nothing awaits in an async fn).
        let declared: BTreeSet<u32> = lesson
            .declared_points()
            .into_iter()
            .filter_map(|(_, line)| line)
            .filter(|&line| source[line as usize - 1].contains(".await"))
            .collect();
        assert_eq!(from_dwarf, declared, "lesson {}", lesson.id);
    }
}

async fn holder(n: u64) -> usize {
    let kept = String::from("kept across");
    let doubled: u64 = n * 2;
    let maybe: Option<u32> = std::hint::black_box(Some(7));
    yield_now().await;
    kept.len() + doubled as usize + maybe.unwrap_or(0) as usize
}

#[test]
fn a_string_and_a_u64_held_across_an_await_are_read_back_with_their_values() {
    let program = Program::new("holder").task("holder", || holder(21));
    let trace = record(&program);
    let held: Vec<&str> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::CoroLocals { depth: 0, text } => Some(trace.str(text)),
            _ => None,
        })
        .collect();
    let suspended = held.first().expect("locals after the first poll");
    assert!(
        suspended.contains(r#"kept: String = "kept across""#),
        "{suspended}"
    );
    assert!(suspended.contains("doubled: u64 = 42"), "{suspended}");
    assert!(
        suspended.contains("maybe: Option<u32> = Some(7)"),
        "{suspended}"
    );
    assert!(suspended.contains("n: u64 = 21"), "{suspended}");
}

#[test]
fn the_await_chain_of_await_chain_reads_outer_middle_inner_without_probes() {
    let trace = record(&lessons::find("await-chain").unwrap().program());
    let timeline = History::from_trace(trace.clone());
    // Between the first poll (the leaf returned Pending) and the second: the whole chain,
    // down to inner.
    let second_start = trace
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.kind, EventKind::PollStart { .. }))
        .nth(1)
        .unwrap()
        .0;
    let state = timeline.state_at(second_start);
    let chain: Vec<String> = state.tasks[0]
        .coro
        .iter()
        .map(|f| {
            let p = trace.await_point(f.state).unwrap();
            format!("{} {}", coro::short_path(trace.str(f.future)), p.label)
        })
        .collect();
    assert_eq!(
        chain,
        [
            "await_chain::outer Suspend0",
            "await_chain::middle Suspend0",
            "await_chain::inner Suspend0"
        ]
    );
}

#[test]
fn a_saved_and_reloaded_trace_shows_the_same_states() {
    let lesson = lessons::find("await-chain").unwrap();
    let trace = record(&lesson.program());
    let mut file = Vec::new();
    let header =
        tracefile::Header::for_program(lesson.program().info().clone(), Policy::WakerDriven)
            .with_layouts_of(&trace);
    tracefile::write(&mut file, &header, &trace).unwrap();
    let (loaded_header, loaded) = tracefile::read(&file[..]).unwrap();
    assert_eq!(loaded.events, trace.events);
    // The layouts travel in the header: the machine shows without the binary.
    let mut futures: Vec<_> = loaded_header
        .layouts
        .iter()
        .map(|l| l.short_name())
        .collect();
    futures.sort();
    assert_eq!(
        futures,
        [
            "await_chain::inner",
            "await_chain::middle",
            "await_chain::outer"
        ]
    );
    let index = coro::index().unwrap();
    for layout in &loaded_header.layouts {
        assert_eq!(Some(layout), index.layout(&layout.future).as_deref());
    }
    for depth in 0..3 {
        assert_eq!(states(&loaded, 0, depth), states(&trace, 0, depth));
        assert!(!states(&loaded, 0, depth).is_empty());
    }
    let live = History::from_trace(trace).live().clone();
    let reloaded = History::from_trace(loaded).live().clone();
    assert_eq!(live.tasks[0].coro, reloaded.tasks[0].coro);
}

#[test]
fn a_binary_without_debug_info_gets_one_line_and_no_crash() {
    use coro::DebugInfoError;
    for (path, stripped, missing) in [
        ("/bin/true", true, false),
        ("/etc/hostname", false, false),
        ("/no/such/binary", false, true),
    ] {
        let error = coro::Index::load(std::path::Path::new(path)).unwrap_err();
        // The kind is typed, so a caller can tell a stripped binary from a missing file.
        if missing {
            assert!(
                matches!(error, DebugInfoError::Open { .. }),
                "{path}: {error:?}"
            );
        }
        if stripped {
            assert!(
                matches!(
                    error,
                    DebugInfoError::Stripped | DebugInfoError::NotAnObject(_)
                ),
                "{path}: {error:?}"
            );
        }
        let err = error.to_string();
        assert!(err.starts_with("no debug info ("), "{path}: {err}");
        assert!(!err.contains('\n'), "{err}");
    }
}

async fn big() -> u8 {
    let buf = std::hint::black_box([7u8; 4096]);
    yield_now().await;
    buf[0]
}

#[test]
fn a_future_over_two_kib_is_flagged_with_the_locals_that_hold_the_bytes() {
    // Referenced, so the test binary keeps its layout.
    let program = Program::new("big").task("big", big);
    let _ = record(&program);
    let index = coro::index().unwrap();
    let layout = index.layout("coro_states::big").expect("a layout for big");
    assert!(layout.size > coro::LARGE_FUTURE, "{}", layout.size);
    let warning = layout.large_warning().unwrap();
    assert!(
        warning.starts_with("large future: coro_states::big is "),
        "{warning}"
    );
    assert!(warning.contains("Suspend0"), "{warning}");
    assert!(
        warning.contains("buf: [u8; 4096] (4096 bytes)"),
        "{warning}"
    );
    // Small futures are not flagged.
    index.read_files(&[lessons::find("remote").unwrap().file]);
    let small = index.layout("pollscope::lessons::remote::outer").unwrap();
    assert_eq!(small.large_warning(), None);
}

#[test]
fn the_states_command_lists_a_lessons_futures_as_json() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(["states", "remote", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let outer = json
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["future"] == "pollscope::lessons::remote::outer")
        .expect("remote::outer listed");
    assert!(outer["size"].as_u64().unwrap() > 0);
    let suspend = outer["states"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Suspend0")
        .unwrap();
    let lesson = lessons::find("remote").unwrap();
    assert_eq!(suspend["file"], lesson.file);
    assert_eq!(suspend["line"], lesson.declared_points()[0].1.unwrap());
}
