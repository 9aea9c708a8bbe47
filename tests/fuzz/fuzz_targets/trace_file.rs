//! Native trace files: `tracefile::read` on arbitrary bytes, then what a viewer does with
//! whatever loads (replay, rewind, task tables, event lines, Chrome export, save again).
//!
//! `read` promises never to panic and to name a line for every content error; a trace it
//! accepts must replay, print and export without panicking. The few `assert!`s below
//! check properties the library promises (and its own tests assert on fixed inputs):
//! saving a loaded trace and loading it again gives the same header and events, rewinding
//! from a checkpoint gives the state a replay from the start gives, and the Chrome export
//! is one JSON object. A failing one is a bug in the library, not in this target.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pollscope::coro::{short_path, short_type};
use pollscope::lens::Lens;
use pollscope::report;
use pollscope::trace::{State, History, Trace};
use pollscope::tracefile::{self, Header};

fuzz_target!(|data: &[u8]| {
    match tracefile::read(data) {
        Ok((header, trace)) => loaded(&header, &trace),
        Err(e) => {
            // Every error is shown to a person: it must have words.
            let _ = e.line();
            assert!(
                !e.to_string().is_empty(),
                "invariant: an error with no message"
            );
        }
    }
});

fn loaded(header: &Header, trace: &Trace) {
    header_words(header);

    // What `pollscope replay` and the app's open do: a timeline over the whole trace.
    let timeline = History::from_trace(trace.clone());
    let len = trace.len();
    let live = timeline.live();
    assert_eq!(
        live.applied, len,
        "invariant: the live state applied every event"
    );
    for lens in [Lens::Rust, Lens::Python] {
        let _ = report::task_table(trace, live, lens);
    }
    for id in 0..live.tasks.len() {
        let _ = report::task_detail(trace, live, id);
    }
    let _ = report::task_detail(trace, live, live.tasks.len());
    for event in &trace.events {
        let _ = report::event_text(trace, event);
    }
    let _ = trace.memory_bytes();

    // Rewind: a timeline with checkpoints every few events must rebuild any index exactly
    // as a replay from the first event does.
    let mut small = History::with_checkpoint_interval(3);
    *small.trace_mut() = trace.clone();
    small.catch_up();
    let mut replay = State::new();
    let probes = [0, 1, len / 3, len / 2, len.saturating_sub(1), len, len + 1];
    let mut applied = 0;
    for &i in &probes {
        let i = i.min(len);
        if i < applied {
            continue;
        }
        for event in &trace.events[applied..i] {
            replay.apply(event);
        }
        applied = i;
        let rebuilt = small.state_at(i);
        assert_eq!(
            rebuilt, replay,
            "invariant: rewind to {i} differs from replay"
        );
        assert_eq!(
            timeline.state_at(i),
            replay,
            "invariant: rewind to {i} differs"
        );
        let _ = report::task_table(trace, &rebuilt, Lens::Rust);
    }

    // Export for Perfetto UI: one JSON object.
    let mut chrome = Vec::new();
    if pollscope::chrome::write_program(&mut chrome, trace, header.program.as_ref()).is_ok() {
        assert!(
            serde_json::from_slice::<serde_json::Value>(&chrome).is_ok(),
            "invariant: the Chrome export is not JSON"
        );
    }

    // Save again and load the copy: the same header and events.
    let mut again = Vec::new();
    if tracefile::write(&mut again, header, trace).is_ok() {
        match tracefile::read(&again[..]) {
            Ok((header2, trace2)) => {
                // Field by field: load-time notes (an old format's warnings) are not saved.
                let same = header2.policy == header.policy
                    && header2.program == header.program
                    && header2.layouts == header.layouts;
                assert!(same, "invariant: the header changed on a round trip");
                assert_eq!(
                    trace2.events, trace.events,
                    "invariant: events changed on a round trip"
                );
            }
            Err(e) => panic!("invariant: a saved trace does not load again: {e}"),
        }
    }
}

/// What the app and `replay` say about the header: program, policy, layouts.
fn header_words(header: &Header) {
    let _ = header.program_id();
    if let Some(policy) = header.policy {
        let _ = (policy.word(), policy.title());
    }
    for layout in &header.layouts {
        let _ = layout.short_name();
        let _ = layout.large_warning();
        let _ = layout.state("Unresumed");
        for state in &layout.states {
            let _ = layout.state(&state.name);
            for local in &state.locals {
                let _ = short_path(&local.type_name);
                let _ = short_type(&local.type_name);
            }
            if let Some(awaitee) = &state.awaitee {
                let _ = short_type(awaitee);
            }
        }
    }
}
