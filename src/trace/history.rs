//! A trace plus checkpoints, so the state at any index is cheap to rebuild (rewind): the
//! run's history.

use super::data::Trace;
use super::state::State;

/// Events applied between checkpoints, at least. The interval also grows with the number
/// of tasks, because a checkpoint copies every task: this keeps checkpoint memory at
/// about one task copy per eight events while bounding replay work per rebuild.
const MIN_INTERVAL: usize = 4096;
const EVENTS_PER_TASK_COPY: usize = 8;

/// A trace with its live state and periodic checkpoints.
#[derive(Clone, Debug)]
pub struct History {
    trace: Trace,
    live: State,
    checkpoints: Vec<State>,
    min_interval: usize,
}

impl Default for History {
    fn default() -> Self {
        History {
            trace: Trace::default(),
            live: State::default(),
            checkpoints: Vec::new(),
            min_interval: MIN_INTERVAL,
        }
    }
}

impl History {
    /// An empty timeline.
    pub fn new() -> Self {
        Self::default()
    }

    /// A timeline over a finished trace (a loaded file, say).
    pub fn from_trace(trace: Trace) -> Self {
        let mut timeline = History {
            trace,
            ..Self::default()
        };
        timeline.catch_up();
        timeline
    }

    /// An empty timeline that checkpoints at least every `min_interval` events (tests use
    /// small intervals to exercise checkpoint boundaries).
    pub fn with_checkpoint_interval(min_interval: usize) -> Self {
        History {
            min_interval: min_interval.max(1),
            ..Self::default()
        }
    }

    /// Number of checkpoints kept.
    pub fn checkpoints(&self) -> usize {
        self.checkpoints.len()
    }

    /// The trace.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// The trace, for appending (call [`History::catch_up`] afterwards).
    pub fn trace_mut(&mut self) -> &mut Trace {
        &mut self.trace
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.trace.events.len()
    }

    /// True when the trace is empty.
    pub fn is_empty(&self) -> bool {
        self.trace.events.is_empty()
    }

    /// The state after every event.
    pub fn live(&self) -> &State {
        &self.live
    }

    /// Applies events appended to the trace since the last call.
    pub fn catch_up(&mut self) {
        while self.live.applied < self.trace.events.len() {
            let interval = self
                .min_interval
                .max(self.live.tasks.len() * EVENTS_PER_TASK_COPY);
            let last_cp = self.checkpoints.last().map_or(0, |c| c.applied);
            if self.live.applied - last_cp >= interval || self.checkpoints.is_empty() {
                self.checkpoints.push(self.live.clone());
            }
            let event = self.trace.events[self.live.applied];
            self.live.apply(&event);
        }
    }

    /// The state after the first `index` events (`index` is clamped to the trace length).
    pub fn state_at(&self, index: usize) -> State {
        let index = index.min(self.live.applied);
        if index == self.live.applied {
            return self.live.clone();
        }
        let cp = self.checkpoints.partition_point(|c| c.applied <= index);
        let mut state = match cp.checked_sub(1) {
            Some(i) => self.checkpoints[i].clone(),
            None => State::new(),
        };
        for event in &self.trace.events[state.applied..index] {
            state.apply(event);
        }
        state
    }
}
