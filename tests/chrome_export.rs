//! The Chrome Trace Event Format export: valid JSON with nanosecond timestamps, a slice per
//! poll on the executor's track, a row per task (life, polls, suspensions and the await
//! chain with file, line and coroutine state), a track per worker thread, and an arrow
//! from each wake to the poll it caused.

#![cfg(feature = "lessons")]

mod trace_kit;

use pollscope::chrome;
use pollscope::executor::{Executor, Policy, Step};
use pollscope::trace::{EventKind, Trace, WakeSource};
use pollscope::{AtExt, say};
use serde_json::Value;
use std::sync::OnceLock;

/// The export's events, and the count `write` returned.
fn export(trace: &Trace) -> (Vec<Value>, usize) {
    let mut out = Vec::new();
    let count = chrome::write(&mut out, trace).unwrap();
    let json: Value = serde_json::from_slice(&out).expect("the export is JSON");
    assert_eq!(json["displayTimeUnit"], "ns");
    let events = json["traceEvents"].as_array().expect("traceEvents").clone();
    assert_eq!(count, events.len(), "the count is of the events written");
    (events, count)
}

fn threads() -> &'static (Trace, Vec<Value>) {
    static RUN: OnceLock<(Trace, Vec<Value>)> = OnceLock::new();
    RUN.get_or_init(|| {
        let trace = trace_kit::run_lesson("threads", Policy::WakerDriven, 1_000);
        let (events, _) = export(&trace);
        (trace, events)
    })
}

fn ph<'a>(events: &'a [Value], ph: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["ph"] == ph).collect()
}

fn on(e: &Value, pid: u64, tid: u64) -> bool {
    e["pid"] == pid && e["tid"] == tid
}

fn count(trace: &Trace, pred: impl Fn(&EventKind) -> bool) -> usize {
    trace.events.iter().filter(|e| pred(&e.kind)).count()
}

#[test]
fn every_event_has_the_required_fields_and_timestamps_to_the_nanosecond() {
    let (trace, events) = threads();
    assert!(!events.is_empty());
    for e in events {
        for field in ["ph", "ts", "pid", "tid", "name"] {
            assert!(e.get(field).is_some(), "{field} missing in {e}");
        }
        assert!(
            e["ts"].is_number() && e["pid"].is_u64() && e["tid"].is_u64(),
            "{e}"
        );
        if e["ph"] == "X" {
            assert!(e["dur"].as_f64().is_some_and(|d| d >= 0.0), "{e}");
        }
        if e["ph"] == "i" {
            assert_eq!(e["s"], "t", "{e}");
        }
    }
    // Every poll's start is in the file exactly, in microseconds with three decimals.
    let mut out = Vec::new();
    chrome::write(&mut out, trace).unwrap();
    let text = String::from_utf8(out).unwrap();
    for e in trace
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::PollStart { .. }))
    {
        let ts = format!("\"ts\":{}.{:03},", e.t_ns / 1_000, e.t_ns % 1_000);
        assert!(text.contains(&ts), "{ts} missing");
    }
}

#[test]
fn one_executor_slice_per_poll() {
    let (trace, events) = threads();
    let polls = count(trace, |k| matches!(k, EventKind::PollStart { .. }));
    let slices: Vec<_> = events
        .iter()
        .filter(|e| on(e, 1, 0) && e["cat"] == "poll" && (e["ph"] == "B" || e["ph"] == "X"))
        .collect();
    assert_eq!(slices.len(), polls);
    for s in &slices {
        assert!(s["args"]["task"].is_u64(), "{s}");
        let result = s["args"]["result"].as_str().unwrap();
        assert!(["pending", "ready", "panicked"].contains(&result), "{s}");
    }
    let ready = slices
        .iter()
        .filter(|s| s["args"]["result"] == "ready")
        .count();
    assert_eq!(ready, 5);
}

