//! Latency profiles: which pages the demo server offers, how long each takes
//! and how big it is.

use std::{fmt, io};

use serde::{Deserialize, Serialize};
use toml::Spanned;

/// Longest latency a page may have; longer waits make a lecture demo stall.
pub const MAX_LATENCY_MS: u64 = 60_000;

/// Largest page size a profile may ask for (1 GiB).
pub const MAX_PAGE_SIZE: u64 = 1 << 30;

/// The most pages a profile may have: the concurrent modes fetch every page on a thread of
/// its own, and a client fetching thousands at once measures its own thread starts.
pub const MAX_PAGES: usize = 1024;

/// The longest page name, in bytes: it is a path segment and a label on every chart.
pub const MAX_NAME_LEN: usize = 128;

/// Built-in profiles, embedded so `pollscope` works without any files on disk.
const BUILTINS: &[(&str, &str)] = &[
    ("seed", include_str!("../../assets/profiles/seed.toml")),
    ("wide", include_str!("../../assets/profiles/wide.toml")),
];

const BUILTIN_NAMES: &[&str] = &["seed", "wide"];

/// One page served under `/page/<name>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageSpec {
    /// URL-safe name (letters, digits, `.`, `-`, `_`).
    pub name: String,
    /// How long the server waits before answering.
    pub latency_ms: u64,
    /// Exact body size in bytes.
    pub size: u64,
}

/// A named set of pages with fixed latencies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Profile {
    /// Profile name, e.g. `seed`.
    pub name: String,
    /// Pages in the order the profile lists them.
    pub pages: Vec<PageSpec>,
}

/// Why a profile could not be loaded.
#[derive(Debug)]
#[non_exhaustive]
pub enum ProfileError {
    /// The argument is not a built-in profile name and the file cannot be read.
    Io {
        /// The path that was tried.
        path: String,
        /// The underlying error.
        source: io::Error,
    },
    /// The text is not valid TOML or does not have the profile's shape.
    Parse {
        /// File name or other description of where the text came from.
        origin: String,
        /// 1-based line of the error (1 if the parser gave no position).
        line: usize,
        /// 1-based column (in characters) of the error.
        column: usize,
        /// What the TOML parser said.
        message: String,
    },
    /// The profile parsed but breaks a rule (duplicate names, too slow, ...).
    Invalid {
        /// File name or other description of where the text came from.
        origin: String,
        /// 1-based line of the offending value, when known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProfileError::Io { path, source } if source.kind() == io::ErrorKind::NotFound => {
                write!(
                    f,
                    "profile {path}: no such file and no built-in profile of that name \
                     (built-in: {})",
                    BUILTIN_NAMES.join(", ")
                )
            }
            ProfileError::Io { path, source } => write!(f, "profile {path}: {source}"),
            ProfileError::Parse {
                origin,
                line,
                column,
                message,
            } => write!(
                f,
                "profile {origin} line {line}, column {column}: {}",
                message.trim_end()
            ),
            ProfileError::Invalid {
                origin,
                line: Some(line),
                message,
            } => write!(f, "profile {origin} line {line}: {message}"),
            ProfileError::Invalid {
                origin,
                line: None,
                message,
            } => write!(f, "profile {origin}: {message}"),
        }
    }
}

impl std::error::Error for ProfileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProfileError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The TOML shape; spans are kept so validation errors can name a line.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: Spanned<String>,
    #[serde(default)]
    page: Vec<RawPage>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPage {
    name: Spanned<String>,
    latency_ms: Spanned<u64>,
    size: Spanned<u64>,
}

