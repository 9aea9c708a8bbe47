//! The rules trace viewers enforce on a Chrome trace, checked on every lesson's export, at
//! its real timing and with its events squeezed to one nanosecond apart (where a file in
//! whole microseconds, or a viewer rounding to them, mis-nests polls and loses arrows):
//! - on each track, timestamps never go back, `B`/`E` pairs nest with matching names
//!   (speedscope pairs them by name), and slices (`B`/`E` and `X`) form a tree: a child
//!   inside its parent, siblings one after another (catapult's nesting);
//! - each arrow (`s`/`f`) starts inside a slice on the waker's track (a worker thread's, or
//!   the poll that woke) and ends inside the woken task's next poll (`bp: "e"`);
//! - every wake that caused a poll has its arrow;
//! - each `E` carries its `B`'s args (speedscope pairs them by name and args), no two
//!   instants on a track share a time (the second would nest under the first), and every
//!   named row has a `thread_sort_index`, task rows by task number.

#![cfg(feature = "lessons")]

mod trace_kit;

#[cfg(all(feature = "tokio", tokio_unstable))]
#[path = "fixtures/tokio-app/src/program.rs"]
mod tokio_app;

use pollscope::chrome;
use pollscope::executor::Policy;
use pollscope::lessons;
use pollscope::trace::{EventKind, Trace, WakeSource};
use serde_json::Value;
use std::collections::BTreeMap;

/// A slice as a viewer rebuilds it.
#[derive(Debug)]
struct Slice {
    name: String,
    cat: String,
    start: u64,
    end: u64,
    parent: Option<usize>,
    args: Value,
}

/// A track's slices, rebuilt from its events in file order.
#[derive(Debug, Default)]
struct Track {
    slices: Vec<Slice>,
    open: Vec<usize>,
    last_ts: u64,
    last_instant: Option<u64>,
}

/// The file's timestamp in nanoseconds: microseconds with three decimals.
fn ns(e: &Value) -> u64 {
    let us = e["ts"].as_f64().expect("numeric ts");
    (us * 1_000.0).round() as u64
}

/// Checks the nesting rules and returns each track's slices.
fn rebuild(events: &[Value]) -> BTreeMap<(u64, u64), Track> {
    let mut tracks: BTreeMap<(u64, u64), Track> = BTreeMap::new();
    for e in events {
        let ph = e["ph"].as_str().unwrap();
        if !["B", "E", "X", "i"].contains(&ph) {
            continue;
        }
        let key = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
        let track = tracks.entry(key).or_default();
        let ts = ns(e);
        assert!(ts >= track.last_ts, "time goes back on {key:?} at {e}");
        track.last_ts = ts;
        let name = e["name"].as_str().unwrap().to_owned();
        match ph {
            "B" | "X" => {
                let end = match ph {
                    "X" => ts + (e["dur"].as_f64().unwrap() * 1_000.0).round() as u64,
                    _ => u64::MAX,
                };
                let parent = track.open.last().copied();
                track.slices.push(Slice {
                    name,
                    cat: e["cat"].as_str().unwrap_or("").to_owned(),
                    start: ts,
                    end,
                    parent,
                    args: e["args"].clone(),
                });
                if ph == "B" {
                    track.open.push(track.slices.len() - 1);
                }
            }
            "E" => {
                let top = track
                    .open
                    .pop()
                    .unwrap_or_else(|| panic!("{e} closes nothing"));
                let slice = &mut track.slices[top];
                assert_eq!(slice.name, name, "E closes the slice on top: {e}");
                assert_eq!(e["args"], slice.args, "E carries its B's args: {e}");
                slice.end = ts;
            }
            _ => {
                // An instant lies inside whatever is open.
                if let Some(&top) = track.open.last() {
                    assert!(track.slices[top].start <= ts, "{e}");
                }
                assert_ne!(
                    track.last_instant,
                    Some(ts),
                    "two instants at one time: {e}"
                );
                track.last_instant = Some(ts);
            }
        }
    }
    for (key, track) in &tracks {
        assert!(track.open.is_empty(), "{key:?}: slices left open");
        let mut last_child_end: BTreeMap<Option<usize>, u64> = BTreeMap::new();
        for (i, s) in track.slices.iter().enumerate() {
            if let Some(p) = s.parent {
                let parent = &track.slices[p];
                assert!(
                    parent.start <= s.start && s.end <= parent.end,
                    "{key:?}: slice {i} {s:?} outside its parent {parent:?}"
                );
            }
            let previous = last_child_end.insert(s.parent, s.end).unwrap_or(0);
            assert!(
                previous <= s.start,
                "{key:?}: slice {i} {s:?} overlaps its previous sibling (ended {previous})"
            );
        }
    }
    tracks
}

