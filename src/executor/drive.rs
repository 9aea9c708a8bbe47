//! The one driver loop: step until every task is done, none can be woken, or a limit is
//! reached, parking while tasks wait for other threads. The CLI, the app's session,
//! exports, [`crate::record`] and the tests all drive executors through it.

use crate::executor::{Executor, Step};
use std::time::{Duration, Instant};

/// The trace limit when none is given: 20 million events, 640 MB of events.
pub const DEFAULT_TRACE_LIMIT: usize = 20_000_000;

/// When a drive gives up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// At most this many polls (busy polling can poll without end while it waits).
    pub max_polls: usize,
    /// At most this long waiting for wakes from other threads; `None`: no limit.
    pub timeout: Option<Duration>,
    /// At most this many events in the trace: the drive stops before the step that would
    /// go past it, so a run left going cannot exhaust the machine's memory.
    pub max_events: usize,
}

impl Default for Limits {
    /// A million polls, a minute, [`DEFAULT_TRACE_LIMIT`] events.
    fn default() -> Self {
        Limits {
            max_polls: 1_000_000,
            timeout: Some(Duration::from_secs(60)),
            max_events: DEFAULT_TRACE_LIMIT,
        }
    }
}

impl Limits {
    /// No limit but the trace limit (the app, where the user pauses and resets).
    pub fn none() -> Limits {
        Limits {
            max_polls: usize::MAX,
            timeout: None,
            max_events: DEFAULT_TRACE_LIMIT,
        }
    }
}

/// How a drive ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum End {
    /// Every task finished.
    Done,
    /// No task can ever be woken again (the lost wake-up).
    Stalled,
    /// The poll limit was reached.
    PollLimit {
        /// Polls made.
        polls: usize,
    },
    /// The timeout passed while tasks were waiting for wakes.
    TimedOut {
        /// The timeout.
        after: Duration,
    },
    /// The trace reached its limit: the run stops, its trace intact. The poll that
    /// crossed the limit is kept whole, so `events` may pass `limit` by its events.
    TraceFull {
        /// Events in the trace.
        events: usize,
        /// The limit.
        limit: usize,
    },
}

impl End {
    /// True for [`End::Done`] and [`End::Stalled`]: the run reached its own end.
    pub fn is_finished(self) -> bool {
        matches!(self, End::Done | End::Stalled)
    }
}

impl std::fmt::Display for End {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            End::Done => f.write_str("done: every task has finished"),
            End::Stalled => f.write_str("stalled: no task can be woken"),
            End::PollLimit { polls } => write!(f, "stopped after {polls} polls (--steps)"),
            End::TimedOut { after } => write!(
                f,
                "timed out after {} s waiting for a wake",
                after.as_secs_f64()
            ),
            End::TraceFull { events, limit } => trace_full(f, *events, *limit),
        }
    }
}

/// "trace full at 10 events (the trace limit)", or, when the last poll's events went past
/// it, "trace full: 12 events against a limit of 10 (a poll's events are kept together)".
pub(crate) fn trace_full(
    f: &mut std::fmt::Formatter<'_>,
    events: usize,
    limit: usize,
) -> std::fmt::Result {
    if events <= limit {
        write!(f, "trace full at {events} events (the trace limit)")
    } else {
        write!(
            f,
            "trace full: {events} events against a limit of {limit} (the events of the poll \
             that reached it are kept together)"
        )
    }
}

/// One turn of the loop: the step made (if the limits allowed one) and, if the drive is
/// over, how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Turn {
    /// What `step()` did; `None` when a limit ended the drive before stepping.
    pub step: Option<Step>,
    /// Set when the drive is over.
    pub end: Option<End>,
}

/// Drives one executor; keeps the poll count and the deadline between turns.
#[derive(Clone, Debug)]
pub struct Driver {
    limits: Limits,
    polls: usize,
    deadline: Option<Instant>,
    /// Polls in a row that were wasted.
    wasted_run: WastedRun,
}

/// Polls in a row that were wasted (busy polling while every task waits). A whole round
/// of them — as many as there are unfinished tasks — means every task waits on something
/// other than the executor: the one rule both [`Driver`] and
/// [`Executor::run_until_stalled`] stop or park on.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct WastedRun(usize);

