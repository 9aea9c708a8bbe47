//! The desktop app: a thin layer of egui panels over the core. Every panel is a function
//! of the state rebuilt from the trace; panels keep only view state, and clicks come back
//! as [`Action`]s applied after the frame is laid out.
//!
//! The app itself, one concept a file:
//! - `startup.rs`: opening the window ([`run`], [`show`], [`Startup`]);
//! - `view.rs`: what a panel may read each frame ([`View`]) and how the side panels fold
//!   ([`WIDE_LAYOUT`], [`SideTab`]);
//! - `state.rs`: [`PollscopeApp`], its constructors and what tests read of it;
//! - `apply.rs`: what each [`Action`] does to it ([`PollscopeApp::apply`]);
//! - `frame.rs`: one frame's layout ([`PollscopeApp::show`]) and the `eframe::App` glue.
//!
//! The rest are the panels (`tasks.rs`, `source.rs`, `event_log.rs`, [`timeline`], ...),
//! each a function from a [`View`] to the [`Action`]s it was asked for, and their helpers
//! (`action.rs`, [`Settings`], `keys.rs`, `files.rs`, `style.rs`); [`frame_bench`] times a
//! frame for `pollscope bench frame`.

mod action;
mod apply;
mod event_log;
mod files;
mod frame;
pub mod frame_bench;
mod help;
mod keys;
mod scrubber;
mod settings;
mod source;
mod stage;
mod startup;
mod state;
mod state_machine;
mod status_bar;
mod style;
mod task_index;
mod tasks;
mod threads;
pub mod timeline;
mod timing;
mod toolbar;
#[cfg(unix)]
mod twin;
mod view;

pub use action::Action;
pub use settings::Settings;
pub use startup::{AppError, Startup, catalog, check_display, run, show};
pub use state::PollscopeApp;
pub use view::{SideTab, View, WIDE_LAYOUT};
