//! The one reading of a trace (`pollscope::trace::Reading`) agrees with the answers the
//! views worked out each on their own before it existed, on every lesson under both
//! policies: the await chain each pending poll leaves (the Chrome export's levels, the
//! task state's chain, the timeline's innermost point), which polls were asked for, and
//! which wakes caused a poll. The old rules are kept here, as they were written, as the
//! oracle. They agree on every lesson; where they disagreed among themselves (the task
//! state kept a race's loser in its chain), a trace of that shape shows the reading's
//! answer.

#![cfg(feature = "lessons")]

mod trace_kit;

use pollscope::executor::Policy;
use pollscope::lessons;
use pollscope::trace::{Event, EventKind, Fact, PointId, PollResult, Reading, TaskId, Trace};
use std::collections::BTreeMap;

/// What one pending poll left, by the sequence number of its `poll_end`.
#[derive(Debug, Default, PartialEq, Eq)]
struct Answers {
    /// The levels of the chain, outermost first.
    levels: BTreeMap<usize, Vec<Vec<PointId>>>,
    /// The chain as one list, outermost first.
    chain: BTreeMap<usize, Vec<PointId>>,
    /// The innermost point.
    innermost: BTreeMap<usize, Option<PointId>>,
    /// Polls (by `poll_start` sequence number) that were not asked for.
    wasted: Vec<usize>,
    /// Wakes (by sequence number) that caused a poll.
    causing: Vec<usize>,
}

/// The new reading's answers.
fn reading(trace: &Trace) -> Answers {
    let mut out = Answers::default();
    let mut reading = Reading::new();
    for (seq, event) in trace.events.iter().enumerate() {
        let _ = reading.step(event, |fact| match fact {
            Fact::PollStarted { asked, wakes, .. } => {
                if !asked {
                    out.wasted.push(seq);
                }
                out.causing.extend(wakes.iter().map(|w| w.seq));
            }
            Fact::PollEnded {
                result: Some(PollResult::Pending),
                suspension,
                ..
            } => {
                out.levels.insert(seq, suspension.levels.clone());
                out.chain.insert(seq, suspension.points().collect());
                out.innermost.insert(seq, suspension.innermost());
            }
            _ => {}
        });
    }
    out.causing.sort_unstable();
    out
}

/// The Chrome export's old rule (`src/chrome/chain.rs`): frames with their parent and
/// whether they returned `Pending`; a frame counts if it and all around it suspended.
fn chrome_levels(trace: &Trace) -> BTreeMap<usize, Vec<Vec<PointId>>> {
    struct Frame {
        point: PointId,
        parent: Option<usize>,
        suspended: bool,
    }
    let mut out = BTreeMap::new();
    let mut frames: Vec<Frame> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    for (seq, event) in trace.events.iter().enumerate() {
        match event.kind {
            EventKind::PollStart { .. } => {
                frames.clear();
                open.clear();
            }
            EventKind::AwaitEnter { point } | EventKind::Resume { point } => {
                let parent = open.last().copied();
                open.push(frames.len());
                frames.push(Frame {
                    point,
                    parent,
                    suspended: false,
                });
            }
            EventKind::Suspend { point } | EventKind::AwaitExit { point } => {
                if let Some(pos) = open.iter().rposition(|&i| frames[i].point == point) {
                    let first = open[pos];
                    frames[first].suspended = matches!(event.kind, EventKind::Suspend { .. });
                    open.truncate(pos);
                }
            }
            EventKind::PollEnd {
                result: PollResult::Pending,
                ..
            } => {
                let mut kept: Vec<Option<usize>> = Vec::new();
                let mut levels: Vec<Vec<PointId>> = Vec::new();
                for f in &frames {
                    let depth = match f.parent {
                        None => Some(0),
                        Some(p) => kept[p].map(|d| d + 1),
                    }
                    .filter(|_| f.suspended);
                    if let Some(d) = depth {
                        if levels.len() <= d {
                            levels.resize_with(d + 1, Vec::new);
                        }
                        levels[d].push(f.point);
                    }
                    kept.push(depth);
                }
                out.insert(seq, levels);
            }
            _ => {}
        }
    }
    out
}

/// The task state's old rule (`src/trace/state.rs`): the points that suspended in the
/// poll, last first, each suspend truncating the running chain; an `await_exit` trims
/// the running chain only.
fn state_chain(trace: &Trace) -> BTreeMap<usize, Vec<PointId>> {
    let mut out = BTreeMap::new();
    let mut here: BTreeMap<TaskId, Vec<PointId>> = BTreeMap::new();
    for (seq, event) in trace.events.iter().enumerate() {
        let suspended = here.entry(event.task).or_default();
        match event.kind {
            EventKind::PollStart { .. } => suspended.clear(),
            EventKind::Suspend { point } => suspended.push(point),
            EventKind::PollEnd {
                result: PollResult::Pending,
                ..
            } => {
                out.insert(seq, suspended.drain(..).rev().collect());
            }
            _ => {}
        }
    }
    out
}

