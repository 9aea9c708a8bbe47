//! One reading of a trace: its events, one at a time, turned into the [`Fact`]s every
//! view needs — polls with the executor thread that ran them, the futures polled inside
//! them, the await chain a pending poll leaves (the one place that rule lives, in
//! [`chain`]), wakes with the poll they cause, threads, values and panics. The task
//! state, the lanes, the Chrome export and the state-machine panel all read the trace
//! through it, and a new source of traces only has to produce events.
//!
//! It is also where the trace's grammar lives: a poll starts on an executor thread and
//! ends on it; one poll at a time on each thread, and a task in one poll at a time; no
//! poll of a task that has finished. A reading trusts nothing: a step that breaks the
//! grammar says how ([`Damage`], which the trace loader turns into an error naming the
//! line), and carries on the forgiving way (a poll left open ends where the next starts
//! on its thread; events about tasks never spawned are skipped).

mod chain;
mod fact;

pub use chain::{Suspension, coro_at};
pub use fact::{Fact, Wake};

use super::state::CoroFrame;
use crate::trace::{Event, EventKind, ExecThread, PointId, PollResult, TaskId};
use chain::Turn;

/// Whether a poll was asked for — the one rule of "wasted", applied in trace order both by
/// the executor as it records and by every reading of the trace, so the two can never
/// disagree: a poll is asked for if it is the task's first, or a wake of the task comes
/// between its previous poll's start and this one's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PollDemand {
    woken: bool,
    polled: bool,
}

impl PollDemand {
    /// A wake of the task was recorded.
    pub fn woken(&mut self) {
        self.woken = true;
    }

    /// A poll of the task starts; returns whether it was asked for.
    pub fn poll_starts(&mut self) -> bool {
        let asked = self.woken || !self.polled;
        self.woken = false;
        self.polled = true;
        asked
    }

    /// True if woken since the last poll started.
    pub fn is_woken(self) -> bool {
        self.woken
    }
}

/// How a step broke the trace's grammar. The reading went on regardless.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Damage {
    /// A poll started on a thread whose poll of `open` had not ended.
    PollWhileOpen { task: TaskId, open: TaskId },
    /// A poll started of a task whose poll on another executor thread had not ended.
    PolledTwice { task: TaskId, on: ExecThread },
    /// A poll started of a task that had finished.
    PollOfFinished { task: TaskId },
    /// A poll ended that had not started (on that thread).
    EndWithoutStart { task: TaskId },
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Damage::PollWhileOpen { task, open } => write!(
                f,
                "poll_start of task {task} while the poll of task {open} is still in progress \
                 (no poll_end for it)"
            ),
            Damage::PolledTwice { task, on } => write!(
                f,
                "poll_start of task {task} while its poll on executor thread {} is still in \
                 progress",
                on.0
            ),
            Damage::PollOfFinished { task } => {
                write!(f, "poll_start of task {task}, which had already finished")
            }
            Damage::EndWithoutStart { task } => {
                write!(
                    f,
                    "poll_end of task {task} without a poll_start of it before"
                )
            }
        }
    }
}

impl std::error::Error for Damage {}

/// The reading so far: enough to go on with the next event (cloned with a checkpointed
/// state, so any index can be read again from the nearest checkpoint).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reading {
    seen: usize,
    tasks: Vec<TaskRead>,
    /// Per executor thread, the task whose poll is open there.
    open: Vec<Option<TaskId>>,
    /// Scratch: the wakes handed to a poll that starts.
    wakes: Vec<Wake>,
}

/// One task while the trace is read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct TaskRead {
    finished: bool,
    demand: PollDemand,
    polls: u32,
    poll: Option<OpenPoll>,
    /// The compiler's states recorded after its last poll.
    coro: Vec<CoroFrame>,
    /// Wakes since its last poll started: the next poll is the one they cause.
    wakes: Vec<Wake>,
    /// Where its last pending poll left it.
    suspension: Suspension,
}

/// A poll in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
struct OpenPoll {
    on: ExecThread,
    /// Every instrumented future polled so far.
    turns: Vec<Turn>,
    /// Indexes into `turns` of those being polled now, outermost first.
    open: Vec<usize>,
    /// Their points, in step with `open`.
    chain: Vec<PointId>,
}

impl Reading {
    /// A reading before any event.
    pub fn new() -> Reading {
        Reading::default()
    }

    /// Events read so far.
    pub fn seen(&self) -> usize {
        self.seen
    }