/// The deepest slice on `track` holding `ts`.
fn slice_at(track: &Track, ts: u64) -> Option<usize> {
    let holds = |i: usize| track.slices[i].start <= ts && ts <= track.slices[i].end;
    let depth = |mut i: usize| {
        let mut d = 0;
        while let Some(p) = track.slices[i].parent {
            d += 1;
            i = p;
        }
        d
    };
    (0..track.slices.len())
        .filter(|&i| holds(i))
        .max_by_key(|&i| (depth(i), i))
}

/// `i` or one of its parents.
fn within(track: &Track, mut i: usize, ancestor: usize) -> bool {
    loop {
        if i == ancestor {
            return true;
        }
        match track.slices[i].parent {
            Some(p) => i = p,
            None => return false,
        }
    }
}

/// Checks every rule on the export of `trace`; returns the number of arrows.
fn check(trace: &Trace, what: &str) -> usize {
    let mut out = Vec::new();
    let count = chrome::write(&mut out, trace).unwrap();
    let json: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(json["displayTimeUnit"], "ns", "{what}");
    let events = json["traceEvents"].as_array().unwrap();
    assert_eq!(count, events.len(), "{what}: the count");
    let tracks = rebuild(events);
    // Every named row is sorted; task rows by task number, not by name.
    let meta = |name: &str| -> BTreeMap<(u64, u64), Value> {
        events
            .iter()
            .filter(|e| e["ph"] == "M" && e["name"] == name)
            .map(|e| {
                let key = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
                (key, e["args"].clone())
            })
            .collect()
    };
    let names = meta("thread_name");
    let sorts = meta("thread_sort_index");
    assert_eq!(
        names.keys().collect::<Vec<_>>(),
        sorts.keys().collect::<Vec<_>>(),
        "{what}: a thread_sort_index for every named row"
    );
    let tasks_pid = meta("process_name")
        .into_iter()
        .find(|(_, args)| args["name"] == "tasks")
        .map(|((pid, _), _)| pid);
    for ((pid, tid), args) in &sorts {
        if Some(*pid) == tasks_pid {
            assert_eq!(
                args["sort_index"].as_u64(),
                Some(*tid),
                "{what}: task row {tid}"
            );
        }
    }
    let mut starts = BTreeMap::new();
    let mut ends = BTreeMap::new();
    for e in events {
        let key = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
        match e["ph"].as_str() {
            Some("s") => assert!(
                starts
                    .insert(e["id"].as_u64().unwrap(), (key, ns(e)))
                    .is_none()
            ),
            Some("f") => {
                assert_eq!(e["bp"], "e", "{e}");
                assert!(
                    ends.insert(e["id"].as_u64().unwrap(), (key, ns(e)))
                        .is_none()
                );
            }
            _ => {}
        }
    }
    assert_eq!(
        starts.keys().collect::<Vec<_>>(),
        ends.keys().collect::<Vec<_>>(),
        "{what}: each arrow starts and ends once"
    );
    for (&id, &(from, at)) in &starts {
        // The arrow's id is the wake's place in the trace.
        let wake = &trace.events[id as usize];
        let EventKind::Wake { by } = wake.kind else {
            panic!("{what}: arrow {id} is not a wake")
        };
        // At the wake's own time (give or take the nanosecond that keeps it off an edge).
        assert!(
            at.abs_diff(wake.t_ns) <= 1,
            "{what}: arrow {id} at {at}, wake at {}",
            wake.t_ns
        );
        let track = &tracks[&from];
        let host = slice_at(track, at)
            .unwrap_or_else(|| panic!("{what}: arrow {id} starts outside any slice on {from:?}"));
        let mut outer = host;
        while let Some(p) = track.slices[outer].parent {
            outer = p;
        }
        let outer = &track.slices[outer];
        match by {
            // A worker thread pollscope started: inside its life's slice. A thread it did
            // not start (a runtime's): its own one-instant wake slice.
            WakeSource::Thread(name) if from.1 >= 1000 => match outer.cat.as_str() {
                "thread" => assert_eq!(outer.name, trace.str(name), "{what}: arrow {id}"),
                cat => assert_eq!(cat, "wake", "{what}: arrow {id}"),
            },
            // An executor thread's track: the main one, or one of a runtime's workers
            // (tid 1, 2, ...: tokio's polls on several threads).
            _ => assert!(
                from.0 == 1 && from.1 < 1000,
                "{what}: arrow {id} from an executor, not {from:?}"
            ),
        }
        let (to, at) = ends[&id];
        assert!(
            to.0 == 1 && to.1 < 1000,
            "{what}: arrow {id} ends on an executor, not {to:?}"
        );
        let track = &tracks[&to];
        // The woken task's first poll after the wake.
        let poll = track
            .slices
            .iter()
            .position(|s| s.cat == "poll" && s.args["task"] == wake.task.0 && s.start >= wake.t_ns)
            .unwrap_or_else(|| panic!("{what}: arrow {id}: no poll of its task follows"));
        let (start, end) = (track.slices[poll].start, track.slices[poll].end);
        assert!(
            start <= at && at <= end,
            "{what}: arrow {id} ends outside its poll"
        );
        let bound = slice_at(track, at).unwrap();
        assert!(
            within(track, bound, poll),
            "{what}: arrow {id} binds inside its poll"
        );
    }
    // Every wake followed by a poll of its task has its arrow.
    let caused = trace
        .events
        .iter()
        .enumerate()
        .filter(|(i, e)| {
            matches!(e.kind, EventKind::Wake { .. })
                && trace.events[i + 1..]
                    .iter()
                    .any(|p| p.task == e.task && matches!(p.kind, EventKind::PollStart { .. }))
        })
        .count();
    assert_eq!(starts.len(), caused, "{what}: arrows");
    starts.len()
}

