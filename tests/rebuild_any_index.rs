//! The state rebuilt at index k (from checkpoints) equals the state reached by applying
//! the first k events one by one, for random task mixes under both policies.

use pollscope::bench::YieldOnce;
use pollscope::executor::{Executor, Policy, Step};
use pollscope::trace::{History, State};
use pollscope::{AtExt, say};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Say,
    Yield,
    Nested,
    Ready,
    Panic,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Say),
        4 => Just(Op::Yield),
        2 => Just(Op::Nested),
        2 => Just(Op::Ready),
        1 => Just(Op::Panic),
    ]
}

async fn script(ops: Vec<Op>) -> usize {
    for op in &ops {
        match op {
            Op::Say => say!("op"),
            Op::Yield => YieldOnce::default().at("yield").await,
            Op::Nested => {
                async { YieldOnce::default().at("inner").await }
                    .at("outer")
                    .await
            }
            Op::Ready => std::future::ready(()).at("ready").await,
            Op::Panic => panic!("scripted panic"),
        }
    }
    ops.len()
}

fn check(scripts: Vec<Vec<Op>>, busy: bool, interval: usize) {
    let policy = if busy {
        Policy::BusyPoll
    } else {
        Policy::WakerDriven
    };
    let mut ex = Executor::new(policy);
    for (i, ops) in scripts.into_iter().enumerate() {
        ex.spawn(&format!("t{i}"), script(ops));
    }
    assert_eq!(ex.run_until_stalled().0, Step::Done);
    let mut timeline = History::with_checkpoint_interval(interval);
    ex.sync_into(timeline.trace_mut());
    timeline.catch_up();
    let mut state = State::new();
    for (k, event) in timeline.trace().events.iter().enumerate() {
        assert_eq!(timeline.state_at(k), state, "index {k}");
        state.apply(event);
    }
    assert_eq!(&state, timeline.live());
    assert_eq!(timeline.state_at(timeline.len()), state);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn state_at_matches_event_by_event(
        scripts in prop::collection::vec(prop::collection::vec(op(), 0..12), 1..5),
        busy in any::<bool>(),
        interval in 1usize..16,
    ) {
        check(scripts, busy, interval);
    }
}

#[test]
fn long_trace_crosses_many_checkpoints() {
    let scripts = (0..3)
        .map(|_| std::iter::repeat_n(Op::Nested, 300).collect())
        .collect();
    check(scripts, false, 64);
}
