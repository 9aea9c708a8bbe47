//! The executor on stage: at any index of a trace, the ready queue in order, the tasks
//! inside `poll`, the parked tasks with who holds each one's waker, the finished ones with
//! their values, and the line of the executor's loop at work. Read from the trace and the
//! state alone, like every panel, so it is exact when rewound and works on loaded traces,
//! tokio and Python runs. The app's Stage panel draws it.

use crate::executor::Policy;
use crate::lens::Lens;
use crate::report::duration;
use crate::trace::{
    EventKind, Held, Holder, PollResult, State, TaskId, TaskState, TaskView, ThreadNo, Trace,
};

/// What the executor's loop is doing, as the last event shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Between polls, with tasks in the queue: take the next one.
    Take,
    /// Inside a task's poll.
    Poll,
    /// A poll returned `Pending`: the task is parked.
    Park,
    /// A poll returned `Ready` (or panicked): the task is done.
    Done,
    /// A waker was called (or a task spawned): the task joins the queue.
    Woken,
    /// Nothing in the queue, but someone holds a waker: wait for a wake.
    Idle,
    /// Nothing in the queue and nobody holds any waker: no task can run again.
    Stalled,
    /// Every task has finished.
    Finished,
}

/// Which loop the stage shows beside the cards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoopKind {
    /// pollscope's waker-driven executor: pops the ready queue.
    WakerDriven,
    /// Busy polling: walks every unfinished task each round.
    BusyPoll,
    /// The original experiment's `runner()`: `send(None)` to each coroutine in turn.
    PyRunner,
    /// asyncio's event loop (`BaseEventLoop._run_once`).
    PyAsyncio,
}

/// One line of a loop's code, with the phase that lights it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoopLine {
    /// The code.
    pub code: &'static str,
    /// The phases in which this line is the one at work.
    pub lit: &'static [Phase],
}

const fn line(code: &'static str, lit: &'static [Phase]) -> LoopLine {
    LoopLine { code, lit }
}

const WAKER_LOOP: &[LoopLine] = &[
    line("loop {", &[]),
    line("  let Some(task) = queue.pop_front()", &[Phase::Take]),
    line("  else {", &[]),
    line(
        "    if no_waker_held() { break }",
        &[Phase::Stalled, Phase::Finished],
    ),
    line("    wait_for_a_wake(); continue", &[Phase::Idle]),
    line("  };", &[]),
    line("  match task.poll(&mut cx) {", &[Phase::Poll]),
    line("    Pending => park(task),", &[Phase::Park]),
    line("    Ready(v) => done.push(v),", &[Phase::Done]),
    line("  }", &[]),
    line("}", &[]),
    line("// wake(): queue.push_back(task)", &[Phase::Woken]),
];

const BUSY_LOOP: &[LoopLine] = &[
    line("loop {", &[]),
    line("  for task in unfinished() {", &[Phase::Take]),
    line("    match task.poll(&mut cx) {", &[Phase::Poll]),
    line("      Pending => {} // next round", &[Phase::Park]),
    line("      Ready(v) => done.push(v),", &[Phase::Done]),
    line("    }", &[]),
    line("  }", &[]),
    line(
        "  if all_done() { break }",
        &[Phase::Finished, Phase::Stalled, Phase::Idle],
    ),
    line("}", &[]),
    line("// wake(): ignored, all polled", &[Phase::Woken]),
];

const PY_RUNNER: &[LoopLine] = &[
    line("def runner(coros):", &[]),
    line("  pending = list(enumerate(coros))", &[]),
    line("  while pending:", &[Phase::Idle, Phase::Stalled]),
    line("    still = []", &[]),
    line("    for i, coro in pending:", &[Phase::Take, Phase::Woken]),
    line("      try:", &[]),
    line("        coro.send(None)", &[Phase::Poll]),
    line("      except StopIteration as e:", &[]),
    line("        values[i] = e.value", &[Phase::Done]),
    line("      else:", &[]),
    line("        still.append((i, coro))", &[Phase::Park]),
    line("    pending = still", &[Phase::Finished]),
];

