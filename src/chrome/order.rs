//! The order events are written in, which viewers depend on.
//!
//! On every track the slices form a tree: any two are disjoint or one holds the other
//! (a damaged trace's overlaps are cut to fit). Each track is written depth first — a
//! parent's `B`, its children, its `E` — so timestamps never go back on a track, a parent
//! comes before a child that starts with it (catapult nests ties in file order), and each
//! `E` closes the slice on top (speedscope matches them so). Arrows are bound by time to
//! the slice around them, so each starts and ends strictly inside its slice when the
//! slice is long enough, and is written after the events at its time.

use super::model::{Model, Shape, Track};
use std::cmp::Reverse;
use std::collections::BTreeMap;

/// One event to write, by what it refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Out {
    /// `B` of a slice that lasts.
    Begin(usize),
    /// `E` of a slice that lasts.
    End(usize),
    /// `X` of a span that lasts no time.
    Moment(usize),
    /// `i` of an instant.
    Instant(usize),
    /// `s` of flow `flow` on `track`.
    FlowStart { flow: usize, track: Track },
    /// `f` of flow `flow` on `track`.
    FlowEnd { flow: usize, track: Track },
}

/// Every event with its time, in writing order; nests the model's slices first.
pub(super) fn sequence(model: &mut Model) -> Vec<(u64, Out)> {
    let mut tracks: BTreeMap<Track, Vec<usize>> = BTreeMap::new();
    for (i, slice) in model.slices.iter_mut().enumerate() {
        slice.end = slice.end.max(slice.start);
        tracks.entry(slice.track).or_default().push(i);
    }
    let mut per_track: BTreeMap<Track, Vec<(u64, Out)>> = BTreeMap::new();
    for (track, mut order) in tracks {
        order.sort_by_key(|&i| {
            let s = &model.slices[i];
            (s.start, Reverse(s.end), s.level, i)
        });
        per_track.insert(track, nest(model, &order));
    }
    for (i, flow) in model.flows.iter().enumerate() {
        let (host, at) = flow.from;
        let (Some(from), Some(to)) = (model.slices.get(host), model.slices.get(flow.to)) else {
            continue;
        };
        let start = (
            inside(from.start, from.end, at),
            Out::FlowStart {
                flow: i,
                track: from.track,
            },
        );
        let end = (
            inside(to.start, to.end, to.start),
            Out::FlowEnd {
                flow: i,
                track: to.track,
            },
        );
        per_track.entry(from.track).or_default().push(start);
        per_track.entry(to.track).or_default().push(end);
    }
    let mut all: Vec<(u64, usize, usize, Out)> = Vec::new();
    for (t, (_, mut events)) in per_track.into_iter().enumerate() {
        // Stable: slices keep their depth-first order; an arrow goes after the slice
        // events at its time, so the slices it binds to are open.
        events.sort_by_key(|&(ts, out)| {
            (
                ts,
                matches!(out, Out::FlowStart { .. } | Out::FlowEnd { .. }),
            )
        });
        all.extend(
            events
                .into_iter()
                .enumerate()
                .map(|(n, (ts, out))| (ts, t, n, out)),
        );
    }
    all.sort_unstable_by_key(|&(ts, track, n, _)| (ts, track, n));
    all.into_iter().map(|(ts, _, _, out)| (ts, out)).collect()
}

/// A time inside `[start, end]` for something at `t`, one nanosecond clear of both ends
/// when the slice is long enough: at an end, a viewer may bind it to a neighbour.
fn inside(start: u64, end: u64, t: u64) -> u64 {
    if end.saturating_sub(start) >= 2 {
        t.clamp(start + 1, end - 1)
    } else {
        start
    }
}

/// Writes one track's slices (sorted by start, longer first) depth first, cutting a slice
/// that overlaps its predecessor without fitting inside it.
fn nest(model: &mut Model, order: &[usize]) -> Vec<(u64, Out)> {
    let mut out = Vec::with_capacity(order.len() * 2);
    let mut open: Vec<usize> = Vec::new();
    for &i in order {
        let (start, end) = (model.slices[i].start, model.slices[i].end);
        while let Some(&top) = open.last() {
            let t = &model.slices[top];
            if t.shape == Shape::Span && end <= t.end {
                break;
            }
            if t.shape == Shape::Span && start < t.end {
                // A partial overlap only comes from damage: fit the later slice inside.
                model.slices[i].end = t.end;
                break;
            }
            open.pop();
            close(model, top, &mut out);
        }
        let s = &model.slices[i];
        let event = match s.shape {
            Shape::Instant => Out::Instant(i),
            Shape::Span if s.end == s.start => Out::Moment(i),
            Shape::Span => Out::Begin(i),
        };
        out.push((start, event));
        open.push(i);
    }
    while let Some(top) = open.pop() {
        close(model, top, &mut out);
    }
    out
}

fn close(model: &Model, slice: usize, out: &mut Vec<(u64, Out)>) {
    let s = &model.slices[slice];
    if s.shape == Shape::Span && s.end > s.start {
        out.push((s.end, Out::End(slice)));
    }
}

#[cfg(test)]
mod tests {
    use super::inside;

    #[test]
    fn arrows_keep_clear_of_the_ends_of_their_slice() {
        assert_eq!(inside(10, 20, 10), 11);
        assert_eq!(inside(10, 20, 20), 19);
        assert_eq!(inside(10, 20, 15), 15);
        assert_eq!(inside(10, 11, 11), 10);
        assert_eq!(inside(10, 10, 3), 10);
    }
}
