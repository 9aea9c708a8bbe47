//! What the app remembers across restarts (eframe persistence); the window size is kept
//! by eframe itself.

use crate::executor::Policy;
use crate::lens::Lens;
use serde::{Deserialize, Serialize};

/// Persisted preferences. Unknown or damaged values fall back to defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Lesson id.
    pub lesson: String,
    /// `waker` or `busy`.
    pub policy: String,
    /// `rust` or `python`.
    pub lens: String,
    /// Large, high-contrast text for projectors.
    pub presenter: bool,
    /// Dark theme (else light).
    pub dark: bool,
    /// UI zoom factor.
    pub zoom: f32,
    /// Polls per second when running; `None` = as fast as possible.
    pub speed: Option<f32>,
    /// The trace limit in events; `None`: the program's own (20,000,000 by default).
    pub trace_limit: Option<usize>,
    /// Breakpoints: a file as the compiler names it, and a 1-based line.
    pub breakpoints: Vec<(String, u32)>,
    /// The timeline panel is open.
    pub timeline: bool,
    /// A tokio program's own polls wait for Step too (a stepped tokio run).
    pub tokio_stepped: bool,
    /// The Stage panel is open (the executor drawn).
    pub stage: bool,
    /// No gliding cards on the Stage: each step shows its result at once.
    pub reduced_motion: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lesson: "lazy".to_owned(),
            policy: "waker".to_owned(),
            lens: "rust".to_owned(),
            presenter: false,
            dark: true,
            zoom: 1.0,
            speed: Some(2.0),
            trace_limit: None,
            breakpoints: Vec::new(),
            timeline: false,
            tokio_stepped: false,
            stage: false,
            reduced_motion: false,
        }
    }
}

/// eframe storage key of [`Settings`].
const KEY: &str = "pollscope-settings";

impl Settings {
    /// The settings stored by an earlier run, or the defaults.
    pub fn load(storage: Option<&dyn eframe::Storage>) -> Settings {
        storage
            .and_then(|s| eframe::get_value::<Settings>(s, KEY))
            .unwrap_or_default()
    }

    /// Stores the settings for the next run.
    pub fn save(&self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, KEY, self);
    }

    /// The policy, or the default if the stored word is unknown.
    pub fn policy(&self) -> Policy {
        self.policy.parse().unwrap_or_default()
    }

    /// The lens, or the default if the stored word is unknown.
    pub fn lens(&self) -> Lens {
        self.lens.parse().unwrap_or_default()
    }

    /// The zoom clamped to what stays usable.
    pub fn zoom(&self) -> f32 {
        if self.zoom.is_finite() {
            self.zoom.clamp(0.5, 3.0)
        } else {
            1.0
        }
    }
}
