//! Tasks that spawn tasks form a tree: the state knows every parent, and the task tables
//! list each task under the one that spawned it, indented.

use pollscope::executor::{Policy, yield_now};
use pollscope::lens::Lens;
use pollscope::program::Program;
use pollscope::trace::{History, TaskId};

async fn grandparent() -> u32 {
    let a = pollscope::spawn("parent-a", async {
        let g = pollscope::spawn("grandchild", async { 1 });
        yield_now().await;
        g.await.unwrap_or(0) + 10
    });
    let b = pollscope::spawn("parent-b", async { 100 });
    a.await.unwrap_or(0) + b.await.unwrap_or(0)
}

#[test]
fn children_sit_under_their_parents_at_every_depth() {
    let program = Program::new("tree")
        .task("root", grandparent)
        .task("other-root", || async { 0 });
    let recording = pollscope::record(&program, Policy::WakerDriven).unwrap();
    let timeline = History::from_trace(recording.trace);
    let state = timeline.live();
    let names: Vec<_> = state
        .tasks
        .iter()
        .map(|t| timeline.trace().str(t.name))
        .collect();
    // Numbered in spawn order: the roots first, then children as their parents spawn them.
    assert_eq!(
        names,
        ["root", "other-root", "parent-a", "parent-b", "grandchild"]
    );
    let parents: Vec<_> = state.tasks.iter().map(|t| t.parent).collect();
    assert_eq!(
        parents,
        [
            None,
            None,
            Some(TaskId(0)),
            Some(TaskId(0)),
            Some(TaskId(2))
        ]
    );
    assert_eq!(
        state.tree_order(),
        [(0, 0), (2, 1), (4, 2), (3, 1), (1, 0)],
        "each task followed by its children, depth first"
    );
    let table = pollscope::report::task_table(timeline.trace(), state, Lens::Rust);
    let rows: Vec<_> = table
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        rows,
        ["0 root", "2 └", "4 └", "3 └", "1 other-root"],
        "{table}"
    );
    assert!(table.contains("  └ grandchild"), "{table}");
    assert!(table.contains("└ parent-a"), "{table}");
}

#[test]
fn without_children_the_order_is_the_spawn_order() {
    let program = Program::new("flat")
        .task("a", || async { 1 })
        .task("b", || async { 2 });
    let recording = pollscope::record(&program, Policy::BusyPoll).unwrap();
    let timeline = History::from_trace(recording.trace);
    assert_eq!(timeline.live().tree_order(), [(0, 0), (1, 0)]);
}
