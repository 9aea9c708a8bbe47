//! The header line: what a trace file is, and which program (if any) it records.

use super::{FORMAT, FileError, VERSION};
use crate::coro::Layout;
use crate::executor::Policy;
use crate::program::{ProgramInfo, SourceFile};
use crate::trace::{EventKind, Sym, Trace};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The first line of a trace file: the policy and the program the trace records, with
/// its title, explanation and source text, so a viewer can show its code and words without
/// the program being built in (or still the same).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The policy the run used, as `waker` or `busy`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "policy_out",
        deserialize_with = "policy_in"
    )]
    pub policy: Option<Policy>,
    /// The program that ran, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<ProgramInfo>,
    /// The compiler's layouts of the futures the trace's `coro_state` events name (from
    /// the binary's debug info), so a saved trace shows its state machines anywhere.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layouts: Vec<Layout>,
    /// What loading the file found wrong without refusing it (an old format that cannot
    /// prove it is complete, strings cut): for the status bar and stderr. Never written.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

impl Header {
    /// The header for a run of `program` under `policy`.
    pub fn for_program(program: ProgramInfo, policy: Policy) -> Header {
        Header {
            policy: Some(policy),
            program: Some(program),
            layouts: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The header for a run of futures of no program: only the policy is known.
    pub fn for_policy(policy: Policy) -> Header {
        Header {
            policy: Some(policy),
            program: None,
            layouts: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The same header, with the layouts of the futures `trace` names.
    pub fn with_layouts_of(mut self, trace: &crate::trace::Trace) -> Header {
        self.layouts = layouts_in(trace);
        self
    }

    /// The program's id, if the header names one.
    pub fn program_id(&self) -> Option<&str> {
        self.program
            .as_ref()
            .map(|p| p.id.as_str())
            .filter(|id| !id.is_empty())
    }
}

/// Version 1's header: one lesson file and its text, side by side with the policy.
#[derive(Deserialize)]
struct HeaderV1 {
    #[serde(default, deserialize_with = "policy_in")]
    policy: Option<Policy>,
    lesson: Option<String>,
    title: Option<String>,
    file: Option<String>,
    source: Option<String>,
    python: Option<String>,
}

impl From<HeaderV1> for Header {
    fn from(v1: HeaderV1) -> Header {
        let known = v1.lesson.is_some() || v1.title.is_some() || v1.file.is_some();
        let program = known.then(|| ProgramInfo {
            id: v1.lesson.unwrap_or_default(),
            title: v1.title.unwrap_or_default(),
            sources: v1
                .file
                .map(|file| SourceFile {
                    file,
                    text: v1.source,
                })
                .into_iter()
                .collect(),
            python: v1.python,
            ..ProgramInfo::default()
        });
        Header {
            policy: v1.policy,
            program,
            layouts: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

fn policy_out<S: Serializer>(policy: &Option<Policy>, s: S) -> Result<S::Ok, S::Error> {
    match policy {
        Some(p) => s.serialize_str(p.word()),
        None => s.serialize_none(),
    }
}

fn policy_in<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Policy>, D::Error> {
    match Option::<String>::deserialize(d)? {
        Some(word) => word.parse().map(Some).map_err(serde::de::Error::custom),
        None => Ok(None),
    }
}

/// The header as written: format and version first, so a reader can refuse a file before
/// trying to understand the rest; then the number of events that follow.
#[derive(Serialize)]
struct Wire<'a> {
    format: &'static str,
    version: u32,
    events: u64,
    #[serde(flatten)]
    header: &'a Header,
}

/// The line after the last event: proof the writer finished.
#[derive(Serialize, Deserialize)]
struct End {
    end: String,
    events: u64,
}

/// The header line, without its newline.
pub(super) fn encode(header: &Header, events: u64) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(&Wire {
        format: FORMAT,
        version: VERSION,
        events,
        header,
    })
}

/// The end line, without its newline: `{"end":"pollscope-trace","events":N}`.
pub(super) fn end_line(events: u64) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(&End {
        end: FORMAT.to_owned(),
        events,
    })
}

/// The event count of an end line, or `None` if `text` is not one (events have no `end`).
pub(super) fn parse_end(line: usize, text: &[u8]) -> Result<Option<u64>, FileError> {
    if !text.starts_with(b"{\"end\"") {
        return Ok(None);
    }
    let end: End = serde_json::from_slice(text).map_err(|e| FileError::from_json(line, &e))?;
    if end.end != FORMAT {
        return Err(FileError::invalid(
            line,
            format!("field `end` is {:?}: expected {FORMAT:?}", end.end),
        ));
    }
    Ok(Some(end.events))
}

/// Reads line 1: the header, and the number of events that follow (from version 3 on).
/// Checks identity before version, and version before anything else, so a newer file is
/// refused for being newer, not for some field this version has not heard of.
pub(super) fn decode(line: &[u8]) -> Result<(Header, Option<u64>), FileError> {
    let value: serde_json::Value = serde_json::from_slice(line).map_err(|e| {
        // A header cut short is still recognisably ours: say where it breaks.
        if line.windows(FORMAT.len()).any(|w| w == FORMAT.as_bytes()) {
            FileError::from_json(1, &e)
        } else {
            FileError::NotATrace
        }
    })?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(FileError::NotATrace);
    }
    let version = value
        .get("version")
        .and_then(|v| v.as_u64())
        .filter(|&v| v > 0)
        .ok_or_else(|| FileError::invalid(1, "field `version` must be a positive integer"))?;
    if version > u64::from(VERSION) {
        return Err(FileError::TooNew { version });
    }
    let events = if version >= 3 {
        let events = value
            .get("events")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| {
                FileError::invalid(1, "field `events` must be the number of events that follow")
            })?;
        Some(events)
    } else {
        None
    };
    let header = if version == 1 {
        HeaderV1::deserialize(&value).map(Header::from)
    } else {
        Header::deserialize(&value)
    };
    header
        .map(|h| (h, events))
        .map_err(|e| FileError::from_json(1, &e))
}

/// The layouts of the futures `trace`'s `coro_state` events name, from the running
/// binary's index (none if it is not built): what a trace file carries so its state
/// machines show without the binary.
fn layouts_in(trace: &Trace) -> Vec<Layout> {
    let Some(index) = crate::coro::ready() else {
        return Vec::new();
    };
    let mut futures: Vec<Sym> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::CoroState { future, .. } => Some(future),
            _ => None,
        })
        .collect();
    futures.sort();
    futures.dedup();
    futures
        .into_iter()
        .filter_map(|f| index.layout(trace.str(f)).map(|l| Layout::clone(&l)))
        .collect()
}
