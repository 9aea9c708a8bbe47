//! What the pointer is over, in words: a span (task, poll number, result, duration, await
//! point, thread result) or a wake arrow.

use super::lane_words;
use super::paint::Cx;
use crate::lanes::{Arrow, LaneKind, Lanes, Span, SpanKind};
use crate::report::{duration, wake_source_words};
use crate::trace::{EventKind, Trace};
use egui::Pos2;

/// How close (in points) the pointer must be to an arrow or a thin span to describe it.
const NEAR: f32 = 4.0;

/// The tooltip for the plot at `pos`, if something is there.
pub(super) fn hover(cx: &Cx<'_>, pos: Pos2) -> Option<String> {
    let g = cx.g;
    let t = g.t_ns(pos.x);
    let row = ((pos.y - g.rows_top) / g.row_h).floor();
    if row < 0.0 {
        return None;
    }
    let lane = *cx.rows.get(row as usize)?;
    let click = format!("click: rewind to {}", duration(t));
    let (from, to) = (g.t_ns(pos.x - NEAR), g.t_ns(pos.x + NEAR));
    for arrow in cx.lanes.arrows_in(from, to).iter().take(64) {
        let x = g.x(arrow.t_ns as f64);
        let Some((start, tip)) = cx.arrow_ends(arrow, x) else {
            continue;
        };
        let (top, bottom) = (start.y.min(tip.y), start.y.max(tip.y));
        if (pos.x - x).abs() <= NEAR && (top - NEAR..=bottom + NEAR).contains(&pos.y) {
            return Some(format!(
                "{}\n{click}",
                arrow_text(cx.view.trace, cx.lanes, arrow)
            ));
        }
    }
    let spans = cx.lanes.lanes.get(lane)?.spans_in(from, to);
    // The span under the pointer, else the nearest one a few points away.
    let span = spans
        .iter()
        .find(|s| s.start_ns <= t && t <= cx.span_end(s))
        .or_else(|| spans.first())?;
    let text = span_text(cx.view.trace, cx.lanes, lane, span, cx.span_end(span));
    Some(format!("{text}\n{click}"))
}

/// An arrow's name for screen readers: `arrow: thread fetch-google wakes task 0 (google)`.
pub(super) fn arrow(trace: &Trace, lanes: &Lanes, arrow: &Arrow) -> String {
    format!(
        "arrow: {} wakes {}",
        wake_source_words(trace, arrow.by),
        lane_words(lanes, arrow.to_lane)
    )
}

fn arrow_text(trace: &Trace, lanes: &Lanes, a: &Arrow) -> String {
    format!(
        "{} woke {} at {} (event {})",
        wake_source_words(trace, a.by),
        lane_words(lanes, a.to_lane),
        duration(a.t_ns),
        a.event
    )
}

/// What a span was, for its tooltip.
fn span_text(trace: &Trace, lanes: &Lanes, lane: usize, span: &Span, end_ns: u64) -> String {
    let who = lane_words(lanes, lane);
    let long = duration(end_ns.saturating_sub(span.start_ns));
    let so_far = if span.open { " so far" } else { "" };
    match span.kind {
        SpanKind::Poll {
            number,
            result,
            blocking,
        } => {
            let result = result.map_or("still running", |r| r.name());
            let mut text = format!("{who}: poll {number}, {result}, {long}{so_far}");
            if blocking {
                text.push_str(
                    "\nblocking: no other task could run while this poll held the executor's \
                     thread",
                );
            }
            text
        }
        SpanKind::Suspended { point, future } => {
            let at = match (point, future) {
                (Some(p), Some(f)) => format!(
                    " in {} at {}",
                    crate::coro::short_path(trace.str(f)),
                    trace.point_text(p)
                ),
                (Some(p), None) => format!(" at {}", trace.point_text(p)),
                (None, _) => String::new(),
            };
            let woken = if span.open { ", not woken yet" } else { "" };
            format!("{who}: suspended{at} for {long}{woken}")
        }
        SpanKind::Queued => {
            let why = match trace.events.get(span.event).map(|e| e.kind) {
                Some(EventKind::Spawn { .. }) => "spawned",
                _ => "woken",
            };
            format!("{who}: {why}, waiting {long}{so_far} for its poll")
        }
        SpanKind::Alive { finish } => {
            let started = lanes
                .lanes
                .get(lane)
                .and_then(|l| l.parent)
                .map(|p| format!(" (started by {})", lane_words(lanes, p)))
                .unwrap_or_default();
            let end = finish
                .and_then(|i| trace.events.get(i))
                .and_then(|e| match e.kind {
                    EventKind::ThreadFinish {
                        outcome,
                        duration_us,
                        result,
                        ..
                    } => Some(format!(
                        "finished {} after {}: {}",
                        outcome.name(),
                        duration(u64::from(duration_us) * 1_000),
                        trace.str(result)
                    )),
                    _ => None,
                })
                .unwrap_or_else(|| format!("running for {long}{so_far}"));
            let kind = match lanes.lanes.get(lane).map(|l| l.kind) {
                Some(LaneKind::Thread(no)) => format!(", thread #{}", no.0),
                _ => String::new(),
            };
            format!("{who}{started}{kind}: {end}")
        }
    }
}
