//! Who holds a task's waker when its poll returns `Pending`: whoever holds a clone can
//! wake it, and a task whose waker nobody holds can never run again. Recorded on the
//! `poll_end` of a pending poll, as far as pollscope can know (its own worker threads and
//! join handles name themselves; other clones are only counted).

use super::data::Trace;
use super::event::{Sym, TaskId, ThreadNo};
use std::fmt::Write as _;

/// One holder of a clone of a task's waker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Holder {
    /// The task was woken during its own poll (it yielded, or a wake came in meanwhile):
    /// it is back in the ready queue at once.
    Yield,
    /// A worker thread started through pollscope, which wakes the task when it ends.
    Thread(ThreadNo),
    /// A task whose join handle the task awaits: its end wakes the task.
    Task(TaskId),
    /// This many clones pollscope cannot name (a future of the program's own, a channel,
    /// another runtime's driver).
    Elsewhere(u32),
    /// A Python run: the future whose callback will wake the task (its `repr`).
    Future(Sym),
}

/// Who holds a task's waker after a pending poll.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Held {
    /// Not recorded (a ready or panicked poll, another runtime's task, an older trace).
    #[default]
    Unknown,
    /// Nobody: nothing can wake the task.
    Nobody,
    /// One holder.
    One(Holder),
    /// Several, spelled in a string of the trace (see [`Held::holders`]).
    Several(Sym),
}

impl Held {
    /// The holders as a list; empty for [`Held::Nobody`] and [`Held::Unknown`].
    pub fn holders(self, trace: &Trace) -> Vec<Holder> {
        match self {
            Held::Unknown | Held::Nobody => Vec::new(),
            Held::One(h) => vec![h],
            Held::Several(sym) => decode(trace.str(sym)),
        }
    }
}

/// The compact spelling of several holders, for [`Held::Several`]'s string: one token
/// each (`y`, `t3`, `k2`, `e1`, `f17`).
pub fn encode(holders: &[Holder]) -> String {
    let mut out = String::new();
    for (i, h) in holders.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = match h {
            Holder::Yield => write!(out, "y"),
            Holder::Thread(t) => write!(out, "t{}", t.0),
            Holder::Task(t) => write!(out, "k{}", t.0),
            Holder::Elsewhere(n) => write!(out, "e{n}"),
            Holder::Future(s) => write!(out, "f{}", s.0),
        };
    }
    out
}

/// Reads [`encode`]'s spelling; tokens it does not know are skipped.
pub fn decode(text: &str) -> Vec<Holder> {
    text.split(' ')
        .filter_map(|token| {
            let (kind, n) = token.split_at_checked(1)?;
            if kind == "y" {
                return Some(Holder::Yield);
            }
            let n: u32 = n.parse().ok()?;
            Some(match kind {
                "t" => Holder::Thread(ThreadNo(n)),
                "k" => Holder::Task(TaskId(n)),
                "e" => Holder::Elsewhere(n),
                "f" => Holder::Future(Sym(n)),
                _ => return None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_holders_read_back_as_written() {
        let holders = vec![
            Holder::Yield,
            Holder::Thread(ThreadNo(3)),
            Holder::Task(TaskId(12)),
            Holder::Elsewhere(2),
            Holder::Future(Sym(40)),
        ];
        assert_eq!(decode(&encode(&holders)), holders);
        assert_eq!(decode("x9 t zz"), Vec::new());
    }
}
