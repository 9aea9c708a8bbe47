//! `setup`: a plain function's setup runs at call time, the future's body at first poll.

#![cfg(feature = "lessons")]

use pollscope::executor::Policy;
use pollscope::lessons;
use pollscope::trace::EventKind;

#[test]
fn setup_then_caller_then_body() {
    for policy in [Policy::WakerDriven, Policy::BusyPoll] {
        let mut ex = lessons::find("setup")
            .unwrap()
            .program()
            .launch(policy, Vec::new())
            .unwrap()
            .executor;
        ex.run_until_stalled();
        let trace = ex.snapshot();
        let said: Vec<_> = trace
            .events
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::Say { text } => Some(trace.str(text)),
                _ => None,
            })
            .collect();
        assert_eq!(
            said,
            [
                "setup for python.org: runs at call time",
                "fetch_later returned; its body has not run",
                "body for python.org: runs when awaited",
            ]
        );
        let value = trace.events.iter().find_map(|e| match e.kind {
            EventKind::Complete { value } => Some(trace.str(value)),
            _ => None,
        });
        assert_eq!(value, Some("10"));
    }
}
