//! The lesson's Python twin, live in CPython beside the Rust run while the Python lens is
//! on: started and ended with the lens, stepped, run, paused and reset with the Rust run.

use super::PollscopeApp;
use crate::lens::Lens;
use crate::python::{Script, Twin, TwinView};

/// The twin running now, with the lesson it is the twin of.
#[derive(Debug, Default)]
pub struct TwinSlot {
    /// The lesson's id and the pages it was given.
    live: Option<(String, Vec<String>, Twin)>,
    /// Its view as of this frame.
    pub shown: Option<TwinView>,
}

impl TwinSlot {
    /// The pages the running twin was given.
    pub fn pages(&self) -> Option<Vec<String>> {
        self.live.as_ref().map(|(_, urls, _)| urls.clone())
    }
}

/// What the twin is told along with the Rust run.
#[derive(Clone, Copy, Debug)]
pub(super) enum TwinOrder {
    Step,
    /// At the Rust run's speed.
    Run,
    Pause,
    Reset,
}

impl PollscopeApp {
    /// Starts the twin when the Python lens shows a lesson that has one live, ends it
    /// otherwise, and reads its view for this frame. A twin that fetches is started with
    /// the Rust run's pages (one server for both) once that run has them, and afresh when
    /// a reset gives the run new ones.
    pub(super) fn sync_twin(&mut self) {
        let wanted = self.twin_wanted();
        // The pages it is to fetch; `None` while the run starting has none yet.
        let status = &self.status;
        let urls: Option<&[String]> =
            wanted
                .as_ref()
                .and_then(|(lesson, _)| match lesson.fetches {
                    true if status.program != lesson.id => None,
                    true if status.urls.is_empty() && status.error.is_none() => None,
                    true => Some(status.urls.as_slice()),
                    false => Some(&[]),
                });
        let same = match (&self.twin.live, &wanted, urls) {
            (Some((id, have, _)), Some((lesson, _)), Some(urls)) => {
                id == lesson.id && have.as_slice() == urls
            }
            (None, None, _) | (None, Some(_), None) => true,
            _ => false,
        };
        if !same {
            // Drop the old one first: its interpreter ends before a new one starts.
            self.twin.live = None;
            if let (Some((lesson, repaint)), Some(urls)) = (wanted, urls) {
                let name = format!("twin_{}.py", lesson.id.replace('-', "_"));
                let twin = Twin::start(
                    Script::built_in(&name, lesson.python),
                    urls.to_vec(),
                    lesson.fetches,
                    Box::new(move || repaint.request_repaint()),
                );
                if self.status.running {
                    twin.run(Some(self.twin_pace()));
                }
                self.twin.live = Some((lesson.id.to_owned(), urls.to_vec(), twin));
            }
        }
        self.twin.shown = self.twin.live.as_ref().map(|(_, _, twin)| twin.view());
    }

    /// The lesson whose twin should run now, and how to ask for a frame.
    fn twin_wanted(&self) -> Option<(&'static crate::lessons::Lesson, egui::Context)> {
        if self.settings.lens() != Lens::Python || self.loaded.is_some() || self.session.is_none() {
            return None;
        }
        let lesson = crate::lessons::find(self.catalog.get(self.current)?.id()).ok()?;
        Some((lesson, self.repaint.clone()?))
    }

    /// The twin's pace when the Rust run runs: the same speed, a resume per poll.
    fn twin_pace(&self) -> std::time::Duration {
        let per_second = self.settings.speed.unwrap_or(1000.0).max(0.5);
        std::time::Duration::from_secs_f64(1.0 / f64::from(per_second))
    }

    /// Passes an order of the Rust run on to the twin, if one runs.
    pub(super) fn tell_twin(&self, order: TwinOrder) {
        let Some((_, _, twin)) = &self.twin.live else {
            return;
        };
        match order {
            TwinOrder::Step => twin.step(),
            TwinOrder::Run => twin.run(Some(self.twin_pace())),
            TwinOrder::Pause => twin.run(None),
            TwinOrder::Reset => twin.reset(),
        }
    }
}
