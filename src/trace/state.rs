//! The state of every task and worker thread, rebuilt from events alone.
//!
//! Every panel is a function of a [`State`]; the live view is the state after the last
//! event, rewind is the state after an earlier one.

use super::event::{
    Event, EventKind, ExecThread, PointId, PollResult, Sym, TaskId, ThreadNo, ThreadOutcome,
    WakeSource,
};
use super::held::Held;
use super::reading::{Fact, Reading};

/// Where a task is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskState {
    /// Spawned, never polled: its body has not run a single line (Python: `CORO_CREATED`).
    Created,
    /// Woken and waiting for the executor to poll it.
    Scheduled,
    /// Inside `poll` right now.
    Running,
    /// Returned `Pending` and nobody has woken it since (Python: `CORO_SUSPENDED`).
    Suspended,
    /// Returned `Ready` with this value (Python: `CORO_CLOSED` after `StopIteration(value)`).
    Completed(Sym),
    /// A poll panicked with this message.
    Panicked(Sym),
}

impl TaskState {
    /// One lowercase word for the state.
    pub fn word(self) -> &'static str {
        match self {
            TaskState::Created => "created",
            TaskState::Scheduled => "scheduled",
            TaskState::Running => "running",
            TaskState::Suspended => "suspended",
            TaskState::Completed(_) => "completed",
            TaskState::Panicked(_) => "panicked",
        }
    }

    /// True once the task can never be polled again.
    pub fn is_finished(self) -> bool {
        matches!(self, TaskState::Completed(_) | TaskState::Panicked(_))
    }
}

/// One task as the events describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskView {
    /// Its number.
    pub id: TaskId,
    /// The name given to `spawn`.
    pub name: Sym,
    /// The task that spawned it with `pollscope::spawn`, if one did.
    pub parent: Option<TaskId>,
    /// Where it is in its life.
    pub state: TaskState,
    /// Times `poll` was called.
    pub polls: u32,
    /// Times its waker was called.
    pub wakes: u32,
    /// Polls that returned `Pending` although nobody had woken the task since its previous
    /// poll: the cost of busy polling.
    pub wasted: u32,
    /// Total time spent inside its polls.
    pub poll_ns: u64,
    /// The await chain, outermost first: while running, the instrumented awaits entered so
    /// far; while suspended, the ones it is suspended in (the last is the innermost).
    pub chain: Vec<PointId>,
    /// The most recent wake and who made it.
    pub last_wake: Option<WakeSource>,
    /// When the current poll started (meaningful while running).
    pub poll_started_ns: u64,
    /// The executor thread of its current (or last) poll: pollscope's own (0), or one of
    /// a runtime's workers (tokio's) that polls beside it.
    pub polled_on: ExecThread,
    /// When it was spawned, or its last poll ended: the start of its wait.
    pub waiting_since_ns: u64,
    /// When its waker was first called since its last poll started: when it joined the
    /// executor's queue.
    pub woken_ns: Option<u64>,
    /// The compiler's state machines after the last poll, read from debug info: the
    /// task's own future first, then each future it awaits.
    pub coro: Vec<CoroFrame>,
    /// What went into its last resume and the driver's line (a Python run).
    pub input: Option<(Sym, PointId)>,
    /// What its last suspension handed to its driver (a Python run).
    pub yielded: Option<Sym>,
    /// Who held its waker when its last poll returned `Pending`.
    pub held: Held,
    /// Woken since its last poll started.
    woken: bool,
    /// The index of the event that put it in the ready queue (its spawn, or its first
    /// wake since its last poll started): the queue is in this order.
    queued_seq: usize,
    /// The poll running (or last run) was asked for.
    asked: bool,
}

impl TaskView {
    /// The innermost await point the task is suspended at (or running in).
    pub fn await_point(&self) -> Option<PointId> {
        self.chain.last().copied()
    }

    /// Where it joined the executor's ready queue, if it is waiting there: a task never
    /// polled at its spawn, a woken one at its wake (ties broken by number: the queue is
    /// first in, first out).
    pub fn queued_at(&self) -> Option<(usize, TaskId)> {
        match self.state {
            TaskState::Created | TaskState::Scheduled => Some((self.queued_seq, self.id)),
            _ => None,
        }
    }
}

/// One coroutine of a task's await chain, as the last poll left it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoroFrame {
    /// The future's path (`a::inner`).
    pub future: Sym,
    /// Its state, as an await point labelled with the state's name.
    pub state: PointId,
    /// The locals it holds, in words.
    pub locals: Option<Sym>,
}

