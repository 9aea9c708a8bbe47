//! tokio's task hooks (`--cfg tokio_unstable`) turned into trace events: tokio calls
//! them on the thread that spawns, polls or ends a task, and each posts one event to the
//! recorder's inbox, where the executor's log numbers the task beside its own.

use crate::trace::{ExecThread, ForeignKind, ForeignParent, Recorder, TaskId, foreign};
use std::cell::Cell;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use tokio::runtime::{Builder, TaskMeta};

thread_local! {
    /// This worker thread's executor-thread number (0: not numbered yet; 0 is the
    /// pollscope executor's own thread, so workers count from 1).
    static EXEC: Cell<u16> = const { Cell::new(0) };
}

/// Installs the hooks on `builder`, recording into `recorder`.
pub(super) fn install(
    builder: &mut Builder,
    recorder: Arc<Recorder>,
    dispatch: &tracing::Dispatch,
) {
    let workers = Arc::new(AtomicU16::new(1));
    let number = workers.clone();
    let watch = dispatch.clone();
    builder.on_thread_start(move || {
        let n = number.fetch_add(1, Ordering::Relaxed);
        let _ = EXEC.try_with(|e| e.set(n));
        super::wakes::install_here(&watch);
    });
    let r = recorder.clone();
    builder.on_task_spawn(move |meta| {
        let parent = spawner(&r);
        let at = meta.spawned_at();
        let kind = ForeignKind::ForeignSpawn {
            key: key(meta),
            name: format!("tokio@{}:{}", file_name(at.file()), at.line()),
            parent,
        };
        r.post(TaskId::NONE, kind, || false);
    });
    let r = recorder.clone();
    let count = workers.clone();
    builder.on_before_task_poll(move |meta| {
        let key = key(meta);
        // A stepped run: the poll waits here for Step.
        r.gate().wait_turn(key, || r.nudge());
        foreign::set_polling(Some(key));
        let on = exec_thread(&count);
        r.foreign_poll(true);
        r.post(
            TaskId::NONE,
            ForeignKind::ForeignPollStart { key, on },
            || false,
        );
    });
    let r = recorder.clone();
    builder.on_after_task_poll(move |meta| {
        let key = key(meta);
        // A LocalSet this poll ran has no poll of its own left open.
        super::local::flush(&r);
        let finished = foreign::set_polling(None);
        let panic = foreign::take_panic();
        let on = exec_thread(&workers);
        let kind = ForeignKind::ForeignPollEnd {
            key,
            on,
            finished,
            panic,
        };
        r.post(TaskId::NONE, kind, || false);
        r.foreign_poll(false);
        r.gate().returned(key);
    });
    builder.on_task_terminate(move |meta| {
        let key = key(meta);
        // Inside its own poll, the poll's end says it finished.
        if !foreign::ended(key) {
            recorder.post(TaskId::NONE, ForeignKind::ForeignEnded { key }, || false);
        }
    });
}

/// The task's number as a `u64`: tokio's `Id` only shows it through `Hash` and
/// `Display`, and FxHash of the one `u64` it hashes is a bijection (a multiplication by an
/// odd constant), so distinct ids stay distinct.
fn key(meta: &TaskMeta<'_>) -> u64 {
    let mut hasher = rustc_hash::FxHasher::default();
    meta.id().hash(&mut hasher);
    hasher.finish()
}

/// A source file's name without its directories: task names stay short in the table.
pub(super) fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// The task being polled on this thread, which spawns what is spawned now: tokio's,
/// else pollscope's (if its executor records into `recorder`).
pub(super) fn spawner(recorder: &Arc<Recorder>) -> ForeignParent {
    match foreign::polling() {
        Some(key) => ForeignParent::Foreign(key),
        None => match crate::executor::polling_task_of(recorder) {
            Some(task) => ForeignParent::Task(task),
            None => ForeignParent::None,
        },
    }
}

/// The same number for the task whose id tokio's instrumentation gives as a plain `u64`
/// (the id hashes as that `u64`).
pub(super) fn key_of(id: u64) -> u64 {
    let mut hasher = rustc_hash::FxHasher::default();
    id.hash(&mut hasher);
    hasher.finish()
}

/// This thread's executor-thread number, numbered now if the thread started before the
/// hooks saw it.
fn exec_thread(workers: &AtomicU16) -> ExecThread {
    let n = EXEC
        .try_with(|e| {
            if e.get() == 0 {
                e.set(workers.fetch_add(1, Ordering::Relaxed));
            }
            e.get()
        })
        .unwrap_or(u16::MAX);
    ExecThread(n)
}
