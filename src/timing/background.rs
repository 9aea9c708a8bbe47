//! A timing run on its own thread, for the app: the UI reads the rounds as they arrive and
//! can stop the run at any time.

use super::{Connections, Fetch, Progress as Step, Round, TimingConfig};
use crate::server::{DemoServer, Profile, ServerConfig};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

/// Where the targets come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Targets {
    /// The pages of a demo server started for the run, with this profile (name or file).
    Profile(String),
    /// These URLs.
    Urls(Vec<String>),
}

#[derive(Default)]
struct Progress {
    rounds: Vec<Round>,
    /// The requests of the round in progress that have ended.
    current: Vec<Fetch>,
    targets: usize,
    error: Option<String>,
    finished: bool,
}

/// Progress updates are single assignments: a poisoned lock still holds valid data.
fn lock(progress: &Mutex<Progress>) -> MutexGuard<'_, Progress> {
    progress.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A run in progress (or finished).
pub struct Background {
    stop: Arc<AtomicBool>,
    progress: Arc<Mutex<Progress>>,
    thread: Option<JoinHandle<()>>,
    /// Rounds asked for.
    pub rounds: usize,
    /// How requests get their connections in this run.
    pub connections: Connections,
    /// Whether the extra modes are measured.
    pub extra_modes: bool,
}

impl std::fmt::Debug for Background {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Background")
            .field("rounds", &self.rounds)
            .finish()
    }
}

impl Background {
    /// Starts measuring; `notify` is called after every request, every round and at the
    /// end.
    pub fn start(
        targets: Targets,
        mut config: TimingConfig,
        notify: impl Fn() + Send + 'static,
    ) -> Background {
        let stop = Arc::new(AtomicBool::new(false));
        let progress = Arc::new(Mutex::new(Progress::default()));
        let rounds = config.rounds;
        let (connections, extra_modes) = (config.connections, config.extra_modes);
        let (thread_stop, thread_progress) = (stop.clone(), progress.clone());
        let thread = std::thread::Builder::new()
            .name("pollscope-timing".into())
            .spawn(move || {
                // The server (if any) lives as long as the run.
                let server = match &targets {
                    Targets::Urls(urls) => {
                        config.targets = urls.clone();
                        None
                    }
                    Targets::Profile(name) => {
                        let started =
                            Profile::load(name)
                                .map_err(|e| e.to_string())
                                .and_then(|profile| {
                                    DemoServer::start(ServerConfig { port: 0, profile })
                                        .map_err(|e| e.to_string())
                                });
                        match started {
                            Ok(server) => {
                                config.targets =
                                    server.page_urls().into_iter().map(|(_, u)| u).collect();
                                Some(server)
                            }
                            Err(e) => {
                                let mut p = lock(&thread_progress);
                                p.error = Some(e);
                                p.finished = true;
                                notify();
                                return;
                            }
                        }
                    }
                };
                if config.targets.is_empty() {
                    let mut p = lock(&thread_progress);
                    p.error = Some("no targets: give at least one URL".to_owned());
                    p.finished = true;
                    notify();
                    return;
                }
                lock(&thread_progress).targets = config.targets.len();
                super::run_observed(&config, &thread_stop, |step| {
                    let mut p = lock(&thread_progress);
                    match step {
                        Step::Request(span) => p.current.push(span.clone()),
                        Step::Round(round) => {
                            p.current.clear();
                            p.rounds.push(round.clone());
                        }
                    }
                    drop(p);
                    notify();
                });
                drop(server);
                lock(&thread_progress).finished = true;
                notify();
            })
            .ok();
        if thread.is_none() {
            let mut p = lock(&progress);
            p.error = Some("could not start the timing thread".to_owned());
            p.finished = true;
        }
        Background {
            stop,
            progress,
            thread,
            rounds,
            connections,
            extra_modes,
        }
    }

    fn progress(&self) -> std::sync::MutexGuard<'_, Progress> {
        lock(&self.progress)
    }

    /// The rounds completed so far.
    pub fn completed(&self) -> Vec<Round> {
        self.progress().rounds.clone()
    }

    /// The latest round's requests as far as they have ended: the round in progress while
    /// it has any, else the last round completed. With the round's number.
    pub fn latest(&self) -> Option<(usize, Vec<Fetch>)> {
        let p = self.progress();
        if !p.current.is_empty() {
            return Some((p.rounds.len() + 1, p.current.clone()));
        }
        p.rounds.last().map(|r| (r.round, r.requests.clone()))
    }

    /// Number of rounds completed.
    pub fn completed_count(&self) -> usize {
        self.progress().rounds.len()
    }

    /// Why the run could not go on, if it could not.
    pub fn error(&self) -> Option<String> {
        self.progress().error.clone()
    }

    /// True while rounds are still being run.
    pub fn is_running(&self) -> bool {
        !self.progress().finished
    }

    /// Asks the run to stop after the request in flight.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.stop();
        // Joined only if already done: a request in flight may take up to its timeout.
        if let Some(thread) = self.thread.take()
            && thread.is_finished()
        {
            let _ = thread.join();
        }
    }
}
