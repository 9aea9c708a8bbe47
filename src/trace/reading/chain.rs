//! The rule of the await chain: which instrumented futures a poll leaves its task
//! suspended in. A future that returned `Pending` counts only if every future around it
//! returned `Pending` too: one that returned `Pending` under a future that then finished
//! (a race's loser) was dropped, not awaited.

use crate::trace::{CoroFrame, PointId, Trace};

/// An instrumented future's turn inside one poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Turn {
    pub point: PointId,
    /// The turn it was polled from (an index into the same poll's turns).
    pub parent: Option<usize>,
    /// It returned `Pending`.
    pub suspended: bool,
}

/// Where a poll that returned `Pending` left its task: the await points at each depth of
/// its chain, outermost first (more than one at a depth when a future like `join` waits
/// on several at once).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Suspension {
    /// The points at each depth, outermost first.
    pub levels: Vec<Vec<PointId>>,
}

impl Suspension {
    /// The chain a poll's turns leave (see the module's rule).
    pub(super) fn of(turns: &[Turn]) -> Suspension {
        let mut kept: Vec<Option<usize>> = Vec::with_capacity(turns.len());
        let mut levels: Vec<Vec<PointId>> = Vec::new();
        for turn in turns {
            let depth = match turn.parent {
                None => Some(0),
                // A parent is always polled, so recorded, before its children.
                Some(p) => kept.get(p).copied().flatten().map(|d| d + 1),
            };
            let depth = depth.filter(|_| turn.suspended);
            if let Some(d) = depth {
                if levels.len() <= d {
                    levels.resize_with(d + 1, Vec::new);
                }
                if let Some(level) = levels.get_mut(d) {
                    level.push(turn.point);
                }
            }
            kept.push(depth);
        }
        Suspension { levels }
    }

    /// True when no instrumented future is waited on.
    pub fn is_empty(&self) -> bool {
        self.levels.is_empty()
    }

    /// The innermost point: the first at the deepest level.
    pub fn innermost(&self) -> Option<PointId> {
        self.levels.last().and_then(|l| l.first()).copied()
    }

    /// Every point of the chain, outermost first (the innermost last).
    pub fn points(&self) -> impl Iterator<Item = PointId> + '_ {
        self.levels.iter().flatten().copied()
    }
}

/// The coroutine frame (with its depth) suspended at one of `points`: its state's file
/// and line are those of the `.at(..)` it awaits.
pub fn coro_at(
    trace: &Trace,
    coro: &[CoroFrame],
    points: &[PointId],
) -> Option<(usize, CoroFrame)> {
    let places: Vec<_> = points
        .iter()
        .filter_map(|&p| trace.await_point(p))
        .map(|p| (p.file, p.line))
        .collect();
    coro.iter().enumerate().find_map(|(depth, frame)| {
        let state = trace.await_point(frame.state)?;
        places
            .contains(&(state.file, state.line))
            .then_some((depth, *frame))
    })
}

#[cfg(test)]
mod tests {
    use super::{Suspension, Turn};
    use crate::trace::PointId;

    fn turn(point: u32, parent: Option<usize>, suspended: bool) -> Turn {
        Turn {
            point: PointId(point),
            parent,
            suspended,
        }
    }

    #[test]
    fn a_chain_is_one_point_per_level() {
        let turns = [turn(0, None, true), turn(1, Some(0), true)];
        let s = Suspension::of(&turns);
        assert_eq!(s.levels, [vec![PointId(0)], vec![PointId(1)]]);
        assert_eq!(s.innermost(), Some(PointId(1)));
    }

    #[test]
    fn a_join_waits_at_two_points_on_one_level_and_a_dropped_branch_is_left_out() {
        let turns = [
            turn(0, None, true),
            turn(1, Some(0), true),
            turn(1, Some(0), true),
            turn(2, None, false),
            turn(3, Some(3), true),
        ];
        assert_eq!(
            Suspension::of(&turns).levels,
            [vec![PointId(0)], vec![PointId(1), PointId(1)]]
        );
    }
}
