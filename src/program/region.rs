//! The part of a source file a learner reads. A lesson (or a user's program) marks it with
//! two comment lines, `// pollscope:begin` and `// pollscope:end`; the source panel shows
//! the lines between them, keeping the file's line numbers so await points still match.
//! Imports, the `build` plumbing and the lesson's metadata stay out of the way, a click
//! away.

/// The comment line that opens the region.
pub const BEGIN: &str = "// pollscope:begin";
/// The comment line that closes it.
pub const END: &str = "// pollscope:end";

/// Lines `first..=last` of a file (1-based, the file's own numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    /// The first line shown: the one after the `begin` marker.
    pub first: u32,
    /// The last line shown: the one before the `end` marker (or the file's last line).
    pub last: u32,
}

impl Region {
    /// True if line `line` is shown.
    pub fn contains(self, line: u32) -> bool {
        (self.first..=self.last).contains(&line)
    }
}

/// The marked region of `text`, if it has a `begin` marker and at least one line after
/// it; a missing `end` marker runs the region to the end of the file.
pub fn region(text: &str) -> Option<Region> {
    let mut lines = text.lines().zip(1u32..);
    let (_, begin) = lines.by_ref().find(|(l, _)| l.trim() == BEGIN)?;
    let mut last = begin;
    for (line, number) in lines {
        if line.trim() == END {
            break;
        }
        last = number;
    }
    (last > begin).then_some(Region {
        first: begin + 1,
        last,
    })
}

#[cfg(test)]
mod tests {
    use super::{Region, region};

    #[test]
    fn the_lines_between_the_markers_with_the_files_numbers() {
        let text = "use a;\n// pollscope:begin\nasync fn f() {}\n\nfn g() {}\n    // pollscope:end\nconst X: u8 = 1;\n";
        assert_eq!(region(text), Some(Region { first: 3, last: 5 }));
    }

    #[test]
    fn no_begin_no_region_and_no_end_runs_to_the_end() {
        assert_eq!(region("fn f() {}\n// pollscope:end\n"), None);
        assert_eq!(region("// pollscope:begin\n"), None);
        assert_eq!(
            region("a\n// pollscope:begin\nb\nc"),
            Some(Region { first: 3, last: 4 })
        );
    }
}
