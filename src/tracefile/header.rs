//! The header line: what a trace file is, and which lesson (if any) it records.

use super::{FORMAT, FileError, VERSION};
use crate::executor::Policy;
use crate::lessons::Lesson;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The first line of a trace file: the lesson the trace records, so a viewer can show its
/// code and explanation without the lesson being built in (or still the same).
///
/// Every field is optional: a trace of the user's own futures has no lesson.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The lesson's id (`remote`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lesson: Option<String>,
    /// The policy the run used, as `waker` or `busy`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "policy_out",
        deserialize_with = "policy_in"
    )]
    pub policy: Option<Policy>,
    /// The lesson's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The lesson's file as the compiler names it (the `file` of its await points).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The lesson's Rust source text, so await points map to lines of the code that ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The Python the original experiment would have written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python: Option<String>,
}

impl Header {
    /// The header for a run of a built-in lesson under `policy`.
    pub fn for_lesson(lesson: &Lesson, policy: Policy) -> Header {
        Header {
            lesson: Some(lesson.id.to_owned()),
            policy: Some(policy),
            title: Some(lesson.title.to_owned()),
            file: Some(lesson.file.to_owned()),
            source: Some(lesson.source.to_owned()),
            python: Some(lesson.python.to_owned()),
        }
    }

    /// The header for a run of the user's own futures: only the policy is known.
    pub fn for_policy(policy: Policy) -> Header {
        Header {
            policy: Some(policy),
            ..Header::default()
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
/// trying to understand the rest.
#[derive(Serialize)]
struct Wire<'a> {
    format: &'static str,
    version: u32,
    #[serde(flatten)]
    header: &'a Header,
}

/// The header line, without its newline.
pub(super) fn encode(header: &Header) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(&Wire {
        format: FORMAT,
        version: VERSION,
        header,
    })
}

/// Reads line 1. Checks identity before version, and version before anything else, so a
/// newer file is refused for being newer, not for some field this version has not heard of.
pub(super) fn decode(line: &[u8]) -> Result<Header, FileError> {
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
    Header::deserialize(&value).map_err(|e| FileError::from_json(1, &e))
}
