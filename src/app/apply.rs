//! What each [`Action`] does to the app: the one place the app's state changes in
//! answer to a click or a key, after the frame is laid out.

use super::action::Action;
use super::state::PollscopeApp;
use super::{files, timing};
use crate::lens::Lens;
use crate::program::{ProgramInfo, Sources};
use crate::session::{Command, Speed};
use crate::trace::{History, TaskId, Trace};
use crate::tracefile::{self, Header};
use std::path::{Path, PathBuf};
use std::time::Duration;

impl PollscopeApp {
    /// Starts the current program afresh (leaving a loaded trace), as Reset, a new
    /// program or policy, and a new app do.
    pub(super) fn reset(&mut self) {
        self.selected = None;
        self.message = None;
        self.go_live();
        if self.loaded.take().is_some() {
            // Leaving a loaded trace: the live run's events come back from the start.
            self.history = History::new();
        }
        self.layouts.clear();
        let program = &self.catalog[self.current];
        // Read afresh: a reset after editing the code shows the code as it is now.
        self.info = program.info().clone();
        self.sources = Sources::of(&self.info);
        #[cfg(feature = "tokio")]
        let program = &if program.uses_tokio() {
            program.clone().stepped(self.settings.tokio_stepped)
        } else {
            program.clone()
        };
        if let Some(session) = &self.session {
            session.send(Command::Reset {
                program: program.clone(),
                policy: self.settings.policy(),
                urls: Vec::new(),
                limit: self.trace_limit(),
            });
        }
        self.send_breakpoints();
        #[cfg(unix)]
        self.tell_twin(super::twin::TwinOrder::Reset);
    }

    fn speed(&self) -> Speed {
        match self.settings.speed {
            Some(n) => Speed::PerSecond(f64::from(n)),
            None => Speed::Max,
        }
    }