impl WastedRun {
    /// Counts a poll; true once a whole round was wasted (the count starts again).
    pub fn round_wasted(&mut self, wasted: bool, unfinished: usize) -> bool {
        self.0 = if wasted { self.0 + 1 } else { 0 };
        if self.0 > 0 && self.0 >= unfinished {
            self.0 = 0;
            return true;
        }
        false
    }
}

/// Under busy polling no step is ever idle: the deadline is checked every this many polls.
const DEADLINE_CHECK_POLLS: usize = 1024;

impl Driver {
    /// A driver whose timeout starts now.
    pub fn new(limits: Limits) -> Driver {
        Driver {
            limits,
            polls: 0,
            deadline: limits.timeout.and_then(|t| Instant::now().checked_add(t)),
            wasted_run: WastedRun::default(),
        }
    }

    /// Polls made so far.
    pub fn polls(&self) -> usize {
        self.polls
    }

    /// Changes the trace limit from the next turn on.
    pub fn set_max_events(&mut self, events: usize) {
        self.limits.max_events = events;
    }

    /// True once `ex`'s trace has reached the limit: nothing more is recorded, not even
    /// the compiler's states that arrive late.
    pub fn trace_full(&self, ex: &Executor) -> bool {
        ex.events() >= self.limits.max_events
    }

    /// Steps once. If no task is ready but one may be woken from another thread, parks
    /// for at most `park` (so a caller that must answer commands stays responsive).
    pub fn turn(&mut self, ex: &mut Executor, park: Duration) -> Turn {
        if self.polls >= self.limits.max_polls {
            return Turn {
                step: None,
                end: Some(End::PollLimit { polls: self.polls }),
            };
        }
        let events = ex.events();
        if events >= self.limits.max_events {
            return Turn {
                step: None,
                end: Some(End::TraceFull {
                    events,
                    limit: self.limits.max_events,
                }),
            };
        }
        let step = ex.step();
        let end = match &step {
            Step::Polled(polled) => {
                self.polls += 1;
                if self.wasted_run.round_wasted(polled.wasted, ex.unfinished()) {
                    // Give the threads being waited for the core (busy polling's park only
                    // yields).
                    ex.park(Duration::ZERO);
                }
                let late = self.polls.is_multiple_of(DEADLINE_CHECK_POLLS)
                    && self.deadline.is_some_and(|d| Instant::now() >= d);
                late.then(|| End::TimedOut {
                    after: self.limits.timeout.unwrap_or_default(),
                })
            }
            Step::Idle => {
                let now = Instant::now();
                match self.deadline {
                    Some(deadline) if now >= deadline => Some(End::TimedOut {
                        after: self.limits.timeout.unwrap_or_default(),
                    }),
                    Some(deadline) => {
                        ex.park(park.min(deadline - now));
                        None
                    }
                    None => {
                        ex.park(park);
                        None
                    }
                }
            }
            Step::Stalled => Some(End::Stalled),
            Step::Done => Some(End::Done),
        };
        Turn {
            step: Some(step),
            end,
        }
    }

    /// Turns until the drive ends, with nothing between the steps: one clock reading ends
    /// a poll and starts the next (see [`Executor::run_until_stalled`]), but not across a
    /// park.
    pub fn run_straight(&mut self, ex: &mut Executor) -> End {
        ex.set_straight(true);
        let end = self.run(ex, |_, _| {});
        ex.set_straight(false);
        end
    }

    /// Turns until the drive ends; `each` sees every step, the last one included.
    pub fn run(&mut self, ex: &mut Executor, mut each: impl FnMut(&mut Executor, &Step)) -> End {
        loop {
            let turn = self.turn(ex, Duration::from_millis(50));
            if let Some(step) = &turn.step {
                each(ex, step);
            }
            if let Some(end) = turn.end {
                return end;
            }
        }
    }
}

/// Drives `ex` to its end under `limits`.
///
/// The polls follow one another at once: the clock reading that ends a poll also starts
/// the next, so each poll reads the clock once, and the few nanoseconds the executor spends
/// between two polls count in the second. A step that is not a poll (waiting for a wake)
/// breaks the chain: the next poll reads the clock afresh.
pub fn drive(ex: &mut Executor, limits: Limits) -> End {
    Driver::new(limits).run_straight(ex)
}