#[test]
fn each_task_has_a_row_with_its_life_polls_and_suspensions() {
    let (trace, events) = threads();
    let spawns: Vec<String> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Spawn { name, .. } => Some(trace.str(name).to_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(spawns.len(), 5, "four fetches and the total");
    let mut lives = Vec::new();
    for (n, name) in spawns.iter().enumerate() {
        let n = n as u64;
        let meta: Vec<_> = ph(events, "M")
            .into_iter()
            .filter(|e| on(e, 2, n) && e["name"] == "thread_name")
            .collect();
        assert_eq!(meta.len(), 1, "task {n}");
        assert_eq!(meta[0]["args"]["name"], name.as_str());
        let row: Vec<_> = events
            .iter()
            .filter(|e| on(e, 2, n) && e["ph"] != "M")
            .collect();
        // The row opens with the task's life and closes with its end.
        let (first, last) = (row[0], row[row.len() - 1]);
        assert_eq!((&first["ph"], &first["cat"]), (&"B".into(), &"task".into()));
        assert_eq!(first["name"], name.as_str());
        assert_eq!((&last["ph"], &last["name"]), (&"E".into(), &first["name"]));
        assert!(first["args"]["value"].is_string(), "{first}");
        lives.push((
            first["ts"].as_f64().unwrap(),
            last["ts"].as_f64().unwrap(),
            name,
        ));
        let polls = trace
            .events
            .iter()
            .filter(|e| e.task.0 as u64 == n && matches!(e.kind, EventKind::PollStart { .. }))
            .count();
        let row_polls = row
            .iter()
            .filter(|e| e["cat"] == "poll" && e["ph"] == "B")
            .count();
        assert_eq!(row_polls, polls, "task {n}");
    }
    for (i, a) in lives[..4].iter().enumerate() {
        for b in &lives[i + 1..4] {
            assert!(a.0 < b.1 && b.0 < a.1, "{} and {} overlap", a.2, b.2);
        }
    }
    // A fetch is suspended at `handle.await`, inside its suspension, with its place.
    let awaits: Vec<_> = events
        .iter()
        .filter(|e| e["pid"] == 2 && e["ph"] == "B" && e["name"] == "handle.await")
        .collect();
    assert!(!awaits.is_empty());
    for a in &awaits {
        assert_eq!(a["args"]["file"], "src/lessons/threads.rs", "{a}");
        assert!(a["args"]["line"].is_u64(), "{a}");
    }
    let suspended = events
        .iter()
        .filter(|e| e["pid"] == 2 && e["ph"] == "B" && e["name"] == "suspended")
        .count();
    assert!(suspended >= awaits.len());
}

#[test]
fn each_worker_thread_has_a_named_track_whose_slice_holds_its_wake() {
    let (trace, events) = threads();
    let workers: Vec<(u32, String)> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::ThreadSpawn { thread, name } => Some((thread.0, trace.str(name).to_owned())),
            _ => None,
        })
        .collect();
    assert_eq!(workers.len(), 4);
    for (no, name) in &workers {
        let tid = 1000 + u64::from(*no);
        let meta: Vec<_> = ph(events, "M")
            .into_iter()
            .filter(|e| e["name"] == "thread_name" && on(e, 1, tid))
            .collect();
        assert_eq!(meta.len(), 1, "thread {no}");
        assert_eq!(meta[0]["args"]["name"], name.as_str());
        let track: Vec<_> = events
            .iter()
            .filter(|e| on(e, 1, tid) && e["ph"] != "M")
            .collect();
        let slice = track[0];
        assert_eq!(
            (&slice["ph"], &slice["cat"]),
            (&"B".into(), &"thread".into())
        );
        assert_eq!(slice["name"], name.as_str());
        assert_eq!(slice["args"]["outcome"], "ok");
        assert!(slice["args"]["result"].is_string());
        let end = track
            .iter()
            .find(|e| e["ph"] == "E")
            .expect("the slice ends");
        // The wake it made when it finished is inside its slice, with the arrow's start.
        let wake = track
            .iter()
            .find(|e| e["ph"] == "i" && e["cat"] == "wake")
            .expect("its wake");
        assert!(
            wake["name"]
                .as_str()
                .unwrap()
                .ends_with(&format!("(by thread:{name})"))
        );
        let arrow = track.iter().find(|e| e["ph"] == "s").expect("its arrow");
        for moment in [wake, arrow] {
            let ts = moment["ts"].as_f64().unwrap();
            assert!(
                slice["ts"].as_f64().unwrap() < ts && ts < end["ts"].as_f64().unwrap(),
                "{moment} inside {slice} .. {end}"
            );
        }
    }
    let executor: Vec<_> = ph(events, "M")
        .into_iter()
        .filter(|e| e["name"] == "thread_name" && on(e, 1, 0))
        .collect();
    assert_eq!(executor.len(), 1);
    assert_eq!(executor[0]["args"]["name"], "executor");
}

