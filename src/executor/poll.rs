//! One poll of one task: the inbox taken in, the waker's flag cleared, the future polled
//! with the panic caught, the compiler's states read, and everything recorded.

use super::context::{self, Local};
use super::waker::{Shared, TaskWaker};
use super::{Executor, Outcome, Policy, Polled, ValueText, held, task};
use crate::trace::{EventKind, ExecThread, Held, PollResult, TaskId};
use std::sync::atomic::Ordering;
use std::task::Poll;

impl Executor {
    /// Takes the inbox in (see the free function [`drain`]).
    pub(super) fn drain(&mut self, polling: Option<TaskId>) {
        let waker = polling.and_then(|id| self.tasks.get(id.0 as usize)?.waker());
        drain(&self.shared, self.local.get_mut(), waker);
    }

    pub(super) fn next_woken(&mut self) -> Option<TaskId> {
        let local = self.local.get_mut();
        while let Some(id) = local.queue.pop_front() {
            if self
                .tasks
                .get(id.0 as usize)
                .is_some_and(|t| !t.is_finished())
            {
                return Some(id);
            }
        }
        None
    }

    /// True if a waker of an unfinished task is held outside the executor.
    pub(super) fn wake_possible(&self) -> bool {
        self.tasks
            .iter()
            .any(|t| !t.is_finished() && t.waker_held_elsewhere())
    }