const PY_ASYNCIO: &[LoopLine] = &[
    line("def _run_once(self):", &[]),
    line(
        "  ev = self._selector.select(t)",
        &[Phase::Idle, Phase::Stalled],
    ),
    line("  self._process_events(ev)", &[]),
    line("  for i in range(len(self._ready)):", &[]),
    line("    h = self._ready.popleft()", &[Phase::Take]),
    line("    h._run()  # coro.send(None)", &[Phase::Poll]),
    line("# await fut: fut keeps __wakeup", &[Phase::Park]),
    line(
        "# StopIteration: set_result(v)",
        &[Phase::Done, Phase::Finished],
    ),
    line("# fut done: call_soon(__wakeup)", &[Phase::Woken]),
];

impl LoopKind {
    /// The loop for a run: Python's words in the Python lens (asyncio's loop once a task
    /// was resumed by asyncio), else the policy's own loop. Reads the tasks, not the events:
    /// it is asked every frame.
    pub fn of(trace: &Trace, state: &State, policy: Policy, lens: Lens) -> LoopKind {
        if lens == Lens::Python {
            let asyncio = state.tasks.iter().any(|t| {
                t.input
                    .and_then(|(_, driver)| trace.await_point(driver))
                    .is_some_and(|p| p.file.contains("asyncio"))
            });
            return if asyncio {
                LoopKind::PyAsyncio
            } else {
                LoopKind::PyRunner
            };
        }
        match policy {
            Policy::WakerDriven => LoopKind::WakerDriven,
            Policy::BusyPoll => LoopKind::BusyPoll,
        }
    }

    /// Its lines.
    pub fn lines(self) -> &'static [LoopLine] {
        match self {
            LoopKind::WakerDriven => WAKER_LOOP,
            LoopKind::BusyPoll => BUSY_LOOP,
            LoopKind::PyRunner => PY_RUNNER,
            LoopKind::PyAsyncio => PY_ASYNCIO,
        }
    }

    /// The index of the line lit in `phase`, if any.
    pub fn lit_line(self, phase: Phase) -> Option<usize> {
        self.lines().iter().position(|l| l.lit.contains(&phase))
    }
}

/// A task's card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Card {
    /// The task.
    pub task: TaskId,
    /// Its name.
    pub name: String,
    /// Its state.
    pub state: TaskState,
    /// Why it is where it is: "woken by thread fetch-google", "never polled yet", its value.
    pub note: String,
}

/// A parked task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parked {
    /// The task's card; the note says where it is suspended.
    pub card: Card,
    /// Who holds its waker (empty: nobody, or not recorded).
    pub holders: Vec<Holder>,
    /// Nobody holds its waker: it can never run again.
    pub stalled: bool,
    /// Who holds it, in words: "waker held by thread fetch-google".
    pub held_words: String,
}

/// A worker thread's card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadCard {
    /// Its number.
    pub thread: ThreadNo,
    /// Its name.
    pub name: String,
    /// "running 120 ms", "finished: 14200 bytes".
    pub progress: String,
    /// Still running.
    pub running: bool,
}

/// The stage at one index of the trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    /// The ready queue, first in line first.
    pub queue: Vec<Card>,
    /// The tasks inside `poll` (one on pollscope's executor; several with tokio's workers).
    pub polling: Vec<Card>,
    /// The tasks that returned `Pending` and wait for a wake.
    pub parked: Vec<Parked>,
    /// The finished tasks, with their values.
    pub done: Vec<Card>,
    /// Worker threads that are running, or that hold a parked task's waker.
    pub threads: Vec<ThreadCard>,
    /// What the loop is doing.
    pub phase: Phase,
    /// The loop shown.
    pub kind: LoopKind,
    /// The phase in one sentence, naming the task: "task 0 (google) returned Pending:
    /// parked, its waker held by thread fetch-google".
    pub caption: String,
    /// Cards left out of each list by the cap given to [`Stage::build`]: queue,
    /// polling, parked, done.
    pub left_out: [usize; 4],
}

/// The task's name and number, as cards name it.
fn name_of(trace: &Trace, task: &TaskView) -> String {
    format!("{} {}", task.id, trace.str(task.name))
}

fn woken_note(trace: &Trace, task: &TaskView) -> String {
    match (task.state, task.last_wake) {
        (TaskState::Created, _) => "new: never polled yet".to_owned(),
        (_, Some(by)) => format!("woken by {}", crate::why::waker(trace, by, task.id)),
        (_, None) => "woken".to_owned(),
    }
}

fn card(trace: &Trace, task: &TaskView, note: String) -> Card {
    Card {
        task: task.id,
        name: name_of(trace, task),
        state: task.state,
        note,
    }
}

