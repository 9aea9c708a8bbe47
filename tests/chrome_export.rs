//! The Chrome Trace Event Format export: valid JSON, one async track per task, a slice
//! per poll, a track per worker thread, wakes where they came from.

#![cfg(feature = "lessons")]

mod trace_kit;

use pollscope::chrome;
use pollscope::executor::{Executor, Policy, Step};
use pollscope::trace::{EventKind, Trace, WakeSource};
use pollscope::{AtExt, say};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;

fn export(trace: &Trace) -> Vec<Value> {
    let mut out = Vec::new();
    chrome::write(&mut out, trace).unwrap();
    let json: Value = serde_json::from_slice(&out).expect("the export is JSON");
    assert_eq!(json["displayTimeUnit"], "ms");
    json["traceEvents"].as_array().expect("traceEvents").clone()
}

fn threads() -> &'static (Trace, Vec<Value>) {
    static RUN: OnceLock<(Trace, Vec<Value>)> = OnceLock::new();
    RUN.get_or_init(|| {
        let trace = trace_kit::run_lesson("threads", Policy::WakerDriven, 1_000);
        let events = export(&trace);
        (trace, events)
    })
}

fn ph<'a>(events: &'a [Value], ph: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["ph"] == ph).collect()
}

fn count(trace: &Trace, pred: impl Fn(&EventKind) -> bool) -> usize {
    trace.events.iter().filter(|e| pred(&e.kind)).count()
}

#[test]
fn every_event_has_the_required_fields() {
    let (_, events) = threads();
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
}

/// A task's life on its track: begin, end, name.
type Life = (f64, f64, String);