    /// Carries out one action, as the frame does after layout.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::Step | Action::ToggleRun if self.loaded.is_some() => {
                self.message = Some(
                    "this is a loaded trace: nothing runs; press R to run the program live".into(),
                );
            }
            Action::Step => {
                self.go_live();
                self.message = None;
                self.send(Command::Step);
                #[cfg(unix)]
                self.tell_twin(super::twin::TwinOrder::Step);
            }
            Action::StepTask | Action::RunToThreadWake if self.loaded.is_some() => {
                self.message = Some(
                    "this is a loaded trace: nothing runs; press R to run the program live".into(),
                );
            }
            Action::StepTask => {
                self.go_live();
                let view = self.view(self.history.live(), 0);
                let task = view
                    .focus()
                    .filter(|t| !t.state.is_finished())
                    .map(|t| t.id);
                match task {
                    Some(task) => {
                        self.message = None;
                        self.status.running = true;
                        self.send(Command::StepTask(task));
                    }
                    None => self.message = Some("no unfinished task to step".into()),
                }
            }
            Action::RunToThreadWake => {
                self.go_live();
                self.message = None;
                self.status.running = true;
                self.send(Command::RunToThreadWake);
            }
            Action::ToggleBreakpoint { file, line } => self.toggle_breakpoint(file, line),
            Action::ToggleBreakpointHere => match self.highlighted() {
                Some((file, line)) => self.toggle_breakpoint(file, line),
                None => {
                    self.message =
                        Some("no await line to break on: select a suspended task".into());
                }
            },
            Action::ClearBreakpoints => {
                self.settings.breakpoints.clear();
                self.send_breakpoints();
            }
            Action::ToggleWholeFile => self.source.whole_file = !self.source.whole_file,
            Action::ShowTab(tab) => self.side_tab = tab,
            Action::ToggleRun => {
                self.go_live();
                let command = if self.status.running {
                    Command::Pause
                } else {
                    Command::Run(self.speed())
                };
                #[cfg(unix)]
                self.tell_twin(if self.status.running {
                    super::twin::TwinOrder::Pause
                } else {
                    super::twin::TwinOrder::Run
                });
                // Shown at once; the executor thread confirms on its next report.
                self.status.running = !self.status.running;
                self.send(command);
            }
            Action::SetSpeed(speed) => {
                self.settings.speed = speed.map(|s| s.clamp(0.5, 1000.0));
                if self.status.running {
                    self.send(Command::Run(self.speed()));
                    #[cfg(unix)]
                    self.tell_twin(super::twin::TwinOrder::Run);
                }
            }
            Action::Reset => self.reset(),
            Action::SelectProgram(index) => {
                if let Some(program) = self.catalog.get(index) {
                    self.settings.lesson = program.id().to_owned();
                    self.current = index;
                    self.reset();
                }
            }
            Action::ToggleTokioStepped => {
                self.settings.tokio_stepped = !self.settings.tokio_stepped;
                self.reset();
            }
            Action::SetPolicy(policy) => {
                self.settings.policy = policy.word().to_owned();
                self.reset();
            }
            Action::SetLens(lens) => self.settings.lens = lens.word().to_owned(),
            Action::SetTraceLimit(events) => {
                self.settings.trace_limit = Some(events.max(1));
                self.send(Command::Limit(self.trace_limit()));
            }
            Action::ToggleLens => {
                let lens = match self.settings.lens() {
                    Lens::Rust => Lens::Python,
                    Lens::Python => Lens::Rust,
                };
                self.settings.lens = lens.word().to_owned();
            }
            Action::TogglePresenter => {
                self.settings.presenter = !self.settings.presenter;
                self.style_dirty = true;
            }
            Action::ToggleTheme => {
                self.settings.dark = !self.settings.dark;
                self.style_dirty = true;
            }
            Action::Zoom(factor) => {
                self.settings.zoom = match factor {
                    Some(f) => (self.settings.zoom() * f).clamp(0.5, 3.0),
                    None => 1.0,
                };
                self.style_dirty = true;
            }
            Action::SelectTask(task) => self.selected = task,
            Action::MoveSelection(delta) => {
                // Up and Down follow the table's rows: children under their parents.
                let order = self.history.live().tree_order();
                let n = order.len() as i64;
                if n > 0 {
                    let current = self
                        .selected
                        .and_then(|t| order.iter().position(|&(i, _)| i == t.0 as usize))
                        .map_or(-1, |row| row as i64);
                    let next = (current + i64::from(delta)).clamp(0, n - 1);
                    self.selected = Some(TaskId(order[next as usize].0 as u32));
                }
            }
            Action::FilterLog(task) => self.log.set_filter(task),
            Action::ToggleOutput => {
                let output = Some(super::task_index::Follow::Output);
                let filter = if self.log.filter() == output {
                    None
                } else {
                    self.side_tab = super::SideTab::Log;
                    output
                };
                self.log.set_filter(filter);
            }
            Action::ToggleHelp => self.help_open = !self.help_open,
            Action::ToggleTiming => self.timing_open = !self.timing_open,
            Action::ToggleTimeline => self.settings.timeline = !self.settings.timeline,
            Action::ToggleStage => self.settings.stage = !self.settings.stage,
            Action::ToggleReducedMotion => {
                self.settings.reduced_motion = !self.settings.reduced_motion;
            }
            Action::StartTiming(request) => self.start_timing(request),
            Action::ScrubTo(index) => {
                self.cursor = index.filter(|&i| i < self.history.len());
            }
            Action::FocusEvent { index, task } => {
                self.cursor = (index + 1 < self.history.len()).then_some(index + 1);
                if task.is_some() {
                    self.selected = task;
                }
            }
            Action::ScrubBy(delta) => {
                let len = self.history.len() as i64;
                let at = self.cursor.map_or(len, |c| c as i64) + delta;
                self.cursor = (at < len).then_some(at.max(0) as usize);
            }
            Action::AskSave => {
                let name = format!("pollscope-{}.jsonl", self.info.id);
                self.dialog = files::FileDialog::Save(name);
            }
            Action::AskOpen => self.dialog = files::FileDialog::Open(String::new()),
            Action::CloseDialog => self.dialog = files::FileDialog::Closed,
            Action::SaveTrace(path) => self.save(&path),
            Action::OpenTrace(path) => self.open(&path),
            Action::StopTiming => {
                if let Some(run) = &self.timing_run {
                    run.stop();
                }
            }
            Action::AskSaveTimingSvg => {
                self.dialog = files::FileDialog::SaveSvg("pollscope-timing.svg".to_owned());
            }
            Action::SaveTimingSvg(path) => self.save_timing_svg(&path),
            Action::CopyTimingCsv => {
                if let Some(run) = &self.timing_run {
                    let report = crate::timing::Report::new(run.completed());
                    let rows = report
                        .rounds
                        .iter()
                        .map(|r| r.requests.len())
                        .sum::<usize>();
                    if let Some(ctx) = &self.repaint {
                        ctx.copy_text(crate::timing::csv(&report));
                    }
                    self.message = Some(format!("copied {rows} requests as CSV"));
                }
            }
        }
    }

    fn toggle_breakpoint(&mut self, file: String, line: u32) {
        let breakpoints = &mut self.settings.breakpoints;
        match breakpoints
            .iter()
            .position(|(f, l)| *f == file && *l == line)
        {
            Some(i) => {
                breakpoints.remove(i);
            }
            None => {
                breakpoints.push((file, line));
                breakpoints.sort();
            }
        }
        self.send_breakpoints();
    }

    fn send_breakpoints(&self) {
        self.send(Command::Breakpoints(self.settings.breakpoints.clone()));
    }

    fn start_timing(&mut self, request: timing::TimingRequest) {
        let timeout = Duration::from_secs_f64(request.timeout_s.clamp(0.1, 120.0));
        let config = crate::timing::TimingConfig {
            targets: Vec::new(),
            rounds: request.rounds.max(1),
            fetch: crate::http::FetchConfig {
                connect_timeout: timeout,
                response_timeout: timeout,
                body_timeout: timeout,
                ..Default::default()
            },
            extra_modes: false,
            connections: request.connections,
        };
        let repaint = self.repaint.clone();
        self.timing_run = Some(crate::timing::Background::start(
            request.targets,
            config,
            move || {
                if let Some(ctx) = &repaint {
                    ctx.request_repaint();
                }
            },
        ));
    }

    fn save_timing_svg(&mut self, path: &Path) {
        let Some(run) = &self.timing_run else {
            self.message = Some("no timing run to save: start one in the Timing panel".into());
            return;
        };
        let report = crate::timing::Report::new(run.completed());
        let latest = run.latest().map(|(_, spans)| spans).unwrap_or_default();
        let written = crate::timing::svg(&report, &latest, run.connections)
            .map_err(|e| e.to_string())
            .and_then(|svg| {
                tracefile::write_atomically(path, |out| {
                    use std::io::Write;
                    out.write_all(svg.as_bytes())
                })
                .map_err(|e| e.to_string())
            });
        self.message = Some(match written {
            Ok(()) => {
                self.dialog = files::FileDialog::Closed;
                format!("saved the timing chart to {}", path.display())
            }
            Err(e) => format!("could not save the chart: {e}"),
        });
    }

    fn go_live(&mut self) {
        self.cursor = None;
        self.scrubbed = None;
    }

    fn save(&mut self, path: &Path) {
        let header = match &self.loaded {
            Some((_, header)) => header.clone(),
            None => {
                let info = ProgramInfo {
                    sources: self.sources.to_files(),
                    ..self.info.clone()
                };
                Header::for_program(info, self.settings.policy())
                    .with_layouts_of(self.history.trace())
            }
        };
        self.message = Some(match tracefile::save(path, &header, self.history.trace()) {
            Ok(()) => {
                self.dialog = files::FileDialog::Closed;
                format!("saved {} events to {}", self.history.len(), path.display())
            }
            Err(e) => format!("could not save: {e}"),
        });
    }

    fn open(&mut self, path: &Path) {
        match tracefile::load(path) {
            Ok((header, trace)) => self.show_loaded(path.to_owned(), header, trace),
            Err(e) => self.message = Some(format!("could not open: {e}")),
        }
    }

    /// Shows a loaded trace; the live lesson pauses behind it.
    pub fn show_loaded(&mut self, path: PathBuf, header: Header, trace: Trace) {
        self.send(Command::Pause);
        self.status.running = false;
        if let Some(index) = header
            .program_id()
            .and_then(|id| self.catalog.iter().position(|p| p.id() == id))
        {
            self.current = index;
        }
        // The trace shows the code that ran, as its header carries it.
        self.info = header.program.clone().unwrap_or_else(|| ProgramInfo {
            id: "trace".to_owned(),
            title: format!("Trace {}", path.display()),
            ..ProgramInfo::default()
        });
        self.sources = Sources::carried(&self.info);
        self.sources.discover(&trace);
        self.layouts = header
            .layouts
            .iter()
            .cloned()
            .map(std::sync::Arc::new)
            .collect();
        self.history = History::from_trace(trace);
        self.message = Some(if header.warnings.is_empty() {
            format!(
                "opened {} ({} events): nothing runs; Left and Right rewind, R runs the \
                 program live",
                path.display(),
                self.history.len()
            )
        } else {
            // A warning outranks the usual hint: the user should know what they are seeing.
            format!(
                "opened {} ({} events); warning: {}",
                path.display(),
                self.history.len(),
                header.warnings.join("; ")
            )
        });
        self.loaded = Some((path, header));
        self.dialog = files::FileDialog::Closed;
        self.selected = None;
        self.go_live();
        self.log.clear();
        self.machine.clear();
        self.source.clear();
    }
}
