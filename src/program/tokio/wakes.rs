//! Who woke tokio's own tasks. tokio's task hooks do not report wakes, but its `tracing`
//! instrumentation (on under `--cfg tokio_unstable`) reports every wake of a task's waker
//! as an event naming the task's span. This subscriber listens to those events only: it
//! numbers each task's span by the task's own id (so a wake names the task), and posts
//! each wake with its waker: the tokio task being polled on that thread, the pollscope
//! task being polled, or the thread (tokio's drivers run on the worker threads).
//!
//! It is installed per thread (tokio's workers and pollscope's executor thread, around
//! each poll), not globally, so the program's own subscriber stays in charge elsewhere.

use crate::trace::{ForeignKind, ForeignWaker, Recorder, TaskId, foreign, this_thread_name};
use std::cell::RefCell;
use std::fmt::Debug;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Metadata, Subscriber};

/// Span ids of spans that are not a task's: clear of tokio's task ids (which count up
/// from 1).
const OTHER_SPANS: u64 = 1 << 63;

/// Set in the span id of a `LocalSet` task (`spawn_local`): its polls are read from its
/// span's entries ([`super::local`]), as tokio runs no task hooks for a set.
const LOCAL_TASK: u64 = 1 << 62;

/// The subscriber.
pub(super) struct WakeWatch {
    recorder: Arc<Recorder>,
    others: AtomicU64,
    locals: super::local::LocalTasks,
}

thread_local! {
    /// Keeps the subscriber this thread's default for the thread's life.
    static GUARD: RefCell<Option<tracing::dispatcher::DefaultGuard>> = const { RefCell::new(None) };
}

/// A dispatch of a new watch recording into `recorder`.
pub(super) fn dispatch(recorder: Arc<Recorder>) -> Dispatch {
    Dispatch::new(WakeWatch {
        recorder,
        others: AtomicU64::new(OTHER_SPANS),
        locals: super::local::LocalTasks::new(),
    })
}

/// Makes `dispatch` this thread's default until the thread ends (a tokio worker).
pub(super) fn install_here(dispatch: &Dispatch) {
    let guard = tracing::dispatcher::set_default(dispatch);
    let _ = GUARD.try_with(|g| *g.borrow_mut() = Some(guard));
}

fn wanted(meta: &Metadata<'_>) -> bool {
    if meta.is_span() {
        meta.name() == "runtime.spawn"
    } else {
        meta.target() == "tokio::task::waker"
    }
}

/// The fields this watch reads.
#[derive(Default)]
struct Fields {
    task_id: Option<u64>,
    op: Option<String>,
    kind: Option<String>,
    file: Option<String>,
    line: Option<u64>,
}

impl Visit for Fields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "task.id" => self.task_id = Some(value),
            "loc.line" => self.line = Some(value),
            _ => {}
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record_u64(field, u64::try_from(value).unwrap_or_default());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "op" => self.op = Some(value.to_owned()),
            "kind" => self.kind = Some(value.to_owned()),
            "loc.file" => self.file = Some(value.to_owned()),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        let slot = match field.name() {
            "op" => &mut self.op,
            "kind" => &mut self.kind,
            _ => return,
        };
        if slot.is_none() {
            *slot = Some(format!("{value:?}").trim_matches('"').to_owned());
        }
    }
}

impl Subscriber for WakeWatch {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if wanted(meta) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        wanted(meta)
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = Fields::default();
        span.record(&mut fields);
        // A `spawn_blocking` closure runs on a thread of tokio's pool: a worker thread of
        // the trace, started by the task being polled here. (tokio's hooks report its
        // end, not its start.)
        if span.metadata().target() == "tokio::task::blocking"
            && let Some(id) = fields.task_id
        {
            let file = super::hooks::file_name(fields.file.as_deref().unwrap_or("?"));
            let kind = ForeignKind::ForeignThreadSpawn {
                key: super::hooks::key_of(id),
                name: format!("spawn_blocking@{file}:{}", fields.line.unwrap_or(0)),
                parent: super::hooks::spawner(&self.recorder),
            };
            self.recorder.post(TaskId::NONE, kind, || false);
        }
        // A `LocalSet`'s task: tokio's hooks do not see it, its span does.
        if fields.kind.as_deref() == Some("local")
            && let Some(id) = fields.task_id.filter(|&id| id != 0 && id < LOCAL_TASK)
        {
            let file = super::hooks::file_name(fields.file.as_deref().unwrap_or("?"));
            let kind = ForeignKind::ForeignSpawn {
                key: super::hooks::key_of(id),
                name: format!("spawn_local@{file}:{}", fields.line.unwrap_or(0)),
                parent: super::hooks::spawner(&self.recorder),
            };
            self.recorder.post(TaskId::NONE, kind, || false);
            self.locals.spawned(id);
            return Id::from_u64(id | LOCAL_TASK);
        }
        // The task's span is numbered by the task's id, so a wake that names the span
        // names the task.
        match fields.task_id {
            Some(id) if id != 0 && id < OTHER_SPANS => Id::from_u64(id),
            _ => Id::from_u64(self.others.fetch_add(1, Ordering::Relaxed)),
        }
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let (Some(id), Some(op)) = (fields.task_id, fields.op) else {
            return;
        };
        // Clones and drops of wakers are not wakes.
        if !matches!(op.as_str(), "waker.wake" | "waker.wake_by_ref") {
            return;
        }
        if id & LOCAL_TASK != 0 && id < OTHER_SPANS {
            self.locals.woken(id & !LOCAL_TASK);
        }
        let key = super::hooks::key_of(id & !LOCAL_TASK);
        let by = match foreign::polling() {
            Some(polling) => ForeignWaker::Foreign(polling, this_thread_name()),
            None => match crate::executor::polling_task_of(&self.recorder) {
                Some(task) => ForeignWaker::Task(task),
                None => ForeignWaker::Thread(this_thread_name()),
            },
        };
        self.recorder
            .post(TaskId::NONE, ForeignKind::ForeignWake { key, by }, || false);
    }

    fn enter(&self, span: &Id) {
        if let Some(id) = local_task(span) {
            let key = super::hooks::key_of(id);
            self.locals.entered(&self.recorder, id, key);
        }
    }

    fn exit(&self, span: &Id) {
        if let Some(id) = local_task(span) {
            self.locals.exited(super::hooks::key_of(id));
        }
    }

    fn clone_span(&self, span: &Id) -> Id {
        if let Some(id) = local_task(span) {
            self.locals.cloned(id);
        }
        span.clone()
    }

    fn try_close(&self, span: Id) -> bool {
        match local_task(&span) {
            Some(id) => {
                let key = super::hooks::key_of(id);
                self.locals.closed(&self.recorder, id, key)
            }
            None => false,
        }
    }
}

/// The task id of a `LocalSet` task's span.
fn local_task(span: &Id) -> Option<u64> {
    let id = span.into_u64();
    (id & LOCAL_TASK != 0 && id < OTHER_SPANS).then_some(id & !LOCAL_TASK)
}
