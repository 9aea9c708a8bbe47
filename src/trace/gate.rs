//! The gate that makes another runtime's polls (tokio's) wait for Step: in a stepped run
//! each worker thread about to poll one of tokio's tasks queues here and waits until the
//! executor lets it through, so the whole program makes one poll at a time.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Polls of another runtime's tasks waiting for their turn, and the one let through.
#[derive(Debug, Default)]
pub struct Gate {
    state: Mutex<GateState>,
    /// Signalled when a poll is let through or has returned.
    changed: Condvar,
}

#[derive(Debug, Default)]
struct GateState {
    /// Closed: every poll waits for its turn. Open: polls go through untouched.
    closed: bool,
    /// Tasks (by that runtime's number) whose poll waits, oldest first.
    waiting: VecDeque<u64>,
    /// The task let through and not yet returned from its poll.
    through: Option<u64>,
    /// Polls let through that have returned.
    returned: u64,
}

impl Gate {
    fn state(&self) -> MutexGuard<'_, GateState> {
        // Every change is a single field write: a poisoned lock still holds valid data.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Closes the gate (a stepped run) or opens it, letting every waiting poll go.
    pub fn set_closed(&self, closed: bool) {
        let mut state = self.state();
        state.closed = closed;
        if !closed {
            state.waiting.clear();
        }
        drop(state);
        self.changed.notify_all();
    }

    /// True in a stepped run.
    pub fn is_closed(&self) -> bool {
        self.state().closed
    }

    /// Called on the worker thread before the poll of `key`: waits for its turn when the
    /// gate is closed. `arrived` is called once the poll is queued (to wake an executor
    /// parked while idle).
    pub fn wait_turn(&self, key: u64, arrived: impl FnOnce()) {
        let mut state = self.state();
        if !state.closed {
            return;
        }
        state.waiting.push_back(key);
        drop(state);
        arrived();
        let mut state = self.state();
        while state.closed && state.through != Some(key) {
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Called on the worker thread after the poll of `key` returned.
    pub fn returned(&self, key: u64) {
        let mut state = self.state();
        if state.through == Some(key) {
            state.through = None;
            state.returned += 1;
            drop(state);
            self.changed.notify_all();
        }
    }

    /// True if a poll waits for its turn.
    pub fn has_waiting(&self) -> bool {
        let state = self.state();
        state.closed && !state.waiting.is_empty()
    }

    /// Lets the oldest waiting poll through and waits (up to `max`) until it returns;
    /// returns its task's number, or `None` if none waited. A poll still running after
    /// `max` goes on by itself: the next step waits for it first.
    pub fn let_one_through(&self, max: Duration) -> Option<u64> {
        // The previous one first: one poll at a time.
        let (mut state, waited) = self.wait_while(self.state(), max, |s| s.through.is_some());
        if !waited {
            return None;
        }
        let key = state.waiting.pop_front()?;
        state.through = Some(key);
        let target = state.returned + 1;
        self.changed.notify_all();
        let _ = self.wait_while(state, max, |s| s.returned < target && s.closed);
        Some(key)
    }

    /// Waits while `busy` holds, up to `max`; false if it still held then.
    fn wait_while<'a>(
        &self,
        mut state: MutexGuard<'a, GateState>,
        max: Duration,
        busy: impl Fn(&GateState) -> bool,
    ) -> (MutexGuard<'a, GateState>, bool) {
        while busy(&state) {
            let (s, timeout) = self
                .changed
                .wait_timeout(state, max)
                .unwrap_or_else(PoisonError::into_inner);
            state = s;
            if timeout.timed_out() {
                let done = !busy(&state);
                return (state, done);
            }
        }
        (state, true)
    }
}
