//! What a click or a key asks for. Panels return actions; the app applies them after the
//! frame is laid out, so no panel mutates shared state mid-frame.

use crate::executor::Policy;
use crate::lens::Lens;
use crate::trace::TaskId;

/// One user intent.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Poll one task once.
    Step,
    /// Run until the focused task has been polled once more.
    StepTask,
    /// Run until a thread wakes a task.
    RunToThreadWake,
    /// Put a breakpoint on this line of this file, or take it away.
    ToggleBreakpoint {
        /// The file as the compiler names it.
        file: String,
        /// 1-based line.
        line: u32,
    },
    /// Toggle a breakpoint on the line the focused task is suspended at.
    ToggleBreakpointHere,
    /// Remove every breakpoint.
    ClearBreakpoints,
    /// Show the whole source file, or only the region the lesson marks.
    ToggleWholeFile,
    /// Show this tab of the folded side panel.
    ShowTab(super::view::SideTab),
    /// Start or pause a continuous run.
    ToggleRun,
    /// Polls per second for runs; `None` is as fast as possible.
    SetSpeed(Option<f32>),
    /// Start the current program again, with fresh futures.
    Reset,
    /// Switch to the program at this index of the catalog (resets).
    SelectProgram(usize),
    /// Switch policy (resets).
    SetPolicy(Policy),
    /// Turn the stepped tokio run on or off (resets).
    ToggleTokioStepped,
    /// The trace limit, in events: at the limit the run pauses.
    SetTraceLimit(usize),
    /// Rust or Python words.
    SetLens(Lens),
    /// Flip the lens.
    ToggleLens,
    /// Presenter mode on/off.
    TogglePresenter,
    /// Dark/light theme.
    ToggleTheme,
    /// Multiply the zoom by this factor; `None` resets it to 100 %.
    Zoom(Option<f32>),
    /// Focus the panels on a task (or none).
    SelectTask(Option<TaskId>),
    /// Select the previous (-1) or next (+1) task.
    MoveSelection(i32),
    /// Show only this task's events (or the program's output) in the log, or all.
    FilterLog(Option<super::task_index::Follow>),
    /// Show the program's output in the log (bringing its tab forward), or every event again.
    ToggleOutput,
    /// Show or hide the keyboard help.
    ToggleHelp,
    /// Show or hide the timing panel.
    ToggleTiming,
    /// Show or hide the timeline of tasks and threads.
    ToggleTimeline,
    /// Show or hide the Stage: the executor's queue, poll and parked tasks drawn.
    ToggleStage,
    /// Cards on the Stage glide to their new place, or jump there.
    ToggleReducedMotion,
    /// Start a timing run.
    StartTiming(super::timing::TimingRequest),
    /// Stop the timing run.
    StopTiming,
    /// Ask where to save the timing chart as SVG.
    AskSaveTimingSvg,
    /// Save the timing chart (round totals and the latest Gantt) as SVG here.
    SaveTimingSvg(std::path::PathBuf),
    /// Put every request of the timing run on the clipboard as CSV.
    CopyTimingCsv,
    /// Show the state after this many events (`None`: live).
    ScrubTo(Option<usize>),
    /// Move the scrubber by this many events.
    ScrubBy(i64),
    /// Rewind to just after event `index` and focus its task (a click in the log).
    FocusEvent {
        /// The event's index.
        index: usize,
        /// Its task.
        task: Option<crate::trace::TaskId>,
    },
    /// Show the save dialog.
    AskSave,
    /// Show the open dialog.
    AskOpen,
    /// Close the file dialog.
    CloseDialog,
    /// Save the current run here.
    SaveTrace(std::path::PathBuf),
    /// Load a trace file and show it (nothing runs).
    OpenTrace(std::path::PathBuf),
}
