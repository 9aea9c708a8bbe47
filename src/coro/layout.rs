//! What a coroutine's layout says, for people and for trace files: its states with their
//! source lines, the locals each state holds across its await, and what it awaits.

use serde::{Deserialize, Serialize};

/// The state machine rustc generated for one `async fn` or `async` block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// The future, by its path: `a::inner` for `async fn inner` in crate `a`,
    /// `a::build::{async_block#0}` for the first `async` block in `fn build`.
    pub future: String,
    /// The future's size in bytes.
    pub size: u64,
    /// Its states in discriminant order: `Unresumed`, `Returned`, `Panicked`, then one
    /// `SuspendN` per `.await`.
    pub states: Vec<StateLayout>,
}

/// One state of a coroutine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateLayout {
    /// `Unresumed`, `Returned`, `Panicked` or `SuspendN`.
    pub name: String,
    /// The source file, relative to the crate root where it can be (as `file!()` gives it).
    pub file: String,
    /// The line: the fn's for `Unresumed`, the `.await`'s for `SuspendN`, the closing
    /// brace's for `Returned` and `Panicked`.
    pub line: u32,
    /// What the state keeps alive across the await (for `Unresumed`, the arguments).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locals: Vec<LocalLayout>,
    /// The type of the future being awaited, in a `SuspendN` state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awaitee: Option<String>,
}

/// One local held in a state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalLayout {
    /// Its name in the source.
    pub name: String,
    /// Its type (`alloc::string::String`).
    #[serde(rename = "type")]
    pub type_name: String,
    /// Its offset inside the future.
    pub offset: u64,
    /// Its size in bytes.
    pub size: u64,
}

/// A future larger than this is flagged: moving it, or keeping many, costs.
pub const LARGE_FUTURE: u64 = 2048;

impl Layout {
    /// The state with this name.
    pub fn state(&self, name: &str) -> Option<&StateLayout> {
        self.states.iter().find(|s| s.name == name)
    }

    /// A short name for display: the last segments of the path (`remote::outer`).
    pub fn short_name(&self) -> &str {
        short_path(&self.future)
    }

    /// For a future over [`LARGE_FUTURE`] bytes: one sentence naming the state and the
    /// locals that hold the most bytes.
    pub fn large_warning(&self) -> Option<String> {
        if self.size <= LARGE_FUTURE {
            return None;
        }
        let biggest = self
            .states
            .iter()
            .max_by_key(|s| s.locals.iter().map(|l| l.size).sum::<u64>())?;
        let mut locals: Vec<&LocalLayout> = biggest.locals.iter().collect();
        locals.sort_by_key(|l| std::cmp::Reverse(l.size));
        let held: Vec<String> = locals
            .iter()
            .take(3)
            .map(|l| {
                format!(
                    "{}: {} ({} bytes)",
                    l.name,
                    short_path(&l.type_name),
                    l.size
                )
            })
            .collect();
        Some(format!(
            "large future: {} is {} bytes (over {LARGE_FUTURE}); {} (line {}) holds {}",
            self.short_name(),
            self.size,
            biggest.name,
            biggest.line,
            if held.is_empty() {
                "no named locals".to_owned()
            } else {
                held.join(", ")
            }
        ))
    }
}

/// The last two segments of a path, generic arguments left whole (`remote::outer`,
/// `string::String`).
pub fn short_path(path: &str) -> &str {
    // Split on `::` outside angle brackets only.
    let mut depth = 0i32;
    let mut cuts = Vec::new();
    let bytes = path.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        match bytes[i] {
            b'<' => depth += 1,
            b'>' => depth -= 1,
            b':' if depth == 0 && bytes[i + 1] == b':' => {
                cuts.push(i);
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    match cuts.len() {
        0 | 1 => path,
        n => &path[cuts[n - 2] + 2..],
    }
}