/// The timeline's old rule (`src/lanes/walk.rs`): the first point that suspended in the
/// poll, a finished future dropping what suspended inside it.
fn lanes_innermost(trace: &Trace) -> BTreeMap<usize, Option<PointId>> {
    let mut out = BTreeMap::new();
    let mut frames: Vec<(PointId, usize)> = Vec::new();
    let mut suspended: Vec<PointId> = Vec::new();
    for (seq, event) in trace.events.iter().enumerate() {
        match event.kind {
            EventKind::PollStart { .. } => {
                frames.clear();
                suspended.clear();
            }
            EventKind::AwaitEnter { point } | EventKind::Resume { point } => {
                frames.push((point, suspended.len()));
            }
            EventKind::Suspend { point } => {
                if let Some(pos) = frames.iter().rposition(|&(p, _)| p == point) {
                    frames.truncate(pos);
                }
                suspended.push(point);
            }
            EventKind::AwaitExit { point } => {
                if let Some(pos) = frames.iter().rposition(|&(p, _)| p == point) {
                    let mark = frames[pos].1;
                    frames.truncate(pos);
                    suspended.truncate(mark);
                }
            }
            EventKind::PollEnd {
                result: PollResult::Pending,
                ..
            } => {
                out.insert(seq, suspended.first().copied());
            }
            _ => {}
        }
    }
    out
}

/// The old rules of "wasted" (`State`) and of the wakes that caused a poll (the Chrome
/// export: a wake of a task polled again after it).
fn old_wasted_and_causing(trace: &Trace) -> (Vec<usize>, Vec<usize>) {
    let mut woken: BTreeMap<TaskId, bool> = BTreeMap::new();
    let mut polled: BTreeMap<TaskId, bool> = BTreeMap::new();
    let mut last_poll: BTreeMap<TaskId, usize> = BTreeMap::new();
    let mut wasted = Vec::new();
    for (seq, e) in trace.events.iter().enumerate() {
        match e.kind {
            EventKind::Wake { .. } => {
                woken.insert(e.task, true);
            }
            EventKind::PollStart { .. } => {
                let asked = woken.get(&e.task) == Some(&true) || !polled.contains_key(&e.task);
                woken.insert(e.task, false);
                polled.insert(e.task, true);
                last_poll.insert(e.task, seq);
                if !asked {
                    wasted.push(seq);
                }
            }
            _ => {}
        }
    }
    let causing = trace
        .events
        .iter()
        .enumerate()
        .filter(|(seq, e)| {
            matches!(e.kind, EventKind::Wake { .. })
                && last_poll.get(&e.task).is_some_and(|&p| p > *seq)
        })
        .map(|(seq, _)| seq)
        .collect();
    (wasted, causing)
}

#[test]
fn the_one_reading_agrees_with_the_old_rules_on_every_lesson_under_both_policies() {
    let mut pending_polls = 0;
    for lesson in lessons::all() {
        for policy in [Policy::WakerDriven, Policy::BusyPoll] {
            let trace = trace_kit::run_lesson(lesson.id, policy, 20_000);
            let new = reading(&trace);
            let at = format!("{} under {policy:?}", lesson.id);
            assert_eq!(new.levels, chrome_levels(&trace), "{at}: levels");
            assert_eq!(new.innermost, lanes_innermost(&trace), "{at}: innermost");
            let (wasted, causing) = old_wasted_and_causing(&trace);
            assert_eq!(new.wasted, wasted, "{at}: wasted polls");
            assert_eq!(new.causing, causing, "{at}: wakes that caused a poll");
            assert_eq!(new.chain, state_chain(&trace), "{at}: chains");
            pending_polls += new.levels.len();
        }
    }
    assert!(pending_polls > 100, "only {pending_polls} pending polls");
}

/// A poll that races two futures: the loser returns `Pending`, the winner `Ready`, the
/// race returns `Ready`, then the task awaits something else and suspends there.
fn race_then_wait() -> Trace {
    let mut b = pollscope::trace::TraceBuilder::new();
    let name = b.intern_name("racer");
    let race = b.point("race", "src/main.rs", 10);
    let loser = b.point("loser", "src/main.rs", 11);
    let winner = b.point("winner", "src/main.rs", 12);
    let then = b.point("then", "src/main.rs", 14);
    let task = TaskId(0);
    let on = pollscope::trace::ExecThread::MAIN;
    let kinds = [
        EventKind::Spawn {
            name,
            parent: TaskId::NONE,
        },
        EventKind::PollStart { on },
        EventKind::AwaitEnter { point: race },
        EventKind::AwaitEnter { point: loser },
        EventKind::Suspend { point: loser },
        EventKind::AwaitEnter { point: winner },
        EventKind::AwaitExit { point: winner },
        EventKind::AwaitExit { point: race },
        EventKind::AwaitEnter { point: then },
        EventKind::Suspend { point: then },
        EventKind::PollEnd {
            result: PollResult::Pending,
            on,
            held: pollscope::trace::Held::Unknown,
        },
    ];
    for (t, kind) in kinds.into_iter().enumerate() {
        b.push(Event {
            t_ns: t as u64,
            task,
            kind,
        });
    }
    b.finish()
}

#[test]
fn a_race_s_loser_is_not_where_the_task_waits() {
    let trace = race_then_wait();
    let then = trace.events[8].kind;
    let EventKind::AwaitEnter { point: then } = then else {
        panic!("event 8 enters `then`");
    };
    let new = reading(&trace);
    assert_eq!(new.levels[&10], vec![vec![then]]);
    assert_eq!(new.chain[&10], vec![then]);
    // The task state's old rule kept the loser, and named it as where the task waits.
    let old = state_chain(&trace);
    assert_eq!(old[&10].len(), 2);
    assert_ne!(old[&10].last(), Some(&then));
    // What the views now show: the task state reads the reading.
    let state = pollscope::trace::History::from_trace(trace).live().clone();
    assert_eq!(state.tasks[0].chain, vec![then]);
}
