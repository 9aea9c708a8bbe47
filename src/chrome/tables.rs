//! The first pass: the facts the second writes before it reaches them — how each task's
//! life ends (its life's slice is written at its spawn), what each worker thread did and
//! how long its slice lasts (written at its start), which tasks are polled again (a wake
//! gets its arrow only if it caused a poll), and the tracks to name. A few words per task
//! and thread; nothing per event.

use super::threads::Threads;
use super::unit::{Tables, TaskEnd, TaskFacts, ThreadEnd, ThreadFacts};
use crate::trace::{EventKind, ExecThread, Fact, Reading, TaskId, Trace, WakeSource};

/// Gathers the tables of `trace`.
pub(super) fn scan(trace: &Trace) -> Tables {
    let mut tables = Tables::default();
    let mut threads = Threads::new(thread_numbers(trace));
    let mut reading = Reading::new();
    for (seq, event) in trace.events.iter().enumerate() {
        let t = event.t_ns;
        tables.last_ns = tables.last_ns.max(t);
        let _ = reading.step(event, |fact| match fact {
            Fact::Spawned { task, name, parent } => {
                let n = task.0 as usize;
                if tables.tasks.len() <= n {
                    tables.tasks.resize(n + 1, None);
                }
                tables.tasks[n] = Some(TaskFacts {
                    name,
                    parent: parent.unwrap_or(TaskId::NONE),
                    end: None,
                    last_poll: None,
                });
            }
            Fact::PollStarted { task, on, .. } => {
                if let Some(Some(facts)) = tables.tasks.get_mut(task.0 as usize) {
                    facts.last_poll = Some(seq);
                }
                if on != ExecThread::MAIN && !tables.executors.contains(&on.0) {
                    tables.executors.push(on.0);
                }
            }
            Fact::Completed { task, value } => end(&mut tables, task, TaskEnd::Value(value)),
            Fact::Panicked { task, message } => end(&mut tables, task, TaskEnd::Panic(message)),
            Fact::ThreadStarted { thread, name, task } => {
                let Some((slot, ended)) = threads.spawn(thread.0, name, t) else {
                    return;
                };
                if let Some(old) = ended.and_then(|o| tables.threads.get_mut(o)) {
                    old.close_after = Some(seq);
                }
                debug_assert_eq!(slot, tables.threads.len());
                tables.threads.push(ThreadFacts {
                    no: thread.0,
                    name,
                    task,
                    finish: None,
                    start: t,
                    end: t,
                    close_after: Some(seq),
                });
            }
            Fact::ThreadFinished {
                thread,
                outcome,
                duration_us,
                result,
            } => {
                if let Some(slot) = threads.finish(thread.0, t)
                    && let Some(facts) = tables.threads.get_mut(slot)
                {
                    facts.finish = Some(ThreadEnd {
                        outcome,
                        duration_us,
                        result,
                    });
                    facts.close_after = Some(seq);
                }
            }
            Fact::Woken { wake, .. } => {
                if let WakeSource::Thread(name) = wake.by {
                    match threads.waker(name, t) {
                        Some(slot) => {
                            if let Some(facts) = tables.threads.get_mut(slot) {
                                facts.close_after = Some(seq);
                            }
                        }
                        None => {
                            threads.foreign(name);
                        }
                    }
                }
            }
            _ => {}
        });
    }
    for (slot, facts) in tables.threads.iter_mut().enumerate() {
        // A thread still running at the end ends with the trace.
        if threads.is_open(slot) {
            facts.close_after = None;
        }
    }
    threads.close(tables.last_ns);
    for (slot, facts) in tables.threads.iter_mut().enumerate() {
        facts.end = threads.end_of(slot);
    }
    tables.worker_tracks = threads.worker_tracks();
    tables.foreign_tracks = threads.foreign_tracks().to_vec();
    tables
}

/// One more than the largest worker thread number, counting only numbers below the event
/// count: a larger one is damage, and sizing a table by it could exhaust memory.
pub(super) fn thread_numbers(trace: &Trace) -> usize {
    let limit = trace.events.len();
    trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::ThreadSpawn { thread, .. } if (thread.0 as usize) < limit => {
                Some(thread.0 as usize + 1)
            }
            _ => None,
        })
        .max()
        .unwrap_or(0)
}

/// A life ends once; a second ending is damage.
fn end(tables: &mut Tables, task: TaskId, how: TaskEnd) {
    if let Some(Some(facts)) = tables.tasks.get_mut(task.0 as usize)
        && facts.end.is_none()
    {
        facts.end = Some(how);
    }
}