impl CoroFrame {
    /// Applies a `coro_state` or `coro_locals` event to the chain recorded after a poll
    /// (other kinds are ignored): depth 0 starts the chain afresh, deeper states follow in
    /// order, and locals fill in the frame at their depth.
    pub fn apply(chain: &mut Vec<CoroFrame>, kind: &EventKind) {
        match *kind {
            EventKind::CoroState {
                depth,
                future,
                state,
            } => {
                chain.truncate(usize::from(depth));
                chain.push(CoroFrame {
                    future,
                    state,
                    locals: None,
                });
            }
            EventKind::CoroLocals { depth, text } => {
                if let Some(frame) = chain.get_mut(usize::from(depth)) {
                    frame.locals = Some(text);
                }
            }
            _ => {}
        }
    }
}

/// One worker thread as the events describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadView {
    /// Its number.
    pub no: ThreadNo,
    /// The thread's name.
    pub name: Sym,
    /// The task that started it (and awaits it).
    pub task: TaskId,
    /// When it started.
    pub started_ns: u64,
    /// How and after how long (ns) it finished, once it has.
    pub finished: Option<(ThreadOutcome, u64)>,
    /// Its result or error, as text, once finished.
    pub result: Option<Sym>,
    /// The task that collected its result, once one has.
    pub joined_by: Option<TaskId>,
}

/// Everything the events up to some index say about tasks and threads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct State {
    /// Tasks by id.
    pub tasks: Vec<TaskView>,
    /// Worker threads by number.
    pub threads: Vec<ThreadView>,
    /// How many events have been applied.
    pub applied: usize,
    /// The task inside `poll`, if any.
    pub running: Option<TaskId>,
    /// Time of the last applied event.
    pub t_ns: u64,
    /// The reading the views above are built from.
    reading: Reading,
}

impl State {
    /// The empty state before any event.
    pub fn new() -> Self {
        Self::default()
    }

    /// The ready queue, first in line first.
    pub fn ready_queue(&self) -> Vec<TaskId> {
        let mut queue: Vec<(usize, TaskId)> =
            self.tasks.iter().filter_map(TaskView::queued_at).collect();
        queue.sort_unstable();
        queue.into_iter().map(|(_, id)| id).collect()
    }

    /// The task with this id, if spawned.
    pub fn task(&self, id: TaskId) -> Option<&TaskView> {
        self.tasks.get(id.0 as usize)
    }

    /// Task indexes in tree order — every task followed by the tasks it spawned, each with
    /// its depth (0 for the program's own tasks) — as the task tables show them.
    pub fn tree_order(&self) -> Vec<(usize, usize)> {
        let n = self.tasks.len();
        if self.tasks.iter().all(|t| t.parent.is_none()) {
            return (0..n).map(|i| (i, 0)).collect();
        }
        // A parent is always spawned before its children, so children lists built in id
        // order are in spawn order.
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut roots = Vec::new();
        for (i, task) in self.tasks.iter().enumerate() {
            match task.parent.map(|p| p.0 as usize) {
                Some(p) if p < i => children[p].push(i),
                _ => roots.push(i),
            }
        }
        let mut order = Vec::with_capacity(n);
        let mut stack: Vec<(usize, usize)> = roots.into_iter().rev().map(|r| (r, 0)).collect();
        while let Some((i, depth)) = stack.pop() {
            order.push((i, depth));
            stack.extend(children[i].iter().rev().map(|&c| (c, depth + 1)));
        }
        order
    }

    /// Applies one event. Events about tasks or threads the state does not know are
    /// ignored, so a damaged trace degrades instead of failing.
    pub fn apply(&mut self, event: &Event) {
        self.applied += 1;
        self.t_ns = event.t_ns;
        let t = event.t_ns;
        let State {
            reading,
            tasks,
            threads,
            running,
            applied,
            ..
        } = self;
        // Damage is the loader's to report; the state reads on the forgiving way.
        let seq = *applied - 1;
        let _ = reading.step(event, |fact| {
            apply_fact(tasks, threads, running, t, seq, fact)
        });
        if let EventKind::PollEnd { held, .. } = event.kind
            && let Some(view) = tasks.get_mut(event.task.0 as usize)
        {
            view.held = held;
        }
    }
}