/// "waker held by thread fetch-google", "waker held by nobody".
fn held_words(trace: &Trace, state: &State, task: &TaskView, holders: &[Holder]) -> String {
    if task.held == Held::Unknown {
        // A Python coroutine driven by hand has no waker: its driver resumes it.
        let driver = task
            .input
            .and_then(|(_, d)| trace.await_point(d))
            .map(|d| d.label.split(':').next().unwrap_or(d.label).to_owned());
        return match driver {
            Some(func) => format!("no waker: its driver {func}() resumes it"),
            None => "who holds its waker was not recorded".to_owned(),
        };
    }
    if holders.is_empty() {
        return "waker held by nobody".to_owned();
    }
    let words: Vec<String> = holders
        .iter()
        .map(|h| match h {
            Holder::Thread(t) => state
                .threads
                .get(t.0 as usize)
                .map_or(format!("thread {}", t.0), |th| {
                    format!("thread {}", trace.str(th.name))
                }),
            Holder::Task(t) => format!("task {t}"),
            Holder::Yield => "itself (it yielded)".to_owned(),
            Holder::Elsewhere(1) => "something else (1 clone)".to_owned(),
            Holder::Elsewhere(n) => format!("something else ({n} clones)"),
            Holder::Future(repr) => format!("future {}", trace.str(*repr)),
        })
        .collect();
    format!("waker held by {}", words.join(", "))
}

/// The phase the last applied event shows.
fn phase(trace: &Trace, state: &State, queue_len: usize, stalled_all: bool) -> Phase {
    let last = state
        .applied
        .checked_sub(1)
        .and_then(|i| trace.events.get(i));
    let by_event = last.map(|e| match e.kind {
        EventKind::PollEnd {
            result: PollResult::Pending,
            ..
        } => Some(Phase::Park),
        EventKind::PollEnd { .. } | EventKind::Complete { .. } | EventKind::Panic { .. } => {
            Some(Phase::Done)
        }
        EventKind::Wake { .. } | EventKind::Spawn { .. } => Some(Phase::Woken),
        _ => None,
    });
    if state.tasks.iter().any(|t| t.state == TaskState::Running) {
        return Phase::Poll;
    }
    if let Some(Some(phase)) = by_event {
        return phase;
    }
    if queue_len > 0 {
        return Phase::Take;
    }
    if state.tasks.iter().all(|t| t.state.is_finished()) {
        return if state.tasks.is_empty() {
            Phase::Take
        } else {
            Phase::Finished
        };
    }
    if stalled_all {
        Phase::Stalled
    } else {
        Phase::Idle
    }
}