#[test]
fn each_task_has_its_own_async_track_and_the_fetches_overlap() {
    let (trace, events) = threads();
    // Per id, the b/e events in file order form a well-nested stack; the outermost pair
    // is the task's life.
    let mut tracks: BTreeMap<u64, (Vec<String>, Option<Life>)> = BTreeMap::new();
    for e in events.iter().filter(|e| e["ph"] == "b" || e["ph"] == "e") {
        assert_eq!(e["cat"], "task");
        let id = e["id"].as_u64().expect("numeric id");
        let name = e["name"].as_str().unwrap().to_owned();
        let ts = e["ts"].as_f64().unwrap();
        let (stack, life) = tracks.entry(id).or_default();
        if e["ph"] == "b" {
            if stack.is_empty() {
                assert!(life.is_none(), "task {id} begins twice");
                *life = Some((ts, f64::NAN, name.clone()));
            }
            stack.push(name);
        } else {
            assert_eq!(stack.pop().as_ref(), Some(&name), "task {id}: b/e nest");
            if stack.is_empty() {
                life.as_mut().unwrap().1 = ts;
            }
        }
    }
    let spawns: Vec<_> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Spawn { name, .. } => Some(trace.str(name).to_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(spawns.len(), 5, "four fetches and the total");
    assert_eq!(tracks.len(), spawns.len());
    for (id, (stack, life)) in &tracks {
        assert!(stack.is_empty(), "task {id} left open");
        let (start, end, name) = life.as_ref().unwrap();
        assert_eq!(name, &spawns[*id as usize]);
        assert!(start < end, "task {id}: {start} < {end}");
    }
    let fetches: Vec<_> = (0..4u64).map(|id| tracks[&id].1.clone().unwrap()).collect();
    for (i, a) in fetches.iter().enumerate() {
        for b in &fetches[i + 1..] {
            assert!(a.0 < b.1 && b.0 < a.1, "{} and {} overlap", a.2, b.2);
        }
    }
    // Suspensions are named after the await point the task waits at.
    assert!(ph(events, "b").iter().any(|e| e["name"] == "handle.await"));
}

#[test]
fn one_executor_slice_per_poll() {
    let (trace, events) = threads();
    let polls = count(trace, |k| matches!(k, EventKind::PollStart));
    let slices: Vec<_> = ph(events, "X")
        .into_iter()
        .filter(|e| e["tid"] == 0)
        .collect();
    assert_eq!(slices.len(), polls);
    for s in &slices {
        assert_eq!(s["cat"], "poll");
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
fn each_worker_thread_has_a_named_track_with_its_slice() {
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
            .filter(|e| e["name"] == "thread_name" && e["tid"] == tid)
            .collect();
        assert_eq!(meta.len(), 1, "thread {no}");
        assert_eq!(meta[0]["args"]["name"], name.as_str());
        let slices: Vec<_> = ph(events, "X")
            .into_iter()
            .filter(|e| e["tid"] == tid)
            .collect();
        assert_eq!(slices.len(), 1, "thread {no}");
        assert_eq!(slices[0]["name"], name.as_str());
        assert_eq!(slices[0]["args"]["outcome"], "ok");
        assert!(slices[0]["args"]["result"].is_string());
    }
    let executor: Vec<_> = ph(events, "M")
        .into_iter()
        .filter(|e| e["name"] == "thread_name" && e["tid"] == 0)
        .collect();
    assert_eq!(executor.len(), 1);
    assert_eq!(executor[0]["args"]["name"], "executor");
}

#[test]
fn wakes_are_instants_on_the_track_they_came_from() {
    let (trace, events) = threads();
    let wakes: Vec<_> = ph(events, "i")
        .into_iter()
        .filter(|e| e["name"].as_str().unwrap().starts_with("wake "))
        .collect();
    assert_eq!(
        wakes.len(),
        count(trace, |k| matches!(k, EventKind::Wake { .. }))
    );
    let mut from_threads = 0;
    for (wake, event) in wakes.iter().zip(
        trace
            .events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Wake { .. })),
    ) {
        let EventKind::Wake { by } = event.kind else {
            unreachable!()
        };
        if let WakeSource::Thread(name) = by {
            from_threads += 1;
            let name = trace.str(name);
            let thread = trace.events.iter().find_map(|e| match e.kind {
                EventKind::ThreadSpawn { thread, name: n } if trace.str(n) == name => Some(thread),
                _ => None,
            });
            let tid = 1000 + u64::from(thread.unwrap().0);
            assert_eq!(wake["tid"], tid, "{wake}");
            assert!(
                wake["name"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("(by thread:{name})"))
            );
        } else {
            assert_eq!(wake["tid"], 0);
        }
    }
    assert_eq!(from_threads, 4);
    // Each flow that starts also ends, at a poll.
    let starts: Vec<_> = ph(events, "s").iter().map(|e| e["id"].clone()).collect();
    let mut ends: Vec<_> = ph(events, "f").iter().map(|e| e["id"].clone()).collect();
    assert!(!starts.is_empty());
    assert!(ph(events, "f").iter().all(|e| e["bp"] == "e"));
    let mut sorted = starts.clone();
    sorted.sort_by_key(|v| v.as_u64());
    ends.sort_by_key(|v| v.as_u64());
    assert_eq!(sorted, ends);
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
    let events = export(&ex.snapshot());
    let say = ph(&events, "i")
        .into_iter()
        .find(|e| e["args"]["text"].is_string())
        .unwrap();
    assert_eq!(say["args"]["text"], text);
    assert_eq!(say["name"], format!("say: {text}"));
    let ends: Vec<_> = ph(&events, "e")
        .into_iter()
        .filter(|e| e["id"] == 1)
        .collect();
    assert_eq!(ends.len(), 1);
    assert!(
        ends[0]["args"]["panic"]
            .as_str()
            .unwrap()
            .starts_with("bad \"thing\"")
    );
    // The task that never finished ends at the last event, still marked unfinished.
    let never: Vec<_> = ph(&events, "e")
        .into_iter()
        .filter(|e| e["id"] == 2 && e["name"] == "never")
        .collect();
    assert_eq!(never.len(), 1);
    assert_eq!(never[0]["args"]["unfinished"], true);
}

#[test]
fn an_empty_trace_exports_only_metadata() {
    let events = export(&Trace::default());
    assert!(events.iter().all(|e| e["ph"] == "M"));
    assert_eq!(events.len(), 2);
}
