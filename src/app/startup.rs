//! Start-up: opening the window on the lessons or a user's program, with what the
//! command line asked for ([`Startup`]).

use super::action::Action;
use super::settings::Settings;
use super::state::PollscopeApp;
use super::timing;
use crate::lessons;
use crate::program::Program;
use crate::trace::Trace;
use crate::tracefile::Header;
use std::path::PathBuf;

/// Opens the window and runs until it is closed; `lesson` and `policy` override the
/// remembered ones.
pub fn run(startup: Startup) -> Result<(), AppError> {
    if let Some(message) = no_display(startup.program.is_some()) {
        return Err(AppError::NoDisplay(message));
    }
    let Startup {
        program,
        lesson,
        policy,
        timing,
        trace,
        #[cfg(unix)]
        python,
    } = startup;
    #[cfg(unix)]
    let program = program.or_else(|| python.map(Program::python_script));
    // A user's program keeps its own settings (its window size, its policy), apart from
    // the built-in lessons'.
    let (name, title, catalog) = match program {
        Some(program) => (
            format!("pollscope-{}", program.id()),
            format!("{} — pollscope", program.info().display_title()),
            vec![program],
        ),
        None => ("pollscope".to_owned(), "pollscope".to_owned(), catalog()),
    };
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(crate::text::line(&title))
            .with_inner_size([1400.0, 860.0])
            .with_min_inner_size([720.0, 480.0]),
        ..Default::default()
    };
    eframe::run_native(
        &name,
        options,
        Box::new(|cc| {
            let settings = Settings::load(cc.storage);
            let settings = Settings {
                lesson: lesson.unwrap_or(settings.lesson),
                policy: policy.map_or(settings.policy, |p| p.word().to_owned()),
                ..settings
            };
            let mut app = PollscopeApp::with_catalog(&cc.egui_ctx, settings, catalog);
            if timing {
                app.apply(Action::ToggleTiming);
                app.apply(Action::StartTiming(timing::TimingRequest::default()));
            }
            if let Some((path, header, trace)) = trace {
                app.show_loaded(path, header, trace);
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| AppError::Window(window_words(&e.to_string())))
}

/// Checks, before anything slow, that a window can open at all: `open` says so before
/// loading a big file, not after.
pub fn check_display(program: bool) -> Result<(), AppError> {
    match no_display(program) {
        Some(message) => Err(AppError::NoDisplay(message)),
        None => Ok(()),
    }
}

/// The windowing system's refusal in words for a user: winit's text names the source file
/// and line it failed in (`os error at /root/.cargo/registry/.../mod.rs:788: ...`), which
/// is left out; a display that cannot be reached is named with its value.
fn window_words(raw: &str) -> String {
    let mut text = raw.to_owned();
    if let Some(at) = text.find(" at /")
        && let Some(end) = text[at..].find(": ")
    {
        text.replace_range(at..at + end, "");
    }
    let display = std::env::var("DISPLAY").unwrap_or_default();
    if text.contains("X server") && !display.is_empty() {
        text.push_str(&format!(
            " (DISPLAY={display}: is an X server running there, and may this user use it?)"
        ));
    }
    text
}

/// The built-in lessons, then (where Python can run) the original's experiments as
/// Python scripts (`py:send_none`).
pub fn catalog() -> Vec<Program> {
    let mut programs = lessons::programs();
    #[cfg(unix)]
    programs.extend(crate::python::experiments::programs());
    programs
}

/// Without a display, winit's own error names a registry path and no way forward: this
/// says what is missing and what works instead. `None` when a display is set (or on a
/// platform that always has one).
fn no_display(program: bool) -> Option<String> {
    if !cfg!(all(unix, not(target_os = "macos"))) {
        return None;
    }
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if set("DISPLAY") || set("WAYLAND_DISPLAY") {
        return None;
    }
    let bin = std::env::args_os()
        .next()
        .and_then(|arg0| {
            let stem = std::path::Path::new(&arg0).file_stem()?.to_owned();
            Some(stem.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "pollscope".to_owned());
    let step = if program {
        format!("{bin} step")
    } else {
        format!("{bin} step <lesson>")
    };
    Some(format!(
        "the app needs a display (X11 or Wayland) and none is set (DISPLAY, \
         WAYLAND_DISPLAY); the command line works without one: {step}, {bin} export, \
         {bin} --help"
    ))
}

/// Opens the app on a user's program (the app only; [`crate::main`] adds the command
/// line). Returns when the window is closed, or a message if it could not open.
pub fn show(program: Program) -> Result<(), AppError> {
    run(Startup::program(program))
}

/// Why the window did not open.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AppError {
    /// No display is set: what is missing and which commands work without one.
    NoDisplay(String),
    /// The windowing system refused (its own words).
    Window(String),
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::NoDisplay(message) => f.write_str(message),
            AppError::Window(why) => write!(f, "could not open the window: {why}"),
        }
    }
}

impl std::error::Error for AppError {}

/// How the window starts; everything not given comes from the remembered settings.
#[derive(Debug, Default)]
pub struct Startup {
    /// Run this program instead of the built-in lessons.
    pub program: Option<Program>,
    /// Start on this lesson.
    pub lesson: Option<String>,
    /// Start with this policy.
    pub policy: Option<crate::executor::Policy>,
    /// Open the timing panel and start a run.
    pub timing: bool,
    /// Show this loaded trace (path, header, events) instead of running anything.
    pub trace: Option<(PathBuf, Header, Trace)>,
    /// Run this Python script under the tracer instead of the lessons.
    #[cfg(unix)]
    pub python: Option<crate::python::Script>,
}

impl Startup {
    /// The app on `program`, everything else as remembered.
    pub fn program(program: Program) -> Startup {
        Startup {
            program: Some(program),
            ..Startup::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::window_words;

    #[test]
    fn the_windowing_systems_words_lose_its_source_path() {
        let raw = "winit EventLoopError: os error at /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/winit-0.30.13/src/platform_impl/linux/mod.rs:788: Failed to open connection to X server";
        let words = window_words(raw);
        assert!(!words.contains("/root/.cargo"), "{words}");
        assert!(
            words.starts_with(
                "winit EventLoopError: os error: Failed to open connection to X server"
            ),
            "{words}"
        );
    }
}
