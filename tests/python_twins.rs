//! Every lesson's Python twin (`assets/python/`) tells the same story, by CPython's own
//! word: run under `python3`, it prints every line the Rust lesson says, in the same
//! order. Where the languages truly differ, the lesson's explanation says so and
//! [`allowances`] names the difference, lesson by lesson.
//!
//! Needs `python3` (or the interpreter `POLLSCOPE_PYTHON` names); without it the test
//! fails with one line: `python3 not found: the Python twins were not checked`.

#![cfg(feature = "lessons")]

use pollscope::drive::{End, Limits};
use pollscope::executor::Policy;
use pollscope::lessons::{self, Lesson};
use pollscope::server::{DemoServer, ServerConfig};
use pollscope::trace::EventKind;
use std::collections::BTreeSet;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A twin runs in well under a second; this only stops a hung one from hanging the suite.
const PYTHON_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a twin may tell a line differently, because the languages differ there.
enum Allowance {
    /// The Rust line is told by the Python line that starts with `python`.
    Reworded {
        rust: &'static str,
        python: &'static str,
    },
    /// Only each task's own lines must keep their order, not how the tasks interleave;
    /// tasks whose lines interleave in Rust must interleave in Python too.
    OrderPerTask,
    /// Consecutive lines containing this may come in any order among themselves.
    AnyOrder(&'static str),
}

/// The differences a lesson's explanation names; none for most lessons.
fn allowances(id: &str) -> &'static [Allowance] {
    match id {
        // `poll` takes no value where a coroutine's `send` does: the Rust receiver says so,
        // which would be untrue of the coroutine.
        "send-none" => &[Allowance::Reworded {
            rust: "receiver: poll() cannot hand me a value, so I look in the mailbox",
            python: "receiver: waiting for the mailbox",
        }],
        // Rust cancels the loser by dropping it, inside the one task that owns both
        // futures; asyncio throws `CancelledError` into a task of its own, which keeps
        // stepping until the referee runs (how many steps is asyncio's scheduling).
        "race" => &[Allowance::Reworded {
            rust: "slow: dropped after 1 of 4 steps; the rest never runs",
            python: "slow: cancelled after ",
        }],
        // `Join2` polls c and d inside one task's poll; `asyncio.gather` wraps each in a
        // task of its own, which starts a loop round later, so "one by one" gets ahead.
        // The two tasks still take turns.
        "join" => &[Allowance::OrderPerTask],
        // Each page's line comes when its thread finishes, in Rust as in Python. The demo
        // server's distinct latencies (120, 150, 200, 300 ms) only make that order likely:
        // on a loaded machine a thread can run 30 ms late. The total comes after all four.
        "threads" => &[Allowance::AnyOrder(" bytes from ")],
        _ => &[],
    }
}

/// A lesson's say-lines in order, with the task that said each.
fn said(lesson: &'static Lesson, policy: Policy, urls: &[String]) -> Vec<(u32, String)> {
    let urls = if lesson.fetches {
        urls.to_vec()
    } else {
        Vec::new()
    };
    let recording =
        pollscope::program::record_with(&lesson.program(), policy, urls, Limits::default())
            .unwrap();
    assert!(
        matches!(recording.end, End::Done | End::Stalled),
        "{} under {policy:?}: {}",
        lesson.id,
        recording.end
    );
    let trace = &recording.trace;
    trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Say { text } => Some((e.task.0, trace.str(text).to_owned())),
            _ => None,
        })
        .collect()
}

