//! The state of every task and worker thread, rebuilt from events alone.
//!
//! Every panel is a function of a [`State`]; the live view is the state after the last
//! event, rewind is the state after an earlier one.

use super::event::{
    Event, EventKind, PointId, PollResult, Sym, TaskId, ThreadNo, ThreadOutcome, WakeSource,
};

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

/// Whether a poll was asked for — the one rule of "wasted", applied in trace order both by
/// the executor as it records and by the [`State`] rebuilt from the trace, so the two can
/// never disagree: a poll is asked for if it is the task's first, or a wake of the task
/// comes between its previous poll's start and this one's.
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
    /// When it was spawned, or its last poll ended: the start of its wait.
    pub waiting_since_ns: u64,
    /// When its waker was first called since its last poll started: when it joined the
    /// executor's queue.
    pub woken_ns: Option<u64>,
    /// The compiler's state machines after the last poll, read from debug info: the
    /// task's own future first, then each future it awaits.
    pub coro: Vec<CoroFrame>,
    demand: PollDemand,
    /// The poll running (or last run) was asked for.
    asked: bool,
    suspended_here: Vec<PointId>,
}

impl TaskView {
    /// The innermost await point the task is suspended at (or running in).
    pub fn await_point(&self) -> Option<PointId> {
        self.chain.last().copied()
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
}

impl State {
    /// The empty state before any event.
    pub fn new() -> Self {
        Self::default()
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
        match event.kind {
            EventKind::Spawn { name, parent } => {
                self.tasks.push(TaskView {
                    id: TaskId(self.tasks.len() as u32),
                    name,
                    parent: parent.get().map(TaskId),
                    state: TaskState::Created,
                    polls: 0,
                    wakes: 0,
                    wasted: 0,
                    poll_ns: 0,
                    chain: Vec::new(),
                    last_wake: None,
                    poll_started_ns: 0,
                    waiting_since_ns: t,
                    woken_ns: None,
                    coro: Vec::new(),
                    demand: PollDemand::default(),
                    asked: false,
                    suspended_here: Vec::new(),
                });
            }
            EventKind::ThreadSpawn { thread, name } => self.threads.push(ThreadView {
                no: thread,
                name,
                task: event.task,
                started_ns: t,
                finished: None,
                result: None,
                joined_by: None,
            }),
            EventKind::ThreadFinish {
                thread,
                outcome,
                duration_us,
                result,
            } => {
                if let Some(th) = self.threads.get_mut(thread.0 as usize) {
                    th.finished = Some((outcome, u64::from(duration_us) * 1_000));
                    th.result = Some(result);
                }
            }
            EventKind::ThreadJoin { thread } => {
                if let Some(th) = self.threads.get_mut(thread.0 as usize) {
                    th.joined_by = Some(event.task);
                }
            }
            _ => self.apply_task_event(event),
        }
    }

    fn apply_task_event(&mut self, event: &Event) {
        let Some(task) = self.tasks.get_mut(event.task.0 as usize) else {
            return;
        };
        match event.kind {
            EventKind::PollStart { .. } => {
                task.asked = task.demand.poll_starts();
                task.polls += 1;
                task.state = TaskState::Running;
                task.poll_started_ns = event.t_ns;
                task.chain.clear();
                task.suspended_here.clear();
                self.running = Some(event.task);
            }
            EventKind::PollEnd { result, .. } => {
                task.poll_ns += event.t_ns.saturating_sub(task.poll_started_ns);
                task.waiting_since_ns = event.t_ns;
                self.running = None;
                match result {
                    PollResult::Pending => {
                        if !task.asked {
                            task.wasted += 1;
                        }
                        task.chain.clear();
                        task.chain.extend(task.suspended_here.drain(..).rev());
                        task.state = if task.demand.is_woken() {
                            TaskState::Scheduled
                        } else {
                            TaskState::Suspended
                        };
                    }
                    PollResult::Ready => task.chain.clear(),
                    // The chain stays: it shows where the panic happened.
                    PollResult::Panicked => {}
                }
            }
            EventKind::AwaitEnter { point } | EventKind::Resume { point } => task.chain.push(point),
            EventKind::Suspend { point } => {
                truncate_at(&mut task.chain, point);
                task.suspended_here.push(point);
            }
            EventKind::AwaitExit { point } => truncate_at(&mut task.chain, point),
            EventKind::Wake { by } => {
                task.wakes += 1;
                task.last_wake = Some(by);
                if !task.demand.is_woken() {
                    task.woken_ns = Some(event.t_ns);
                }
                task.demand.woken();
                if task.state == TaskState::Suspended {
                    task.state = TaskState::Scheduled;
                }
            }
            EventKind::Complete { value } => task.state = TaskState::Completed(value),
            EventKind::Panic { message } => task.state = TaskState::Panicked(message),
            EventKind::CoroState { .. } | EventKind::CoroLocals { .. } => {
                CoroFrame::apply(&mut task.coro, &event.kind);
            }
            EventKind::Say { .. }
            | EventKind::Spawn { .. }
            | EventKind::ThreadSpawn { .. }
            | EventKind::ThreadFinish { .. }
            | EventKind::ThreadJoin { .. } => {}
        }
    }
}

/// Drops `point` and everything nested inside it from the chain.
fn truncate_at(chain: &mut Vec<PointId>, point: PointId) {
    if let Some(pos) = chain.iter().rposition(|&p| p == point) {
        chain.truncate(pos);
    }
}
