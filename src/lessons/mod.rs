//! The built-in lessons: one file each. A lesson's code is the file's own text, shown by
//! the app and the CLI exactly as it runs, so its await points map to its lines.

mod await_chain;
mod blocking_sleep;
mod busy_driver;
mod cancel;
mod event_loop;
mod join;
mod lazy;
mod lost_waker;
mod race;
mod remote;
mod reuse;
mod seed_request;
mod send_none;
mod sequential_awaits;
mod setup;
mod stream;
mod threads;

use crate::executor::Executor;
use crate::server::{DemoServer, ServerConfig};

/// What a lesson may use when it builds its tasks.
#[derive(Clone, Debug, Default)]
pub struct LessonEnv {
    /// Page URLs for lessons that fetch (from the demo server, or given by the user).
    pub urls: Vec<String>,
}

/// Why a lesson could not be set up.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LessonError {
    /// No lesson has this id.
    Unknown(String),
    /// The lesson needs something the environment lacks.
    Setup(String),
}

impl std::fmt::Display for LessonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LessonError::Unknown(id) => {
                let ids: Vec<_> = all().iter().map(|l| l.id).collect();
                write!(f, "unknown lesson '{id}' (lessons: {})", ids.join(", "))
            }
            LessonError::Setup(why) => write!(f, "lesson setup failed: {why}"),
        }
    }
}

impl std::error::Error for LessonError {}

/// One lesson.
#[derive(Debug)]
pub struct Lesson {
    /// Short id used on the command line (`lazy`).
    pub id: &'static str,
    /// Title.
    pub title: &'static str,
    /// Which experiment of the original it reproduces (`"1–2"`), or a teaching point.
    pub experiment: &'static str,
    /// What happens and why, in plain words.
    pub explanation: &'static str,
    /// What the run should end with.
    pub expected: &'static str,
    /// The lesson file's own text.
    pub source: &'static str,
    /// The lesson file's path as the compiler names it (matches await points' `file`).
    pub file: &'static str,
    /// The Python the original experiment would have written.
    pub python: &'static str,
    /// Labels of the `.at(..)` points the code contains, in source order.
    pub points: &'static [&'static str],
    /// True if the lesson stalls by design under the waker-driven policy (its run ends
    /// with "stalled: no task can be woken").
    pub stalls: bool,
    /// True if the lesson fetches pages: it needs [`LessonEnv::urls`] (the demo server's
    /// pages unless the user gives URLs).
    pub fetches: bool,
    /// Spawns the lesson's tasks.
    pub build: fn(&mut Executor, &LessonEnv) -> Result<(), LessonError>,
}

impl Lesson {
    /// The declared await points with the source line each is written on.
    pub fn declared_points(&self) -> Vec<(&'static str, Option<u32>)> {
        self.points
            .iter()
            .map(|&label| {
                let needle = format!(".at(\"{label}\")");
                let line = self
                    .source
                    .lines()
                    .position(|l| l.contains(&needle))
                    .map(|i| i as u32 + 1);
                (label, line)
            })
            .collect()
    }

    /// Spawns the lesson's tasks on `ex`.
    pub fn spawn_into(&self, ex: &mut Executor, env: &LessonEnv) -> Result<(), LessonError> {
        (self.build)(ex, env)
    }
}

/// The environment a lesson runs in: `urls` if given, else (for a lesson that fetches)
/// the pages of a demo server started here, returned so the caller keeps it alive.
pub fn prepare_env(
    lesson: &Lesson,
    urls: Vec<String>,
) -> Result<(LessonEnv, Option<DemoServer>), LessonError> {
    if !lesson.fetches || !urls.is_empty() {
        return Ok((LessonEnv { urls }, None));
    }
    let server = DemoServer::start(ServerConfig::default())
        .map_err(|e| LessonError::Setup(format!("demo server: {e}")))?;
    let urls = server.page_urls().into_iter().map(|(_, url)| url).collect();
    Ok((LessonEnv { urls }, Some(server)))
}

/// Every built-in lesson, in teaching order.
pub fn all() -> &'static [Lesson] {
    // Teaching order: the original's experiments in order, then the teaching points.
    const ALL: &[Lesson] = &[
        lazy::LESSON,
        send_none::LESSON,
        reuse::LESSON,
        remote::LESSON,
        await_chain::LESSON,
        busy_driver::LESSON,
        setup::LESSON,
        threads::LESSON,
        seed_request::LESSON,
        sequential_awaits::LESSON,
        event_loop::LESSON,
        stream::LESSON,
        lost_waker::LESSON,
        blocking_sleep::LESSON,
        join::LESSON,
        race::LESSON,
        cancel::LESSON,
    ];
    ALL
}

/// The lesson with this id.
pub fn find(id: &str) -> Result<&'static Lesson, LessonError> {
    all()
        .iter()
        .find(|l| l.id == id)
        .ok_or_else(|| LessonError::Unknown(id.to_owned()))
}