    #[inline(always)]
    pub(super) fn poll(&mut self, id: TaskId) -> Polled {
        // Cleared before the poll: a wake from now on asks for another poll. A wake that
        // another thread posted meanwhile is taken in first, so it is recorded before the
        // poll that answers it.
        self.tasks[id.0 as usize].clear_woken();
        if self.shared.recorder.has_mail() {
            self.drain(Some(id));
        }
        let shared = &self.shared;
        let recorder = &shared.recorder;
        let task = &mut self.tasks[id.0 as usize];
        task.polls += 1;
        let index = if self.read_states {
            crate::coro::ready()
        } else {
            None
        };
        if let Some(index) = index {
            task.look_up_coro(index, self.wait_for_states, &mut self.lookups);
        }
        // One clock reading at each edge of the poll; in a straight run, the reading that
        // ended the previous poll starts this one.
        let t_start = match self.boundary.take() {
            Some(t) => t,
            None => recorder.now_ns(),
        };
        let log = &mut self.local.get_mut().log;
        let (start, asked) = log.poll_start(id, t_start);
        if let Some(tap) = &mut self.tap {
            tap(log.take());
        }
        let current = context::Current::new(shared, &self.local, id, task.waker_data());
        let guard = context::enter(&current);
        let result = match &self.hook {
            None => task.poll(),
            Some(hook) => {
                let mut result = None;
                hook(&mut || result = Some(task.poll()));
                result.unwrap_or_else(|| Err("the poll hook did not run the poll".to_owned()))
            }
        };
        drop(guard);
        // The compiler's states, copied before anything else allocates: a `String` the
        // poll freed must not become one of the executor's own before it is read. (Also
        // after the task's last poll: `Returned` or `Panicked`.)
        let captured = match index {
            Some(_) => task.capture_coro(&mut self.reading),
            None => task::Capture::Nothing,
        };
        let innermost = current.innermost();
        let t_end = recorder.now_ns();
        self.boundary = Some(t_end);
        let local = self.local.get_mut();
        if recorder.has_mail() {
            // What other threads did during the poll (a worker finishing while the poll
            // blocks in its join) is recorded inside it.
            drain(shared, local, None);
        }
        let held = match result {
            Ok(Poll::Pending) => held::at_pending(local, id, task),
            _ => {
                if !local.holders.is_empty() {
                    local.holders.remove(&id);
                }
                Held::Unknown
            }
        };
        let log = &mut local.log;
        let (came, end) = match result {
            Ok(Poll::Pending) => {
                let end = log.poll_event(
                    id,
                    EventKind::PollEnd {
                        result: PollResult::Pending,
                        on: ExecThread::MAIN,
                        held,
                    },
                    t_end,
                );
                (Came::Pending, end)
            }
            Ok(Poll::Ready(told)) => {
                let end_kind = EventKind::PollEnd {
                    result: PollResult::Ready,
                    on: ExecThread::MAIN,
                    held,
                };
                let end = log.poll_event(id, end_kind, t_end);
                // Interned straight from the task's text buffer (see `task::VALUE`).
                let (sym, value) = match told {
                    task::Value::Unit => (log.intern_unit(), ValueText::UNIT),
                    task::Value::Text => task::VALUE.with(|t| {
                        let text = t.borrow();
                        if *text == "()" {
                            (log.intern_unit(), ValueText::UNIT)
                        } else {
                            let (sym, value) = log.intern_shared(&text);
                            (sym, value.into())
                        }
                    }),
                };
                log.poll_event(id, EventKind::Complete { value: sym }, t_end);
                (Came::Ready(value), end)
            }
            Err(message) => {
                let end_kind = EventKind::PollEnd {
                    result: PollResult::Panicked,
                    on: ExecThread::MAIN,
                    held,
                };
                let end = log.poll_event(id, end_kind, t_end);
                let sym = log.intern(&message);
                log.poll_event(id, EventKind::Panic { message: sym }, t_end);
                (Came::Panicked(message), end)
            }
        };
        match (index, captured) {
            (Some(index), task::Capture::Read) => {
                if std::mem::take(&mut task.owed) {
                    self.owed.retain(|&t| t != id);
                }
                self.reading
                    .frames(|depth, frame| log.coro_frame(id, depth, index, frame, t_end));
            }
            // The debug info is still being read (or not even opened yet): owed.
            (Some(_), task::Capture::Pending) | (None, _)
                if self.read_states
                    && !self.wait_for_states
                    && !task.owed
                    && crate::coro::failure().is_none() =>
            {
                task.owed = true;
                self.owed.push(id);
            }
            _ => {}
        }
        let pending = matches!(came, Came::Pending);
        if !pending {
            task.finish(Some(&mut local.arena));
            self.unfinished -= 1;
        }
        if !local.spawned.is_empty() {
            let children = std::mem::take(&mut local.spawned);
            self.unfinished += children.len();
            for (child, task) in children {
                self.place(child, task);
            }
        }
        Polled {
            task: id,
            wasted: pending && !asked,
            // Built here, in the value returned: an outcome built earlier would be copied
            // in with wide loads of narrow stores the poll just made, which wait for the
            // stores ahead of them (the trace's events) to land.
            outcome: match came {
                Came::Pending => Outcome::Pending {
                    at: innermost.map(|(site, _)| site),
                    point: innermost.map(|(_, p)| p),
                },
                Came::Ready(value) => Outcome::Ready { value },
                Came::Panicked(message) => Outcome::Panicked { message },
            },
            poll_ns: end.t_ns.saturating_sub(start.t_ns),
            seq: start.seq,
        }
    }
}

/// What a poll came to, before it becomes its [`Outcome`].
enum Came {
    Pending,
    Ready(ValueText),
    Panicked(String),
}

/// Takes the inbox in: other threads' events go to the log, the tasks they woke to the run
/// queue. With `polling`, the waker of the task about to be polled: its flag is cleared
/// again while no wake can slip in, and a wake of it found here is answered by that poll
/// (the wake is recorded before the poll starts), not by a second one.
pub(super) fn drain(shared: &Shared, local: &mut Local, polling: Option<&TaskWaker>) {
    let (events, woken) = shared.recorder.drain(|| {
        if let Some(waker) = polling {
            waker.woken.store(false, Ordering::SeqCst);
        }
    });
    local.log.append_foreign(events);
    if shared.policy == Policy::WakerDriven {
        let skip = polling.map(|w| w.task);
        local
            .queue
            .extend(woken.into_iter().filter(|&t| Some(t) != skip));
    }
}