    /// The tasks whose polls are open, with the thread each runs on.
    pub fn polling(&self) -> impl Iterator<Item = (ExecThread, TaskId)> + '_ {
        self.open
            .iter()
            .enumerate()
            .filter_map(|(on, task)| Some((ExecThread(on as u16), (*task)?)))
    }

    /// Where `task`'s last pending poll left it.
    pub fn suspension(&self, task: TaskId) -> Option<&Suspension> {
        Some(&self.task(task)?.suspension)
    }

    /// Reads the next event, handing each fact it makes to `fact`.
    pub fn step(&mut self, event: &Event, mut fact: impl FnMut(Fact<'_>)) -> Result<(), Damage> {
        let seq = self.seen;
        self.seen += 1;
        let task = event.task;
        match event.kind {
            EventKind::Spawn { name, parent } => {
                // Tasks are numbered in spawn order: any other number is damage, skipped.
                if task.get().is_some_and(|n| n as usize == self.tasks.len()) {
                    self.tasks.push(TaskRead::default());
                    let parent = parent.get().map(TaskId);
                    fact(Fact::Spawned { task, name, parent });
                }
                Ok(())
            }
            EventKind::PollStart { on } => self.poll_start(task, on, &mut fact),
            EventKind::PollEnd { result, on, .. } => {
                let open_here = self
                    .task(task)
                    .and_then(|t| t.poll.as_ref())
                    .is_some_and(|p| p.on == on);
                if !open_here {
                    return Err(Damage::EndWithoutStart { task });
                }
                self.end_poll(task, Some(result), &mut fact);
                if result != PollResult::Pending
                    && let Some(t) = self.task_mut(task)
                {
                    t.finished = true;
                }
                Ok(())
            }
            EventKind::AwaitEnter { point } => {
                self.await_polled(task, point, false, &mut fact);
                Ok(())
            }
            EventKind::Resume { point } => {
                self.await_polled(task, point, true, &mut fact);
                Ok(())
            }
            EventKind::Suspend { point } => {
                self.await_returned(task, point, true, &mut fact);
                Ok(())
            }
            EventKind::AwaitExit { point } => {
                self.await_returned(task, point, false, &mut fact);
                Ok(())
            }
            EventKind::Wake { by } => {
                if let Some(t) = self.task_mut(task) {
                    let first = !t.demand.is_woken();
                    t.demand.woken();
                    let wake = Wake {
                        seq,
                        t_ns: event.t_ns,
                        by,
                    };
                    if !t.finished {
                        t.wakes.push(wake);
                    }
                    let polling = t.poll.is_some();
                    fact(Fact::Woken {
                        task,
                        wake,
                        first,
                        polling,
                    });
                }
                Ok(())
            }
            EventKind::Say { text } => {
                let task = task.get().map(TaskId);
                fact(Fact::Said { task, text });
                Ok(())
            }
            EventKind::Input { text, driver } => {
                if self.task(task).is_some() {
                    fact(Fact::Resumed {
                        task,
                        input: text,
                        driver,
                    });
                }
                Ok(())
            }
            EventKind::Refused {
                input,
                driver,
                error,
            } => {
                if self.task(task).is_some() {
                    fact(Fact::Refused {
                        task,
                        input,
                        driver,
                        error,
                    });
                }
                Ok(())
            }
            EventKind::Yielded { value } => {
                if self.task(task).is_some() {
                    fact(Fact::Yielded { task, value });
                }
                Ok(())
            }
            EventKind::Complete { value } => {
                if let Some(t) = self.task_mut(task) {
                    t.finished = true;
                    fact(Fact::Completed { task, value });
                }
                Ok(())
            }
            EventKind::Panic { message } => {
                if let Some(t) = self.task_mut(task) {
                    t.finished = true;
                    fact(Fact::Panicked { task, message });
                }
                Ok(())
            }
            EventKind::ThreadSpawn { thread, name } => {
                fact(Fact::ThreadStarted { thread, name, task });
                Ok(())
            }
            EventKind::ThreadFinish {
                thread,
                outcome,
                duration_us,
                result,
            } => {
                fact(Fact::ThreadFinished {
                    thread,
                    outcome,
                    duration_us,
                    result,
                });
                Ok(())
            }
            EventKind::ThreadJoin { thread } => {
                fact(Fact::ThreadJoined { thread, task });
                Ok(())
            }
            EventKind::CoroState { depth, .. } | EventKind::CoroLocals { depth, .. } => {
                if let Some(t) = self.task_mut(task) {
                    CoroFrame::apply(&mut t.coro, &event.kind);
                    fact(Fact::CoroRecorded {
                        task,
                        depth: usize::from(depth),
                        frames: &t.coro,
                    });
                }
                Ok(())
            }
        }
    }

    /// Ends every poll still open (the trace ends inside them), as polls whose end the
    /// trace never said.
    pub fn finish(&mut self, mut fact: impl FnMut(Fact<'_>)) {
        let open: Vec<TaskId> = self.open.iter().flatten().copied().collect();
        for task in open {
            self.end_poll(task, None, &mut fact);
        }
    }

    fn task(&self, task: TaskId) -> Option<&TaskRead> {
        self.tasks.get(task.get()? as usize)
    }

    fn task_mut(&mut self, task: TaskId) -> Option<&mut TaskRead> {
        self.tasks.get_mut(task.get()? as usize)
    }

    fn poll_start(
        &mut self,
        task: TaskId,
        on: ExecThread,
        fact: &mut impl FnMut(Fact<'_>),
    ) -> Result<(), Damage> {
        if self.task(task).is_none() {
            return Ok(());
        }
        let mut damage = None;
        // A poll left open on this thread ends where the next one starts.
        if let Some(open) = self.open.get(usize::from(on.0)).copied().flatten() {
            self.end_poll(open, None, fact);
            damage = Some(Damage::PollWhileOpen { task, open });
        }
        // So does the task's own poll left open on another thread.
        if let Some(elsewhere) = self.task(task).and_then(|t| t.poll.as_ref()).map(|p| p.on) {
            self.end_poll(task, None, fact);
            damage = damage.or(Some(Damage::PolledTwice {
                task,
                on: elsewhere,
            }));
        }
        let slot = usize::from(on.0);
        if self.open.len() <= slot {
            self.open.resize(slot + 1, None);
        }
        self.open[slot] = Some(task);
        let wakes = &mut self.wakes;
        let Some(t) = self.tasks.get_mut(task.0 as usize) else {
            return Ok(());
        };
        if t.finished {
            damage = damage.or(Some(Damage::PollOfFinished { task }));
        }
        let asked = t.demand.poll_starts();
        t.polls = t.polls.saturating_add(1);
        t.poll = Some(OpenPoll {
            on,
            turns: Vec::new(),
            open: Vec::new(),
            chain: Vec::new(),
        });
        wakes.clear();
        wakes.append(&mut t.wakes);
        fact(Fact::PollStarted {
            task,
            on,
            asked,
            ordinal: t.polls,
            wakes,
        });
        damage.map_or(Ok(()), Err)
    }

    fn end_poll(
        &mut self,
        task: TaskId,
        result: Option<PollResult>,
        fact: &mut impl FnMut(Fact<'_>),
    ) {
        let Some(t) = self.tasks.get_mut(task.0 as usize) else {
            return;
        };
        let Some(poll) = t.poll.take() else {
            return;
        };
        if let Some(slot) = self.open.get_mut(usize::from(poll.on.0))
            && *slot == Some(task)
        {
            *slot = None;
        }
        t.suspension = match result {
            Some(PollResult::Pending) => Suspension::of(&poll.turns),
            _ => Suspension::default(),
        };
        fact(Fact::PollEnded {
            task,
            on: poll.on,
            result,
            running: &poll.chain,
            suspension: &t.suspension,
        });
    }

    fn await_polled(
        &mut self,
        task: TaskId,
        point: PointId,
        resumed: bool,
        fact: &mut impl FnMut(Fact<'_>),
    ) {
        let Some(poll) = self.task_mut(task).and_then(|t| t.poll.as_mut()) else {
            return;
        };
        let parent = poll.open.last().copied();
        poll.open.push(poll.turns.len());
        poll.turns.push(Turn {
            point,
            parent,
            suspended: false,
        });
        poll.chain.push(point);
        fact(Fact::AwaitPolled {
            task,
            point,
            resumed,
            depth: poll.chain.len() - 1,
            chain: &poll.chain,
        });
    }

    fn await_returned(
        &mut self,
        task: TaskId,
        point: PointId,
        pending: bool,
        fact: &mut impl FnMut(Fact<'_>),
    ) {
        let Some(poll) = self.task_mut(task).and_then(|t| t.poll.as_mut()) else {
            return;
        };
        let Some(pos) = poll.chain.iter().rposition(|&p| p == point) else {
            return;
        };
        if let Some(turn) = poll.open.get(pos).and_then(|&i| poll.turns.get_mut(i)) {
            turn.suspended = pending;
        }
        let cut = poll.open.len() - pos - 1;
        poll.open.truncate(pos);
        poll.chain.truncate(pos);
        fact(Fact::AwaitReturned {
            task,
            point,
            pending,
            depth: pos,
            cut,
            chain: &poll.chain,
        });
    }
}
