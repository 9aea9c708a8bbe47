//! The event trace: compact events, interned strings, and state rebuilt from events at any index.

mod builder;
mod cap;
mod data;
mod event;
pub(crate) mod foreign;
mod gate;
pub mod held;
mod history;
mod log;
mod point;
mod reading;
mod recorder;
mod state;

pub use builder::TraceBuilder;
pub use cap::{NAME_CAP, VALUE_CAP, cap};
pub use data::{Trace, TraceDelta};
pub use event::{
    Event, EventKind, ExecThread, PointId, PollResult, Sym, TaskId, ThreadNo, ThreadOutcome,
    WakeSource,
};
pub use gate::Gate;
pub use held::{Held, Holder};
pub use history::History;
pub use log::{FOREIGN_NOTE, FOREIGN_VALUE, ForeignPolled, Log, Stamp};
pub use point::{AwaitPoint, Point, Site};
pub use reading::{Damage, Fact, PollDemand, Reading, Suspension, Wake, coro_at};
#[cfg(all(feature = "tokio", tokio_unstable))]
pub(crate) use recorder::ForeignParent;
pub use recorder::Recorder;
pub(crate) use recorder::{ForeignKind, ForeignWaker, this_thread_name};
pub use state::{CoroFrame, State, TaskState, TaskView, ThreadView};
