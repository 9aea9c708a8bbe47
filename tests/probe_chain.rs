//! `.at()` records enter/suspend/resume/exit with file and line; nested points form the
//! await chain; `say!` and `.at()` are harmless outside an executor.

use pollscope::bench::YieldOnce;
use pollscope::executor::{Executor, Outcome, Policy, Step};
use pollscope::trace::{EventKind, History, TaskId, TaskState};
use pollscope::{AtExt, say};

async fn inner() {
    YieldOnce::default().at("leaf").await;
}

async fn middle() {
    inner().at("inner()").await;
}

async fn outer() -> u8 {
    middle().at("middle()").await;
    9
}

#[test]
fn nested_points_form_the_chain_innermost_last() {
    let mut ex = Executor::new(Policy::WakerDriven);
    ex.spawn("outer", outer());
    let first = ex.step();
    let Outcome::Pending { at: Some(site), .. } = first.polled().unwrap().outcome else {
        panic!("{first:?}")
    };
    assert_eq!(site.label, "leaf");
    assert_eq!(site.file, file!());
    assert_eq!(site.line, 10);

    let timeline = History::from_trace(ex.snapshot());
    let trace = timeline.trace();
    let task = timeline.live().task(TaskId(0)).unwrap();
    assert_eq!(task.state, TaskState::Scheduled);
    let labels: Vec<_> = task
        .chain
        .iter()
        .map(|&p| trace.str(trace.point(p).unwrap().label))
        .collect();
    assert_eq!(labels, ["middle()", "inner()", "leaf"]);
    let lines: Vec<_> = task
        .chain
        .iter()
        .map(|&p| trace.point(p).unwrap().line)
        .collect();
    assert_eq!(lines, [18, 14, 10]);

    // Entered outermost first; `Pending` travels up: suspended innermost first.
    let seq: Vec<_> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::AwaitEnter { point } => Some(format!(
                "enter {}",
                trace.str(trace.point(point).unwrap().label)
            )),
            EventKind::Suspend { point } => Some(format!(
                "suspend {}",
                trace.str(trace.point(point).unwrap().label)
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        seq,
        [
            "enter middle()",
            "enter inner()",
            "enter leaf",
            "suspend leaf",
            "suspend inner()",
            "suspend middle()"
        ]
    );

    assert!(ex.step().polled().is_some());
    assert_eq!(ex.step(), Step::Done);
    let timeline = History::from_trace(ex.snapshot());
    let trace = timeline.trace();
    let resumes: Vec<_> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Resume { point } => {
                Some(trace.str(trace.point(point).unwrap().label).to_owned())
            }
            EventKind::AwaitExit { point } => Some(format!(
                "exit {}",
                trace.str(trace.point(point).unwrap().label)
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        resumes,
        [
            "middle()",
            "inner()",
            "leaf",
            "exit leaf",
            "exit inner()",
            "exit middle()"
        ]
    );
    let task = timeline.live().task(TaskId(0)).unwrap();
    assert!(task.chain.is_empty());
}

#[test]
fn probes_do_nothing_outside_an_executor() {
    say!("nobody is listening");
    let value = futures::executor::block_on(async { std::future::ready(4).at("plain").await });
    assert_eq!(value, 4);
}
