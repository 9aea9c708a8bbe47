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
use crate::program::Program;
pub use crate::program::{Env, ProgramError};

/// One lesson: a built-in program with its teaching metadata.
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
    /// True if the lesson fetches pages: it needs [`Env::urls`] (the demo server's pages
    /// unless the user gives URLs).
    pub fetches: bool,
    /// Spawns the lesson's tasks.
    pub build: fn(&mut Executor, &Env) -> Result<(), ProgramError>,
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

    /// The lesson as a program: its file (with its text built in), its Python and its
    /// declared await points.
    pub fn program(&'static self) -> Program {
        let mut program = Program::new(self.id)
            .title(self.title)
            .explanation(self.explanation)
            .source_text(self.file, self.source)
            .python(self.python)
            .points(self.points.iter().copied())
            .build(self.build);
        let info = program.info_mut();
        info.origin = Some(self.experiment.to_owned());
        info.expected = Some(self.expected.to_owned());
        if self.fetches {
            program = program.fetches();
        }
        if self.stalls {
            program = program.stalls();
        }
        program
    }
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
pub fn find(id: &str) -> Result<&'static Lesson, ProgramError> {
    all()
        .iter()
        .find(|l| l.id == id)
        .ok_or_else(|| ProgramError::Unknown {
            id: id.to_owned(),
            known: all().iter().map(|l| l.id.to_owned()).collect(),
        })
}

/// Every lesson as a program, in teaching order.
pub fn programs() -> Vec<Program> {
    all().iter().map(Lesson::program).collect()
}