impl Stage {
    /// The stage after the events `state` has applied; `now_ns` times running threads.
    /// Each list holds at most `cap` cards (a panel shows no more than fit); the rest are
    /// counted in [`Stage::left_out`]. The done list keeps the newest.
    pub fn build(trace: &Trace, state: &State, kind: LoopKind, now_ns: u64, cap: usize) -> Stage {
        let now = now_ns.max(state.t_ns);
        let order = state.ready_queue();
        let queue: Vec<Card> = order
            .iter()
            .take(cap)
            .filter_map(|&id| state.task(id))
            .map(|t| card(trace, t, woken_note(trace, t)))
            .collect();
        let count = |s: fn(&TaskState) -> bool| state.tasks.iter().filter(|t| s(&t.state)).count();
        let left_out = [
            order.len().saturating_sub(cap),
            count(|s| *s == TaskState::Running).saturating_sub(cap),
            count(|s| *s == TaskState::Suspended).saturating_sub(cap),
            count(|s| s.is_finished()).saturating_sub(cap),
        ];
        let polling = state
            .tasks
            .iter()
            .filter(|t| t.state == TaskState::Running)
            .take(cap)
            .map(|t| {
                let at = t
                    .await_point()
                    .and_then(|p| trace.await_point(p))
                    .map_or(String::new(), |p| format!(" at {}", p.label));
                let note = format!(
                    "inside poll for {}{at}",
                    duration(now.saturating_sub(t.poll_started_ns))
                );
                card(trace, t, note)
            })
            .collect();
        let parked: Vec<Parked> = state
            .tasks
            .iter()
            .filter(|t| t.state == TaskState::Suspended)
            .take(cap)
            .map(|t| {
                let holders = t.held.holders(trace);
                let note = t
                    .await_point()
                    .and_then(|p| trace.await_point(p))
                    .map_or("returned Pending".to_owned(), |p| {
                        format!("at {} (line {})", p.label, p.line)
                    });
                Parked {
                    card: card(trace, t, note),
                    stalled: t.held == Held::Nobody,
                    held_words: held_words(trace, state, t, &holders),
                    holders,
                }
            })
            .collect();
        let finished = count(|s| s.is_finished());
        let done = state
            .tasks
            .iter()
            .filter(|t| t.state.is_finished())
            .skip(finished.saturating_sub(cap))
            .filter_map(|t| match t.state {
                TaskState::Completed(v) => Some(card(trace, t, format!("= {}", trace.str(v)))),
                TaskState::Panicked(m) => {
                    Some(card(trace, t, format!("panicked: {}", trace.str(m))))
                }
                _ => None,
            })
            .collect();
        let held_threads: Vec<ThreadNo> = parked
            .iter()
            .flat_map(|p| &p.holders)
            .filter_map(|h| match h {
                Holder::Thread(t) => Some(*t),
                _ => None,
            })
            .collect();
        let threads = state
            .threads
            .iter()
            .filter(|th| th.finished.is_none() || held_threads.contains(&th.no))
            .map(|th| ThreadCard {
                thread: th.no,
                name: trace.str(th.name).to_owned(),
                progress: match (th.finished, th.result) {
                    (None, _) if held_threads.contains(&th.no) => {
                        format!("running {}", duration(now.saturating_sub(th.started_ns)))
                    }
                    (None, _) => format!(
                        "running {}, holds no waker",
                        duration(now.saturating_sub(th.started_ns))
                    ),
                    (Some(_), Some(r)) => format!("finished: {}", trace.str(r)),
                    (Some(_), None) => "finished".to_owned(),
                },
                running: th.finished.is_none(),
            })
            .collect();
        let stalled_all = !parked.is_empty()
            && parked.iter().all(|p| p.stalled)
            && state.threads.iter().all(|th| th.finished.is_some());
        let phase = phase(trace, state, queue.len(), stalled_all);
        let mut stage = Stage {
            queue,
            polling,
            parked,
            done,
            threads,
            phase,
            kind,
            caption: String::new(),
            left_out,
        };
        stage.caption = stage.caption_of(trace, state);
        stage
    }

    /// The phase in one sentence about the task it concerns.
    fn caption_of(&self, trace: &Trace, state: &State) -> String {
        let last = state
            .applied
            .checked_sub(1)
            .and_then(|i| trace.events.get(i));
        let named = |id: TaskId| {
            state.task(id).map_or(format!("task {id}"), |t| {
                format!("task {}", name_of(trace, t))
            })
        };
        match self.phase {
            Phase::Poll => match self.polling.as_slice() {
                [one] => format!("polling {}: {}", named(one.task), one.note),
                many => format!("{} tasks inside poll at once (runtime workers)", many.len()),
            },
            Phase::Park => {
                let task = last.map_or(TaskId::NONE, |e| e.task);
                let words = self
                    .parked
                    .iter()
                    .find(|p| p.card.task == task)
                    .map_or_else(
                        || "woken meanwhile: back in the queue".to_owned(),
                        |p| p.held_words.clone(),
                    );
                format!("{} returned Pending: parked, {words}", named(task))
            }
            Phase::Done => {
                let task = last.map_or(TaskId::NONE, |e| e.task);
                format!("{} returned Ready: done", named(task))
            }
            Phase::Woken => match last.map(|e| (e.task, e.kind)) {
                Some((task, EventKind::Spawn { .. })) => {
                    format!("{} spawned: into the ready queue", named(task))
                }
                Some((task, _)) => {
                    let why = state
                        .task(task)
                        .map_or(String::new(), |t| woken_note(trace, t));
                    format!("{}: {why}, into the ready queue", named(task))
                }
                None => String::new(),
            },
            Phase::Take => match self.queue.first() {
                Some(next) => format!("next: take {} from the queue", named(next.task)),
                None => "nothing to do yet".to_owned(),
            },
            Phase::Idle => "queue empty: waiting for a wake".to_owned(),
            Phase::Stalled => {
                "stalled: the queue is empty and nobody holds any parked task's waker".to_owned()
            }
            Phase::Finished => "every task has finished".to_owned(),
        }
    }
}
