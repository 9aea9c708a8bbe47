//! The await chain a task is suspended in: the instrumented futures that returned
//! `Pending` in its last poll, grouped by depth, and the compiler's coroutine states that
//! say which `async fn` is suspended at each.

use crate::trace::{CoroFrame, PointId, Trace};

/// An instrumented future's turn inside one poll.
#[derive(Clone, Copy, Debug)]
pub(super) struct Frame {
    pub point: PointId,
    /// The frame it was polled from (an index into the same poll's frames).
    pub parent: Option<usize>,
    pub suspended: bool,
}

/// The points a poll left the task suspended at, outermost depth first.
///
/// A frame counts only if it and every frame around it suspended: a future that returned
/// `Pending` under one that then finished (a race's loser) was dropped, not awaited.
pub(super) fn suspended_levels(frames: &[Frame]) -> Vec<Vec<PointId>> {
    let mut kept: Vec<Option<usize>> = Vec::with_capacity(frames.len());
    let mut levels: Vec<Vec<PointId>> = Vec::new();
    for frame in frames {
        let depth = match frame.parent {
            None => Some(0),
            // A parent is always polled, so recorded, before its children.
            Some(p) => kept.get(p).copied().flatten().map(|d| d + 1),
        };
        let depth = depth.filter(|_| frame.suspended);
        if let Some(d) = depth {
            if levels.len() <= d {
                levels.resize_with(d + 1, Vec::new);
            }
            if let Some(level) = levels.get_mut(d) {
                level.push(frame.point);
            }
        }
        kept.push(depth);
    }
    levels
}

/// The coroutine frame (with its depth) suspended at one of `points`: its state's file
/// and line are those of the `.at(..)` it awaits.
pub(super) fn coro_at(
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
    use super::{Frame, suspended_levels};
    use crate::trace::PointId;

    fn frame(point: u32, parent: Option<usize>, suspended: bool) -> Frame {
        Frame {
            point: PointId(point),
            parent,
            suspended,
        }
    }

    #[test]
    fn a_chain_is_one_point_per_level() {
        let frames = [frame(0, None, true), frame(1, Some(0), true)];
        assert_eq!(
            suspended_levels(&frames),
            [vec![PointId(0)], vec![PointId(1)]]
        );
    }

    #[test]
    fn a_join_waits_at_two_points_on_one_level_and_a_dropped_branch_is_left_out() {
        let frames = [
            frame(0, None, true),
            frame(1, Some(0), true),
            frame(1, Some(0), true),
            frame(2, None, false),
            frame(3, Some(3), true),
        ];
        assert_eq!(
            suspended_levels(&frames),
            [vec![PointId(0)], vec![PointId(1), PointId(1)]]
        );
    }
}
