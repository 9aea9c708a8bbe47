//! The event trace: compact events, interned strings, and state rebuilt from events at any index.

mod event;
mod log;
mod point;
mod state;
mod timeline;

pub use event::{
    Event, EventKind, PointId, PollResult, Sym, TaskId, ThreadNo, ThreadOutcome, WakeSource,
};
pub use log::{Recorder, Stamp, Trace, TraceBuilder};
pub use point::{AwaitPoint, Point, Site};
pub use state::{State, TaskState, TaskView, ThreadView};
pub use timeline::Timeline;
