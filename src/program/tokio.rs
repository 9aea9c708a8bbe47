//! A tokio runtime beside a program (cargo feature `tokio`): every poll runs inside the
//! runtime's context, so `tokio::time`, `tokio::net` and `tokio::sync` futures find the
//! timers and sockets they need while pollscope's executor does the polling.
//!
//! Built with `--cfg tokio_unstable`, the runtime also reports every task tokio itself
//! spawns (`tokio::spawn`, `JoinSet`, ...) through its task hooks: the spawn with its
//! location and parent, each poll on the worker thread that ran it, and its end
//! ([`hooks`]), who woke them ([`wakes`]), and a `LocalSet`'s tasks, which tokio's hooks
//! do not see ([`local`]).

use super::ProgramError;
use crate::executor::PollHook;
use crate::trace::Recorder;
use std::sync::Arc;
use std::time::Duration;

#[cfg(tokio_unstable)]
mod hooks;
#[cfg(tokio_unstable)]
mod local;
#[cfg(tokio_unstable)]
mod wakes;

/// A multi-thread tokio runtime: its worker threads drive the timer and I/O drivers, so
/// a timer fires (and wakes the pollscope task, "woken by thread tokio-runtime-worker")
/// without tokio ever polling the task itself.
pub(super) struct Runtime {
    runtime: Option<tokio::runtime::Runtime>,
    recorder: Arc<Recorder>,
    /// What listens to tokio's wake events, made the default around each poll.
    #[cfg(tokio_unstable)]
    watch: tracing::Dispatch,
}

impl Runtime {
    /// Starts the runtime; its own tasks are recorded into `recorder` where tokio's task
    /// hooks exist (`--cfg tokio_unstable`), and with `stepped` their polls wait for Step.
    pub(super) fn start(recorder: &Arc<Recorder>, stepped: bool) -> Result<Runtime, ProgramError> {
        if stepped && !cfg!(tokio_unstable) {
            return Err(ProgramError::Setup(
                "a stepped tokio run needs tokio's task hooks: build pollscope with \
                 RUSTFLAGS=\"--cfg tokio_unstable\" (and the `tokio` feature)"
                    .to_owned(),
            ));
        }
        recorder.gate().set_closed(stepped);
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        // Named as tokio's documentation names its workers, so a wake reads "woken by
        // thread tokio-runtime-worker" whichever tokio release is linked.
        builder.thread_name("tokio-runtime-worker").enable_all();
        #[cfg(tokio_unstable)]
        let watch = wakes::dispatch(recorder.clone());
        #[cfg(tokio_unstable)]
        hooks::install(&mut builder, recorder.clone(), &watch);
        builder
            .build()
            .map(|rt| Runtime {
                runtime: Some(rt),
                recorder: recorder.clone(),
                #[cfg(tokio_unstable)]
                watch,
            })
            .map_err(|e| ProgramError::Setup(format!("tokio runtime: {e}")))
    }

    fn handle(&self) -> Option<tokio::runtime::Handle> {
        self.runtime.as_ref().map(|rt| rt.handle().clone())
    }

    /// Runs `f` inside the runtime's context: futures created there (a task's future,
    /// built before its first poll) may register with the runtime's drivers.
    pub(super) fn enter<R>(&self, f: impl FnOnce() -> R) -> R {
        let _guard = self.runtime.as_ref().map(|rt| rt.enter());
        #[cfg(tokio_unstable)]
        return tracing::dispatcher::with_default(&self.watch, f);
        #[cfg(not(tokio_unstable))]
        f()
    }

    /// The poll hook that enters the runtime around every poll.
    pub(super) fn hook(&self) -> PollHook {
        let handle = self.handle();
        #[cfg(tokio_unstable)]
        let watch = self.watch.clone();
        #[cfg(tokio_unstable)]
        let recorder = self.recorder.clone();
        Box::new(move |poll| {
            let _guard = handle.as_ref().map(|h| h.enter());
            // A task tokio spawns here gets its span from the watch, so its wakes are seen.
            #[cfg(tokio_unstable)]
            {
                tracing::dispatcher::with_default(&watch, &mut *poll);
                // A LocalSet this poll ran has no poll of its own left open.
                local::flush(&recorder);
            }
            #[cfg(not(tokio_unstable))]
            poll();
        })
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // Tasks the user spawned onto tokio itself get a moment to stop; a reset must not
        // hang on one that never yields.
        // Polls waiting for a step would wait for ever: they go.
        self.recorder.gate().set_closed(false);
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_millis(500));
        }
    }
}
