//! What a program says about itself: the part of a [`Program`](super::Program) that a
//! trace file's header carries, so a saved run shows its code and words anywhere.

use serde::{Deserialize, Serialize};

/// A program's description: no code to run, only what the app and the CLI show.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramInfo {
    /// Short id (`remote`, `my-demo`).
    pub id: String,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// What happens and why, in plain words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    /// Which experiment of the original a lesson reproduces (`"1–2"`), or its teaching point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// What the run should end with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// The source files to show, in order. A file without text is read at run time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceFile>,
    /// The Python the original experiment would have written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python: Option<String>,
    /// Labels of the `.at(..)` points the code declares, in source order (empty: the
    /// points are whatever the run meets).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub points: Vec<String>,
}

/// One source file of a program.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    /// The path as the compiler recorded it (`src/main.rs`): the `file` of await points.
    pub file: String,
    /// Its text, when known without reading the file (built in, or from a trace file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl ProgramInfo {
    /// The title, or the id when there is none.
    pub fn display_title(&self) -> &str {
        if self.title.is_empty() {
            &self.id
        } else {
            &self.title
        }
    }

    /// Adds `file` to the sources unless it is there already.
    pub(crate) fn add_source(&mut self, file: &str, text: Option<String>) {
        if let Some(known) = self.sources.iter_mut().find(|s| s.file == file) {
            if known.text.is_none() {
                known.text = text;
            }
        } else {
            self.sources.push(SourceFile {
                file: file.to_owned(),
                text,
            });
        }
    }

    /// The declared await points, each with the file and line its `.at("label")` is
    /// written on, found in the sources whose text is known.
    pub fn declared_points(&self) -> Vec<(&str, Option<(&str, u32)>)> {
        self.points
            .iter()
            .map(|label| {
                let needle = format!(".at(\"{label}\")");
                let at = self.sources.iter().find_map(|s| {
                    let text = s.text.as_deref()?;
                    let line = text.lines().position(|l| l.contains(&needle))?;
                    Some((s.file.as_str(), line as u32 + 1))
                });
                (label.as_str(), at)
            })
            .collect()
    }
}