/// The interpreter: `POLLSCOPE_PYTHON`, or `python3`.
fn interpreter() -> String {
    std::env::var("POLLSCOPE_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// What was not checked, and why: a test that returns it fails with exactly its line
/// (`Error: ` and the text, unquoted; no panic, no backtrace).
struct NotChecked(String);

impl std::fmt::Debug for NotChecked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The interpreter if it runs; the one line saying what was not checked if it does not.
fn python() -> Result<String, NotChecked> {
    let python = interpreter();
    let not_checked = |why: String| NotChecked(format!("{why}: the Python twins were not checked"));
    match Command::new(&python)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
    {
        Ok(out) if out.status.success() => Ok(python),
        Ok(out) => Err(not_checked(format!(
            "{python} --version exited with {}",
            out.status
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(not_checked(format!("{python} not found")))
        }
        Err(e) => Err(not_checked(format!("{python} cannot run ({e})"))),
    }
}

/// What a twin printed.
struct PythonRun {
    stdout: String,
    stderr: String,
}

fn twin_path(lesson: &Lesson) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("assets/python")
        .join(format!("{}.py", lesson.id.replace('-', "_")))
}

/// Runs the twin with the same page URLs the Rust lesson fetched.
fn run_twin(python: &str, lesson: &Lesson, urls: &[String]) -> Result<PythonRun, String> {
    let path = twin_path(lesson);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    if text != lesson.python {
        return Err(format!(
            "{} is not the Python the lesson shows",
            path.display()
        ));
    }
    let mut command = Command::new(python);
    // Isolated: the learner's PYTHONPATH and site-packages are no part of a twin, which
    // needs the standard library only.
    command.arg("-I").arg(&path);
    if lesson.fetches {
        command.args(urls);
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {python}: {e}"))?;
    // Read both pipes while waiting, so a chatty twin cannot block on a full pipe.
    let mut stdout_pipe = child.stdout.take().unwrap();
    let mut stderr_pipe = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout_pipe.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr_pipe.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > PYTHON_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{} ran over {PYTHON_TIMEOUT:?}", path.display()));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let run = PythonRun {
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    if !status.success() {
        return Err(format!(
            "{} exited with {status}\n--- stdout\n{}--- stderr\n{}",
            path.display(),
            run.stdout,
            run.stderr
        ));
    }
    Ok(run)
}

/// Where each `expected` line is in `actual`, as an in-order subsequence of whole lines;
/// if it is not one, the index of the first `expected` line that `actual` lacks.
fn find_in_order(expected: &[String], actual: &[String]) -> Result<Vec<usize>, usize> {
    let mut from = 0;
    let mut found = Vec::with_capacity(expected.len());
    for (i, line) in expected.iter().enumerate() {
        let at = from + actual[from..].iter().position(|a| a == line).ok_or(i)?;
        found.push(at);
        from = at + 1;
    }
    Ok(found)
}

/// True if the spans `a` and `b` (first and last line) overlap.
fn overlap(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// Sorts every run of consecutive lines that contain `fragment`.
fn sort_runs(lines: &mut [String], fragment: &str) {
    let mut i = 0;
    while i < lines.len() {
        let len = lines[i..]
            .iter()
            .take_while(|l| l.contains(fragment))
            .count();
        lines[i..i + len].sort();
        i += len.max(1);
    }
}

/// Checks the Rust say-lines against the twin's output; the failure in words.
fn compare(id: &str, rust: &[(u32, String)], python: &str) -> Result<(), String> {
    let mut python: Vec<String> = python.lines().map(str::to_owned).collect();
    let mut rust = rust.to_vec();
    let mut per_task = false;
    for allowance in allowances(id) {
        match allowance {
            Allowance::Reworded { rust: r, python: p } => {
                // An allowance outlives its reason unnoticed unless it must apply.
                if !rust.iter().any(|(_, l)| l == r) {
                    return Err(format!("the allowance for {r:?} matches no say-line"));
                }
                let Some(told) = python.iter().find(|l| l.starts_with(p)).cloned() else {
                    return Err(format!("no line starting {p:?} tells {r:?}"));
                };
                for (_, line) in rust.iter_mut().filter(|(_, l)| l == r) {
                    line.clone_from(&told);
                }
            }
            Allowance::OrderPerTask => {
                let tasks: BTreeSet<u32> = rust.iter().map(|(t, _)| *t).collect();
                if tasks.len() < 2 {
                    return Err("order per task, but one task says everything".to_owned());
                }
                per_task = true;
            }
            Allowance::AnyOrder(fragment) => {
                if rust.iter().filter(|(_, l)| l.contains(fragment)).count() < 2 {
                    return Err(format!("any order, but not two lines contain {fragment:?}"));
                }
                let mut lines: Vec<String> = rust.iter().map(|(_, l)| l.clone()).collect();
                sort_runs(&mut lines, fragment);
                for ((_, line), sorted) in rust.iter_mut().zip(lines) {
                    *line = sorted;
                }
                sort_runs(&mut python, fragment);
            }
        }
    }
    // Each group: its lines' indices among Rust's say-lines, and the lines.
    let mut groups: Vec<(Vec<usize>, Vec<String>)> = Vec::new();
    if per_task {
        let tasks: BTreeSet<u32> = rust.iter().map(|(t, _)| *t).collect();
        for task in tasks {
            let said = rust.iter().enumerate().filter(|(_, (t, _))| *t == task);
            groups.push(said.map(|(i, (_, l))| (i, l.clone())).unzip());
        }
    } else {
        groups.push(
            rust.iter()
                .enumerate()
                .map(|(i, (_, l))| (i, l.clone()))
                .unzip(),
        );
    }
    let mut spans = Vec::new();
    for (rust_at, lines) in &groups {
        let python_at = find_in_order(lines, &python).map_err(|i| {
            format!(
                "Python does not say {:?} (line {} of {}) in this order:\n--- Rust says\n{}\n--- Python prints\n{}",
                lines[i],
                i + 1,
                lines.len(),
                lines.join("\n"),
                python.join("\n")
            )
        })?;
        if let (Some(&first), Some(&last)) = (python_at.first(), python_at.last()) {
            spans.push(((rust_at[0], rust_at[rust_at.len() - 1]), (first, last)));
        }
    }
    // Tasks whose lines interleave in Rust run at the same time: in Python too, whatever
    // the interleaving.
    for (i, &(rust_a, python_a)) in spans.iter().enumerate() {
        for &(rust_b, python_b) in &spans[i + 1..] {
            if overlap(rust_a, rust_b) && !overlap(python_a, python_b) {
                return Err(format!(
                    "tasks that take turns in Rust run one after the other in Python:\n{}",
                    python.join("\n")
                ));
            }
        }
    }
    Ok(())
}

/// Records the lesson, runs its twin, compares; the failure in words.
fn check(python: &str, lesson: &'static Lesson, urls: &[String]) -> Result<(), String> {
    // Busy polling a fetching lesson only spins while its threads work (the same lines,
    // a core busy all along); the others run in microseconds, and the twins of
    // busy-driver and lost-waker drive their coroutines the way busy polling does.
    let policies: &[Policy] = if lesson.fetches {
        &[Policy::WakerDriven]
    } else {
        &[Policy::WakerDriven, Policy::BusyPoll]
    };
    let python = run_twin(python, lesson, urls)?;
    for &policy in policies {
        let rust = said(lesson, policy, urls);
        compare(lesson.id, &rust, &python.stdout)
            .map_err(|e| format!("{policy:?}: {e}\n--- Python's stderr\n{}", python.stderr))?;
    }
    Ok(())
}

#[test]
fn every_twin_prints_what_its_lesson_says_in_order() -> Result<(), NotChecked> {
    let started = Instant::now();
    // CI has python3: without it the test fails, saying so in one line.
    let python = python()?;
    let python = python.as_str();
    let server = DemoServer::start(ServerConfig::default()).unwrap();
    let urls: Vec<String> = server.page_urls().into_iter().map(|(_, u)| u).collect();
    // One thread per lesson: the twins mostly wait (on pages, on a 300 ms sleep).
    let failures: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = lessons::all()
            .iter()
            .map(|lesson| {
                let urls = &urls;
                (lesson.id, scope.spawn(move || check(python, lesson, urls)))
            })
            .collect();
        runs.into_iter()
            .filter_map(|(id, run)| match run.join() {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(format!("== {id}: {e}")),
                Err(_) => Some(format!("== {id}: the check panicked (see above)")),
            })
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {} twins differ:\n{}",
        failures.len(),
        lessons::all().len(),
        failures.join("\n\n")
    );
    eprintln!(
        "{} twins checked in {:.2?}",
        lessons::all().len(),
        started.elapsed()
    );
    Ok(())
}