/// One fact of the reading applied to the tasks and threads.
fn apply_fact(
    tasks: &mut Vec<TaskView>,
    threads: &mut Vec<ThreadView>,
    running: &mut Option<TaskId>,
    t: u64,
    seq: usize,
    fact: Fact<'_>,
) {
    match fact {
        Fact::Spawned { task, name, parent } => tasks.push(TaskView {
            id: task,
            name,
            parent,
            state: TaskState::Created,
            polls: 0,
            wakes: 0,
            wasted: 0,
            poll_ns: 0,
            chain: Vec::new(),
            last_wake: None,
            poll_started_ns: 0,
            polled_on: ExecThread::MAIN,
            waiting_since_ns: t,
            woken_ns: None,
            coro: Vec::new(),
            input: None,
            yielded: None,
            held: Held::Unknown,
            woken: false,
            queued_seq: seq,
            asked: false,
        }),
        Fact::ThreadStarted { thread, name, task } => threads.push(ThreadView {
            no: thread,
            name,
            task,
            started_ns: t,
            finished: None,
            result: None,
            joined_by: None,
        }),
        Fact::ThreadFinished {
            thread,
            outcome,
            duration_us,
            result,
        } => {
            if let Some(th) = threads.get_mut(thread.0 as usize) {
                th.finished = Some((outcome, u64::from(duration_us) * 1_000));
                th.result = Some(result);
            }
        }
        Fact::ThreadJoined { thread, task } => {
            if let Some(th) = threads.get_mut(thread.0 as usize) {
                th.joined_by = Some(task);
            }
        }
        Fact::PollStarted {
            task, asked, on, ..
        } => {
            if let Some(view) = tasks.get_mut(task.0 as usize) {
                view.polled_on = on;
                view.asked = asked;
                view.woken = false;
                view.polls += 1;
                view.state = TaskState::Running;
                view.poll_started_ns = t;
                view.chain.clear();
                *running = Some(task);
            }
        }
        Fact::AwaitPolled { task, chain, .. } | Fact::AwaitReturned { task, chain, .. } => {
            if let Some(view) = tasks.get_mut(task.0 as usize) {
                view.chain.clear();
                view.chain.extend_from_slice(chain);
            }
        }
        Fact::PollEnded {
            task,
            result,
            suspension,
            ..
        } => {
            let Some(view) = tasks.get_mut(task.0 as usize) else {
                return;
            };
            view.poll_ns += t.saturating_sub(view.poll_started_ns);
            view.waiting_since_ns = t;
            if *running == Some(task) {
                *running = None;
            }
            match result {
                Some(PollResult::Pending) => {
                    if !view.asked {
                        view.wasted += 1;
                    }
                    view.chain.clear();
                    view.chain.extend(suspension.points());
                    view.state = if view.woken {
                        TaskState::Scheduled
                    } else {
                        TaskState::Suspended
                    };
                }
                Some(PollResult::Ready) => view.chain.clear(),
                // The chain stays: it shows where the panic happened (or, with no end
                // recorded, where the poll was).
                Some(PollResult::Panicked) | None => {}
            }
        }
        Fact::Woken {
            task, wake, first, ..
        } => {
            let Some(view) = tasks.get_mut(task.0 as usize) else {
                return;
            };
            view.wakes += 1;
            view.last_wake = Some(wake.by);
            if first {
                view.woken_ns = Some(wake.t_ns);
                view.queued_seq = wake.seq;
            }
            view.woken = true;
            if view.state == TaskState::Suspended {
                view.state = TaskState::Scheduled;
            }
        }
        Fact::Completed { task, value } => {
            if let Some(view) = tasks.get_mut(task.0 as usize) {
                view.state = TaskState::Completed(value);
            }
        }
        Fact::Panicked { task, message } => {
            if let Some(view) = tasks.get_mut(task.0 as usize) {
                view.state = TaskState::Panicked(message);
            }
        }
        Fact::CoroRecorded { task, frames, .. } => {
            if let Some(view) = tasks.get_mut(task.0 as usize) {
                view.coro.clear();
                view.coro.extend_from_slice(frames);
            }
        }
        Fact::Resumed {
            task,
            input,
            driver,
        } => {
            if let Some(view) = tasks.get_mut(task.0 as usize) {
                view.input = Some((input, driver));
                view.yielded = None;
                // A driver's `send` asks for the resume it makes: never wasted.
                view.asked = true;
            }
        }
        Fact::Yielded { task, value } => {
            if let Some(view) = tasks.get_mut(task.0 as usize) {
                view.yielded = Some(value);
            }
        }
        Fact::Said { .. } | Fact::Refused { .. } => {}
    }
}