/// The same trace with its events one nanosecond apart.
fn squeezed(trace: &Trace) -> Trace {
    let mut trace = trace.clone();
    for (i, e) in trace.events.iter_mut().enumerate() {
        e.t_ns = i as u64;
    }
    trace
}

#[test]
fn every_lesson_exports_by_the_viewers_rules_at_its_own_timing_and_at_nanosecond_spacing() {
    let mut arrows = 0;
    for lesson in lessons::all() {
        let trace = trace_kit::run_lesson(lesson.id, Policy::WakerDriven, 2_000);
        arrows += check(&trace, lesson.id);
        check(&squeezed(&trace), &format!("{} squeezed", lesson.id));
    }
    assert!(arrows > 50, "{arrows} arrows in all");
}

#[test]
fn the_fast_lessons_keep_every_arrow_one_nanosecond_apart() {
    // The two whose polls were mis-nested and whose arrows were lost in microseconds.
    for id in ["event-loop", "join"] {
        let trace = squeezed(&trace_kit::run_lesson(id, Policy::WakerDriven, 1_000));
        let wakes = trace
            .events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Wake { .. }))
            .count();
        let arrows = check(&trace, id);
        assert!(
            arrows >= 5 && arrows + 2 >= wakes,
            "{id}: {arrows} of {wakes}"
        );
    }
}

/// tokio's tasks polled on several worker threads at once (tokio's task hooks): their
/// polls overlap in time, each on its own executor track, and still export by the rules.
#[cfg(all(feature = "tokio", tokio_unstable))]
#[test]
fn a_tokio_program_with_polls_on_several_worker_threads_exports_by_the_rules() {
    let recording = pollscope::record(&tokio_app::program(), Policy::WakerDriven).unwrap();
    let trace = recording.trace;
    let workers: std::collections::BTreeSet<u16> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::PollStart { on } if on.0 > 0 => Some(on.0),
            _ => None,
        })
        .collect();
    assert!(!workers.is_empty(), "tokio's polls ran on worker threads");
    check(&trace, "tokio-app");
    check(&squeezed(&trace), "tokio-app squeezed");
}
