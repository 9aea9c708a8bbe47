//! "Why isn't it running?": one plain sentence per unfinished task, derived from the trace
//! alone, so it reads the same live, rewound, and in a loaded trace.
//!
//! - suspended at `handle.await` (line 28), waiting for thread fetch-amazon, running for
//!   212 ms; that thread will wake it
//! - woken by thread fetch-google 0.3 s ago, queued behind task 2
//! - stalled: nobody holds its waker — it can never run again
//! - never polled yet: futures are lazy

use crate::report::duration;
use crate::trace::{
    ExecThread, Held, Holder, State, TaskId, TaskState, TaskView, Trace, WakeSource,
};

/// What the sentence may know beyond the trace: the time now, and whether the executor
/// found that nothing can wake any task (only a live run knows that).
#[derive(Clone, Copy, Debug, Default)]
pub struct Context {
    /// The current trace time: for live waits, the clock; else the state's last event.
    pub now_ns: u64,
    /// The executor stopped because no task can ever be woken.
    pub stalled: bool,
}

/// Who woke a task, in words ("itself", "task 2", "thread fetch-google").
pub(crate) fn waker(trace: &Trace, by: WakeSource, task: TaskId) -> String {
    match by {
        WakeSource::SelfWake => "itself".to_owned(),
        WakeSource::Task(t) if t == task => "itself".to_owned(),
        WakeSource::Task(t) => format!("task {t}"),
        WakeSource::Thread(name) => format!("thread {}", trace.str(name)),
        WakeSource::External => "the program outside any task".to_owned(),
    }
}

/// Where a task is suspended: "`handle.await` (line 28)", its innermost point; or the
/// compiler's state when it has no `.at(..)` points.
fn place(trace: &Trace, task: &TaskView) -> Option<String> {
    let point = task
        .await_point()
        .or_else(|| task.coro.last().map(|f| f.state))?;
    let p = trace.await_point(point)?;
    Some(format!("`{}` (line {})", p.label, p.line))
}

/// ", queued behind task 2" (the one just ahead), or "next in line". One pass over the
/// tasks: how many are ahead, and which of them is nearest.
fn queue_words(state: &State, task: &TaskView) -> String {
    let ahead = task.queued_at().map_or((0, None), |mine| {
        state
            .tasks
            .iter()
            .filter_map(TaskView::queued_at)
            .filter(|k| *k < mine)
            .fold((0usize, None), |(n, nearest), k| {
                (n + 1, nearest.max(Some(k)))
            })
    });
    let running = state.running.filter(|&r| r != task.id);
    match (ahead, running) {
        ((1, Some((_, t))), _) => format!("queued behind task {t}"),
        ((n, Some((_, t))), _) => format!("queued behind task {t} and {} more", n - 1),
        ((_, None), Some(r)) => format!("next in line, once task {r}'s poll returns"),
        ((_, None), None) => "next in line".to_owned(),
    }
}

/// The sentence for task `id`; `None` if it has finished (or does not exist).
pub fn sentence(trace: &Trace, state: &State, id: TaskId, cx: Context) -> Option<String> {
    let task = state.task(id)?;
    let now = cx.now_ns.max(state.t_ns);
    let text = match task.state {
        TaskState::Completed(_) | TaskState::Panicked(_) => return None,
        TaskState::Created => format!(
            "never polled yet: futures are lazy; {}",
            queue_words(state, task)
        ),
        TaskState::Running if task.polled_on.is_local_set() => format!(
            // A LocalSet polls it inside the poll of the task that runs the set.
            "running in tokio {}: inside its poll for {}, within the poll that runs the set",
            task.polled_on.label(),
            duration(now.saturating_sub(task.poll_started_ns))
        ),
        TaskState::Running if task.polled_on != ExecThread::MAIN => format!(
            // A runtime's worker polls it beside pollscope's executor: nothing waits on it.
            "running on worker thread {}: inside its poll for {}, beside the executor's own",
            task.polled_on.0,
            duration(now.saturating_sub(task.poll_started_ns))
        ),
        TaskState::Running => {
            let for_ns = now.saturating_sub(task.poll_started_ns);
            let mut text = format!("running: inside its poll for {}", duration(for_ns));
            if for_ns >= 100_000_000 {
                text.push_str(" — blocking the executor, no other task can run");
            }
            text
        }
        TaskState::Scheduled => {
            let by = task.last_wake.map_or("a wake".to_owned(), |by| {
                format!("woken by {}", waker(trace, by, task.id))
            });
            let ago = task.woken_ns.map_or(String::new(), |w| {
                format!(" {} ago", duration(now.saturating_sub(w)))
            });
            format!("{by}{ago}, {}", queue_words(state, task))
        }
        TaskState::Suspended => suspended(trace, state, task, now, cx.stalled),
    };
    Some(text)
}

fn suspended(trace: &Trace, state: &State, task: &TaskView, now: u64, stalled: bool) -> String {
    let at = place(trace, task).map_or("suspended".to_owned(), |p| format!("suspended at {p}"));
    // A Python coroutine driven by hand has no waker: the code that called `send` resumes
    // it when it calls again (asyncio's Task, which does use wake-ups, excepted).
    if let Some((_, driver)) = task.input
        && let Some(d) = trace.await_point(driver)
        && !d.file.contains("asyncio")
    {
        let func = d.label.split(':').next().unwrap_or(d.label);
        let handed = task
            .yielded
            .map(|v| format!("; it handed {} to that driver", trace.str(v)))
            .unwrap_or_default();
        return format!(
            "{at} for {}, waiting for its driver {func}() (line {}) to resume it{handed}",
            duration(now.saturating_sub(task.waiting_since_ns)),
            d.line
        );
    }
    // Its own worker threads still running: each will wake it when it finishes.
    let running: Vec<_> = state
        .threads
        .iter()
        .filter(|t| t.task == task.id && t.finished.is_none())
        .collect();
    match running.as_slice() {
        [one] => format!(
            "{at}, waiting for thread {}, running for {}; that thread will wake it",
            trace.str(one.name),
            duration(now.saturating_sub(one.started_ns))
        ),
        [first, ..] => format!(
            "{at}, waiting for {} threads ({} running for {}); each wakes it as it finishes",
            running.len(),
            trace.str(first.name),
            duration(now.saturating_sub(first.started_ns))
        ),
        [] if stalled => {
            format!("stalled: nobody holds its waker — it can never run again ({at})")
        }
        [] if task.held == Held::Nobody => format!(
            "{at}: nobody holds its waker, so nothing can wake it (its poll returned Pending \
             without keeping cx.waker())"
        ),
        [] => {
            let for_ns = duration(now.saturating_sub(task.waiting_since_ns));
            let children: Vec<String> = task
                .held
                .holders(trace)
                .into_iter()
                .filter_map(|h| match h {
                    Holder::Task(t) => Some(format!("task {t}")),
                    _ => None,
                })
                .collect();
            match children.as_slice() {
                [] => format!("{at} for {for_ns}, waiting for whoever holds its waker to wake it"),
                [one] => {
                    format!("{at} for {for_ns}, waiting for {one} to finish; its end wakes it")
                }
                several => format!(
                    "{at} for {for_ns}, waiting for {} to finish; each end wakes it",
                    several.join(", ")
                ),
            }
        }
    }
}
