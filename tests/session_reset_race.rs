//! Resets racing the app's syncs: whatever the timing, every synced timeline is one run's
//! trace — never the tail of a new run appended to an old one.

#![cfg(feature = "lessons")]

use pollscope::executor::Policy;
use pollscope::lessons;
use pollscope::session::{Command, Session, Speed};
use pollscope::trace::{EventKind, History, Trace};
use std::time::{Duration, Instant};

/// What one run's trace always satisfies: tasks and threads numbered in order from 0,
/// every event about a task or thread started before it, every symbol and point known,
/// time never going back.
fn check_one_run(trace: &Trace) -> Result<(), String> {
    let mut tasks = 0u32;
    let mut threads = 0u32;
    let mut last_t = 0;
    for (seq, e) in trace.events.iter().enumerate() {
        if e.t_ns < last_t {
            return Err(format!("event {seq}: time went back"));
        }
        last_t = e.t_ns;
        match e.kind {
            EventKind::Spawn { name, .. } => {
                if e.task.0 != tasks {
                    return Err(format!(
                        "event {seq}: spawn of task {} after {tasks} tasks",
                        e.task.0
                    ));
                }
                if name.0 as usize >= trace.strings.len() {
                    return Err(format!("event {seq}: unknown name"));
                }
                tasks += 1;
            }
            EventKind::ThreadSpawn { thread, .. } => {
                if thread.0 != threads {
                    return Err(format!("event {seq}: thread {} after {threads}", thread.0));
                }
                threads += 1;
            }
            EventKind::ThreadFinish { .. } | EventKind::ThreadJoin { .. } => {}
            EventKind::AwaitEnter { point }
            | EventKind::Suspend { point }
            | EventKind::Resume { point }
            | EventKind::AwaitExit { point }
                if trace.point(point).is_none() =>
            {
                return Err(format!("event {seq}: unknown point"));
            }
            _ => {}
        }
        if let Some(t) = e.task.get()
            && t >= tasks
        {
            return Err(format!("event {seq}: task {t} not spawned yet"));
        }
    }
    Ok(())
}

#[test]
fn every_sync_sees_a_single_run() {
    let mut session = Session::start(|| {});
    let program = lessons::find("threads").unwrap().program();
    let mut timeline = History::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut syncs = 0;
    for round in 0..40 {
        session.send(Command::Reset {
            program: program.clone(),
            policy: if round % 2 == 0 {
                Policy::WakerDriven
            } else {
                Policy::BusyPoll
            },
            urls: Vec::new(),
            limit: pollscope::drive::DEFAULT_TRACE_LIMIT,
        });
        session.send(Command::Run(Speed::Max));
        // Sync as fast as the app could while the reset (and its demo server) starts.
        let until = Instant::now() + Duration::from_millis(30);
        while Instant::now() < until {
            session.sync(&mut timeline);
            syncs += 1;
            if let Err(why) = check_one_run(timeline.trace()) {
                panic!("round {round}, sync {syncs}: {why}");
            }
        }
        assert!(Instant::now() < deadline, "took too long");
    }
    assert!(syncs > 100);
}
