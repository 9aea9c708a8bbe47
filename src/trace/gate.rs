//! The gate that makes another runtime's polls (tokio's) wait for Step: in a stepped run
//! each worker thread about to poll one of tokio's tasks queues here and waits until the
//! executor lets it through, so the whole program makes one poll at a time.
//!
//! A hand-over between two threads per poll is the cost of stepping: each side first
//! looks at an atomic for a short while, yielding its core, and sleeps on the condition
//! variable only after that, so a run at full speed pays no sleep and wake per poll.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Looks at the atomic this many times (yielding the core between looks) before sleeping.
/// A busy loop without yielding measured slower here: on two cores the thread it waits
/// for needs the core.
const LOOKS: u32 = 200;

/// Polls of another runtime's tasks waiting for their turn, and the one let through.
#[derive(Debug, Default)]
pub struct Gate {
    state: Mutex<GateState>,
    /// Signalled when a poll is let through or has returned, if someone sleeps on it.
    changed: Condvar,
    /// The task let through (0: none; task numbers are never 0), read without the lock.
    through: AtomicU64,
    /// Polls let through that have returned, read without the lock.
    returned: AtomicU64,
    /// Polls waiting while the gate is closed, read without the lock: the executor looks
    /// at every step, and an open gate (every run but a stepped tokio one) must cost it
    /// no lock.
    waiting: AtomicUsize,
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
    /// Threads asleep on the condition variable.
    sleepers: usize,
}

impl Gate {
    fn state(&self) -> MutexGuard<'_, GateState> {
        // Every change is a single field write: a poisoned lock still holds valid data.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes the sleepers, if any.
    fn notify(&self, state: &GateState) {
        if state.sleepers > 0 {
            self.changed.notify_all();
        }
    }

    /// Sleeps once on the condition variable (up to `max`); true if it timed out.
    fn sleep<'a>(
        &self,
        mut state: MutexGuard<'a, GateState>,
        max: Duration,
    ) -> (MutexGuard<'a, GateState>, bool) {
        state.sleepers += 1;
        let (mut state, timeout) = self
            .changed
            .wait_timeout(state, max)
            .unwrap_or_else(PoisonError::into_inner);
        state.sleepers -= 1;
        (state, timeout.timed_out())
    }

    /// Closes the gate (a stepped run) or opens it, letting every waiting poll go.
    pub fn set_closed(&self, closed: bool) {
        let mut state = self.state();
        state.closed = closed;
        if !closed {
            state.waiting.clear();
            self.waiting.store(0, Ordering::Release);
        }
        self.changed.notify_all();
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
        self.waiting.store(state.waiting.len(), Ordering::Release);
        drop(state);
        arrived();
        for _ in 0..LOOKS {
            if self.through.load(Ordering::Acquire) == key {
                return;
            }
            std::thread::yield_now();
        }
        let mut state = self.state();
        while state.closed && state.through != Some(key) {
            state = self.sleep(state, Duration::from_secs(1)).0;
        }
    }

    /// Called on the worker thread after the poll of `key` returned.
    pub fn returned(&self, key: u64) {
        let mut state = self.state();
        if state.through == Some(key) {
            state.through = None;
            state.returned += 1;
            self.through.store(0, Ordering::Release);
            self.returned.store(state.returned, Ordering::Release);
            self.notify(&state);
        }
    }

    /// True if a poll waits for its turn.
    pub fn has_waiting(&self) -> bool {
        self.waiting.load(Ordering::Acquire) > 0
    }

    /// Lets the oldest waiting poll through and waits (up to `max`) until it returns;
    /// returns its task's number, or `None` if none waited. A poll still running after
    /// `max` goes on by itself: the next step waits for it first.
    pub fn let_one_through(&self, max: Duration) -> Option<u64> {
        let mut state = self.state();
        // The previous one first: one poll at a time.
        while state.through.is_some() {
            let (s, timed_out) = self.sleep(state, max);
            state = s;
            if timed_out && state.through.is_some() {
                return None;
            }
        }
        let key = state.waiting.pop_front()?;
        self.waiting.store(state.waiting.len(), Ordering::Release);
        state.through = Some(key);
        let target = state.returned + 1;
        self.through.store(key, Ordering::Release);
        self.notify(&state);
        drop(state);
        for _ in 0..LOOKS {
            if self.returned.load(Ordering::Acquire) >= target {
                return Some(key);
            }
            std::thread::yield_now();
        }
        let mut state = self.state();
        while state.returned < target && state.closed {
            let (s, timed_out) = self.sleep(state, max);
            state = s;
            if timed_out {
                break;
            }
        }
        Some(key)
    }
}
