//! Starting a program: a fresh executor with the program's tasks spawned, and whatever
//! must live as long as the run (the demo server, a tokio runtime).

use super::{Program, ProgramError};
use crate::executor::{Executor, Policy};
use crate::trace::Recorder;
use std::any::Any;
use std::sync::Arc;

/// What a program may use when it builds its tasks.
#[derive(Clone, Debug, Default)]
pub struct Env {
    /// Page URLs for programs that fetch (from the demo server, or given by the user).
    pub urls: Vec<String>,
}

/// A started program: its executor, tasks spawned and nothing polled yet.
pub struct Launched {
    /// The executor with the program's tasks.
    pub executor: Executor,
    /// Page URLs the program was given (the demo server's unless the user gave some).
    pub urls: Vec<String>,
    /// Kept alive for the run, dropped after the executor (fields drop in order): the
    /// demo server, the tokio runtime.
    _keep: Vec<Box<dyn Any>>,
}

impl std::fmt::Debug for Launched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Launched")
            .field("executor", &self.executor)
            .field("urls", &self.urls)
            .finish()
    }
}

impl Program {
    /// Builds fresh futures of every task on a new executor under `policy`. A program
    /// that fetches gets `urls`, or the pages of a demo server started here.
    pub fn launch(&self, policy: Policy, urls: Vec<String>) -> Result<Launched, ProgramError> {
        self.launch_into(Recorder::new(), policy, urls)
    }

    /// [`launch`](Self::launch), recording into `recorder` (shared with a viewer).
    pub fn launch_into(
        &self,
        recorder: Arc<Recorder>,
        policy: Policy,
        urls: Vec<String>,
    ) -> Result<Launched, ProgramError> {
        if !self.fetches && !urls.is_empty() {
            return Err(ProgramError::Setup(format!(
                "{} fetches nothing: URLs do not apply",
                self.info.id
            )));
        }
        let mut keep: Vec<Box<dyn Any>> = Vec::new();
        let urls = if self.fetches && urls.is_empty() {
            demo_urls(&mut keep)?
        } else {
            urls
        };
        let env = Env { urls };
        #[cfg(feature = "tokio")]
        let shared_recorder = recorder.clone();
        let mut executor = Executor::with_recorder(policy, recorder);
        let mut build = || {
            self.steps
                .iter()
                .try_for_each(|step| step(&mut executor, &env))
        };
        #[cfg(feature = "tokio")]
        if self.tokio {
            let runtime = super::tokio::Runtime::start(&shared_recorder, self.stepped)?;
            runtime.enter(&mut build)?;
            executor.set_poll_hook(runtime.hook());
            keep.push(Box::new(runtime));
        } else {
            build()?;
        }
        #[cfg(not(feature = "tokio"))]
        build()?;
        Ok(Launched {
            executor,
            urls: env.urls,
            _keep: keep,
        })
    }
}

#[cfg(feature = "server")]
pub(crate) fn demo_urls(keep: &mut Vec<Box<dyn Any>>) -> Result<Vec<String>, ProgramError> {
    use crate::server::{DemoServer, ServerConfig};
    let server = DemoServer::start(ServerConfig::default())
        .map_err(|e| ProgramError::Setup(format!("demo server: {e}")))?;
    let urls = server.page_urls().into_iter().map(|(_, url)| url).collect();
    keep.push(Box::new(server));
    Ok(urls)
}

#[cfg(not(feature = "server"))]
pub(crate) fn demo_urls(_keep: &mut Vec<Box<dyn Any>>) -> Result<Vec<String>, ProgramError> {
    Err(ProgramError::Setup(
        "this program fetches pages: give their URLs (this build has no demo server; \
         cargo feature `server`)"
            .to_owned(),
    ))
}