impl Profile {
    /// Names accepted by [`Profile::builtin`].
    pub fn builtin_names() -> &'static [&'static str] {
        BUILTIN_NAMES
    }

    /// A profile compiled into the binary, by name (`seed`, `wide`).
    pub fn builtin(name: &str) -> Option<Profile> {
        let (_, text) = BUILTINS.iter().find(|(n, _)| *n == name)?;
        // Embedded profiles are checked by the test suite, so `ok()` only
        // hides errors that cannot ship.
        Profile::from_toml_str(text, &format!("builtin {name}")).ok()
    }

    /// A built-in profile if `name_or_path` names one, else the TOML file at that path.
    pub fn load(name_or_path: &str) -> Result<Profile, ProfileError> {
        if let Some(profile) = Profile::builtin(name_or_path) {
            return Ok(profile);
        }
        let text = std::fs::read_to_string(name_or_path).map_err(|source| ProfileError::Io {
            path: name_or_path.to_string(),
            source,
        })?;
        Profile::from_toml_str(&text, name_or_path)
    }

    /// Parses and validates a profile; `origin` only appears in error messages.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Profile, ProfileError> {
        let raw: RawProfile = toml::from_str(text).map_err(|e| {
            let (line, column) = line_col(text, e.span().map_or(0, |s| s.start));
            ProfileError::Parse {
                origin: origin.to_string(),
                line,
                column,
                message: e.message().to_string(),
            }
        })?;
        let invalid =
            |span: Option<std::ops::Range<usize>>, message: String| ProfileError::Invalid {
                origin: origin.to_string(),
                line: span.map(|s| line_col(text, s.start).0),
                message,
            };

        if raw.name.get_ref().trim().is_empty() {
            return Err(invalid(Some(raw.name.span()), "name is empty".into()));
        }
        if raw.page.is_empty() {
            return Err(invalid(None, "no pages: add at least one [[page]]".into()));
        }
        if raw.page.len() > MAX_PAGES {
            return Err(invalid(
                None,
                format!(
                    "{} pages: at most {MAX_PAGES} (the concurrent modes fetch every page on \
                     a thread of its own)",
                    raw.page.len()
                ),
            ));
        }
        let mut pages: Vec<PageSpec> = Vec::with_capacity(raw.page.len());
        let mut names = std::collections::HashSet::with_capacity(raw.page.len());
        for page in raw.page {
            let name = page.name.get_ref();
            if let Some(why) = name_problem(name) {
                // A name long enough to be refused is too long to repeat whole.
                let shown = &name[..name.floor_char_boundary(MAX_NAME_LEN)];
                let more = if shown.len() < name.len() { "…" } else { "" };
                return Err(invalid(
                    Some(page.name.span()),
                    format!("page name {shown:?}{more} {why}"),
                ));
            }
            if !names.insert(name.clone()) {
                return Err(invalid(
                    Some(page.name.span()),
                    format!("duplicate page name {name:?}"),
                ));
            }
            if *page.latency_ms.get_ref() > MAX_LATENCY_MS {
                return Err(invalid(
                    Some(page.latency_ms.span()),
                    format!("page {name:?}: latency_ms over the maximum of {MAX_LATENCY_MS}"),
                ));
            }
            if *page.size.get_ref() > MAX_PAGE_SIZE {
                return Err(invalid(
                    Some(page.size.span()),
                    format!("page {name:?}: size over the maximum of {MAX_PAGE_SIZE} bytes"),
                ));
            }
            pages.push(PageSpec {
                name: page.name.into_inner(),
                latency_ms: page.latency_ms.into_inner(),
                size: page.size.into_inner(),
            });
        }
        Ok(Profile {
            name: raw.name.into_inner(),
            pages,
        })
    }

    /// The page called `name`, if the profile has one.
    pub fn page(&self, name: &str) -> Option<&PageSpec> {
        self.pages.iter().find(|p| p.name == name)
    }

    /// Sum of all page sizes in bytes.
    pub fn total_size(&self) -> u64 {
        self.pages.iter().map(|p| p.size).sum()
    }
}

/// Why `name` cannot appear in a URL path segment unescaped, if it cannot.
fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("is empty")
    } else if name.len() > MAX_NAME_LEN {
        Some("is longer than 128 bytes")
    } else if name == "." || name == ".." {
        Some("is a path traversal")
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        Some("may only use letters, digits, '.', '-' and '_'")
    } else {
        None
    }
}

/// 1-based line and character column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}