#[test]
fn wakes_by_threads_start_their_arrows_on_the_threads_tracks() {
    // `tests/chrome_viewer_rules.rs` checks every arrow's anchoring; here, where they go.
    let (trace, events) = threads();
    let starts = ph(events, "s");
    let from_threads = trace
        .events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Wake {
                    by: WakeSource::Thread(_)
                }
            )
        })
        .count();
    assert_eq!(from_threads, 4);
    let on_threads = starts
        .iter()
        .filter(|e| e["tid"].as_u64().unwrap() >= 1000)
        .count();
    assert_eq!(on_threads, from_threads);
    assert!(
        starts.len() > on_threads,
        "the tasks' own wakes start on the executor"
    );
    let ends = ph(events, "f");
    assert!(ends.iter().all(|e| on(e, 1, 0) && e["bp"] == "e"));
}

#[test]
fn the_await_chain_nests_with_file_line_and_coroutine_state() {
    pollscope::coro::index().expect("the test binary has debug info");
    let trace = trace_kit::run_lesson("join", Policy::WakerDriven, 1_000);
    let (events, _) = export(&trace);
    // Task 0 ("one by one") is first suspended in `work(a)` at `YieldNow`.
    let row: Vec<_> = events
        .iter()
        .filter(|e| on(e, 2, 0) && e["ph"] != "M")
        .collect();
    let at = row
        .iter()
        .position(|e| e["name"] == "suspended" && e["ph"] == "B")
        .expect("a suspension");
    let (outer, inner) = (row[at + 1], row[at + 2]);
    assert_eq!(outer["name"], "work(a)");
    assert_eq!(outer["args"]["file"], "src/lessons/join.rs");
    assert_eq!(outer["args"]["line"], 73);
    assert_eq!(
        outer["args"]["future"],
        "pollscope::lessons::join::one_by_one"
    );
    assert_eq!(outer["args"]["state"], "Suspend0");
    assert_eq!(inner["name"], "YieldNow");
    assert_eq!(inner["args"]["depth"], 1);
    assert_eq!(inner["args"]["future"], "pollscope::lessons::join::work");
    assert!(
        inner["args"]["locals"]
            .as_str()
            .unwrap()
            .contains("name: &str = \"a\""),
        "{inner}"
    );
    // They close innermost first, before the suspension does.
    let closes: Vec<_> = row[at..]
        .iter()
        .filter(|e| e["ph"] == "E")
        .take(3)
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(closes, ["YieldNow", "work(a)", "suspended"]);
    // On the executor's track the same chain is polled, nested inside the poll.
    let exec: Vec<_> = events
        .iter()
        .filter(|e| on(e, 1, 0) && (e["ph"] == "B" || e["ph"] == "E"))
        .take(3)
        .map(|e| (e["ph"].as_str().unwrap(), e["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        exec,
        [("B", "one by one"), ("B", "work(a)"), ("B", "YieldNow")]
    );
    // The poll lists the compiler's states recorded after it.
    let poll = events
        .iter()
        .find(|e| on(e, 1, 0) && e["cat"] == "poll")
        .unwrap();
    assert_eq!(poll["args"]["coro"][0]["state"], "Suspend0", "{poll}");
}

#[test]
fn text_is_escaped_and_panics_end_their_task() {
    let mut ex = Executor::new(Policy::WakerDriven);
    let text = "a \"quoted\"\nline\t\\ with ünïcode </script>";
    ex.spawn("talker", async move {
        say!("{text}");
        std::future::ready(()).at("ready").await;
    });
    ex.spawn("boom", async {
        if true {
            panic!("bad \"thing\"");
        }
    });
    ex.spawn("never", std::future::pending::<()>());
    while let Step::Polled(_) = ex.step() {}
    let (events, _) = export(&ex.snapshot());
    let say = ph(&events, "i")
        .into_iter()
        .find(|e| e["args"]["text"].is_string())
        .unwrap();
    assert_eq!(say["args"]["text"], text);
    assert_eq!(say["name"], format!("say: {text}"));
    let life = |n: u64| {
        events
            .iter()
            .find(|e| on(e, 2, n) && e["cat"] == "task")
            .unwrap()
    };
    assert!(
        life(1)["args"]["panic"]
            .as_str()
            .unwrap()
            .starts_with("bad \"thing\"")
    );
    assert!(
        events
            .iter()
            .any(|e| e["cat"] == "panic" && e["name"] == "panic in boom")
    );
    // The task that never finished lasts to the last event, marked unfinished.
    assert_eq!(life(2)["name"], "never");
    assert_eq!(life(2)["args"]["unfinished"], true);
}

#[test]
fn an_empty_trace_exports_only_metadata() {
    let (events, count) = export(&Trace::default());
    assert!(events.iter().all(|e| e["ph"] == "M"));
    assert_eq!(
        count, 4,
        "two processes, the executor's thread and its place among the rows"
    );
}
