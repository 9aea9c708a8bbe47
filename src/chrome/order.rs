//! The order a unit's events are written in, which viewers depend on.
//!
//! A unit's slices form a tree: any two are disjoint or one holds the other (a damaged
//! trace's overlaps are cut to fit). They are written depth first — a parent's `B`, its
//! children, its `E` — so timestamps never go back on a track, a parent comes before a
//! child that starts with it (catapult nests ties in file order), and each `E` closes the
//! slice on top (speedscope matches them so). Arrows are bound by time to the slice
//! around them, so each starts and ends strictly inside its slice when the slice is long
//! enough, and is written after the events at its time. Units of one track follow each
//! other in time, so the track as a whole keeps these rules.

use super::unit::{Host, Shape, Unit};
use std::cmp::Reverse;

/// One event to write, by what it refers to in its unit.
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
    /// `s` of an arrow that starts here.
    FlowStart(usize),
    /// `f` of an arrow that ends here.
    FlowEnd(usize),
}

/// Every event of `unit` with its time, in writing order; nests its slices first.
pub(super) fn sequence(unit: &mut Unit) -> Vec<(u64, Out)> {
    for slice in &mut unit.slices {
        slice.end = slice.end.max(slice.start);
        // A slice that outlasts the life around it is cut to fit (damage: a value
        // recorded before its poll ended).
        if let Some(cap) = unit.cap
            && slice.start < cap
        {
            slice.end = slice.end.min(cap);
        }
    }
    separate_instants(unit);
    let mut order: Vec<usize> = (0..unit.slices.len()).collect();
    order.sort_by_key(|&i| {
        let s = &unit.slices[i];
        (s.start, Reverse(s.end), s.level, i)
    });
    let mut events = nest(unit, &order);
    for (k, flow) in unit.starts.iter().enumerate() {
        let extent = match flow.host {
            Host::Slice(i) => unit.slices.get(i).map(|s| (s.start, s.end)),
            Host::Extent(start, end) => Some((start, end)),
        };
        if let Some((start, end)) = extent {
            events.push((inside(start, end, flow.at), Out::FlowStart(k)));
        }
    }
    for (k, flow) in unit.ends.iter().enumerate() {
        if let Some(to) = unit.slices.get(flow.to) {
            events.push((inside(to.start, to.end, to.start), Out::FlowEnd(k)));
        }
    }
    // Stable: slices keep their depth-first order; an arrow goes after the slice events
    // at its time, so the slices it binds to are open.
    events.sort_by_key(|&(ts, out)| (ts, matches!(out, Out::FlowStart(_) | Out::FlowEnd(_))));
    events
}

/// Two instants at one time on a track: a viewer nests the second under the first (a say
/// and a wake recorded in the same nanosecond). The later moves one nanosecond on, where
/// every lasting slice around it, and the unit's cap, still hold it there.
fn separate_instants(unit: &mut Unit) {
    let mut instants: Vec<usize> = (0..unit.slices.len())
        .filter(|&i| unit.slices[i].shape == Shape::Instant)
        .collect();
    instants.sort_by_key(|&i| (unit.slices[i].start, i));
    let mut last: Option<u64> = None;
    for i in instants {
        let t = unit.slices[i].start;
        if let Some(prev) = last
            && t <= prev
        {
            let want = prev + 1;
            let held = unit.slices.iter().all(|s| {
                s.shape == Shape::Instant || !(s.start <= t && t <= s.end) || want < s.end
            }) && unit.cap.is_none_or(|c| want <= c);
            if held {
                unit.slices[i].start = want;
                unit.slices[i].end = want;
                last = Some(want);
                continue;
            }
        }
        last = Some(t);
    }
}

/// A time inside `[start, end]` for something at `t`, one nanosecond clear of both ends
/// when the slice is long enough: at an end, a viewer may bind it to a neighbour.
pub(super) fn inside(start: u64, end: u64, t: u64) -> u64 {
    if end.saturating_sub(start) >= 2 {
        t.clamp(start + 1, end - 1)
    } else {
        start
    }
}

/// Writes the unit's slices (sorted by start, longer first) depth first, cutting a slice
/// that overlaps its predecessor without fitting inside it.
fn nest(unit: &mut Unit, order: &[usize]) -> Vec<(u64, Out)> {
    let mut out = Vec::with_capacity(order.len() * 2);
    let mut open: Vec<usize> = Vec::new();
    for &i in order {
        let (start, end) = (unit.slices[i].start, unit.slices[i].end);
        while let Some(&top) = open.last() {
            let t = &unit.slices[top];
            if t.shape == Shape::Span && end <= t.end {
                break;
            }
            if t.shape == Shape::Span && start < t.end {
                // A partial overlap only comes from damage: fit the later slice inside.
                unit.slices[i].end = t.end;
                break;
            }
            open.pop();
            close(unit, top, &mut out);
        }
        let s = &unit.slices[i];
        let event = match s.shape {
            Shape::Instant => Out::Instant(i),
            Shape::Span if s.end == s.start => Out::Moment(i),
            Shape::Span => Out::Begin(i),
        };
        out.push((start, event));
        open.push(i);
    }
    while let Some(top) = open.pop() {
        close(unit, top, &mut out);
    }
    out
}

fn close(unit: &Unit, slice: usize, out: &mut Vec<(u64, Out)>) {
    let s = &unit.slices[slice];
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
