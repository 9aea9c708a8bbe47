//! Who holds a task's waker. A leaf future that keeps a clone of the waker (a worker
//! thread's handle, a child's join handle) keeps it as a [`HeldWaker`], which names its
//! holder to the executor for as long as the clone lives; at the end of a pending poll the
//! executor lists the named holders still alive and counts the other clones.

use super::context::{self, Local};
use super::task::Task;
use crate::trace::{Held, Holder, Log, TaskId, held};
use std::sync::{Arc, Weak};
use std::task::Waker;

/// A clone of a task's waker kept by a holder pollscope can name. Dropping it (or waking
/// through it) ends the holding.
pub struct HeldWaker {
    waker: Waker,
    /// Alive while the clone is kept: the executor watches it through a `Weak`.
    _tag: Option<Arc<Holder>>,
}

impl std::fmt::Debug for HeldWaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeldWaker").finish_non_exhaustive()
    }
}

impl HeldWaker {
    /// Clones `waker`, kept by `holder`. Inside a poll of a pollscope executor, for the
    /// polled task's own waker, the executor learns who holds it.
    pub fn new(waker: &Waker, holder: Holder) -> HeldWaker {
        let tag = context::with_current(|c| {
            if waker.data() != c.waker_data {
                return None;
            }
            let tag = Arc::new(holder);
            let mut local = c.local.borrow_mut();
            let tags = local.holders.entry(c.task).or_default();
            // Tags of clones gone by are dropped here, so the list stays as short as the
            // holders alive.
            tags.retain(|t| t.strong_count() > 0);
            tags.push(Arc::downgrade(&tag));
            Some(tag)
        })
        .flatten();
        HeldWaker {
            waker: waker.clone(),
            _tag: tag,
        }
    }

    /// Clones `waker` for a holder with no name in the trace (counted as elsewhere).
    pub fn unnamed(waker: &Waker) -> HeldWaker {
        HeldWaker {
            waker: waker.clone(),
            _tag: None,
        }
    }

    /// Wakes the task; the holder lets go.
    pub fn wake(self) {
        self.waker.wake();
    }

    /// True if waking through `waker` would wake the same task.
    pub fn will_wake(&self, waker: &Waker) -> bool {
        self.waker.will_wake(waker)
    }
}

/// Who holds task `id`'s waker as its poll returns `Pending`: the named holders alive, the
/// other clones counted, and `yield` if it was woken during the poll.
pub(super) fn at_pending(local: &mut Local, id: TaskId, task: &Task) -> Held {
    // Relaxed: a wake racing with the poll's end is in the trace either way, as a wake.
    let woken = task
        .waker()
        .is_some_and(|w| w.woken.load(std::sync::atomic::Ordering::Relaxed));
    let clones = task.references();
    // The common cases, with nothing to look up: a task that yielded, or one whose waker
    // nobody took.
    if local.holders.is_empty() && clones == 1 {
        return if woken {
            Held::One(Holder::Yield)
        } else {
            Held::Nobody
        };
    }
    let log = &mut local.log;
    let mut named: Vec<Holder> = Vec::new();
    if let Some(tags) = local.holders.get_mut(&id) {
        tags.retain(|t| t.strong_count() > 0);
        named.extend(tags.iter().filter_map(Weak::upgrade).map(|h| *h));
        if tags.is_empty() {
            local.holders.remove(&id);
        }
    }
    // The executor's own reference is not a holder.
    let others = clones.saturating_sub(1 + named.len());
    if woken {
        named.insert(0, Holder::Yield);
    }
    if others > 0 {
        named.push(Holder::Elsewhere(u32::try_from(others).unwrap_or(u32::MAX)));
    }
    summary(log, &named)
}

/// The one event field for a list of holders.
fn summary(log: &mut Log, holders: &[Holder]) -> Held {
    match holders {
        [] => Held::Nobody,
        [one] => Held::One(*one),
        several => Held::Several(log.intern(&held::encode(several))),
    }
}
