//! `lazy`: the body of an async fn runs at the first poll, not when it is called.

#![cfg(feature = "lessons")]

use pollscope::executor::{Outcome, Policy, Step};
use pollscope::lessons;
use pollscope::trace::EventKind;

#[test]
fn body_runs_at_first_poll_and_returns_five() {
    let mut ex = lessons::find("lazy")
        .unwrap()
        .program()
        .launch(Policy::WakerDriven, Vec::new())
        .unwrap()
        .executor;
    // Spawned, not polled: nothing said yet.
    let before = ex.snapshot();
    let kinds: Vec<_> = before.events.iter().map(|e| e.kind.name()).collect();
    assert_eq!(kinds, ["spawn"]);

    let step = ex.step();
    let Step::Polled(p) = &step else {
        panic!("expected a poll, got {step:?}")
    };
    assert_eq!(p.outcome, Outcome::Ready { value: "5".into() });
    assert_eq!(ex.step(), Step::Done);

    let trace = ex.snapshot();
    let kinds: Vec<_> = trace.events.iter().map(|e| e.kind.name()).collect();
    assert_eq!(
        kinds,
        ["spawn", "poll_start", "say", "poll_end", "complete"]
    );
    let EventKind::Say { text } = trace.events[2].kind else {
        unreachable!()
    };
    assert_eq!(trace.str(text), "hello from inside the async function");
    let EventKind::Complete { value } = trace.events[4].kind else {
        unreachable!()
    };
    assert_eq!(trace.str(value), "5");
}

#[test]
fn same_outcome_under_busy_polling() {
    let mut ex = lessons::find("lazy")
        .unwrap()
        .program()
        .launch(Policy::BusyPoll, Vec::new())
        .unwrap()
        .executor;
    let (stop, polls) = ex.run_until_stalled();
    assert_eq!((stop, polls), (Step::Done, 1));
}
