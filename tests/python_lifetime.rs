//! The interpreter never outlives pollscope: dropping a run (Reset, closing the app) and
//! pollscope dying outright both end the interpreter and every process its script started,
//! even while the script loops forever outside any coroutine.

#![cfg(target_os = "linux")]

use pollscope::python::{PyRun, PyStep, Script};
use pollscope::trace::Recorder;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn script(pids: &Path) -> Script {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/python/spawns_and_loops.py");
    let mut script = Script::new(path);
    script.args = vec![pids.to_string_lossy().into_owned()];
    script
}

/// A fresh path for the script's process ids.
fn pid_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pollscope-lifetime-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

/// The interpreter's and its child's process ids, once the script wrote them.
fn read_pids(path: &Path) -> [i32; 2] {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            let pids: Vec<i32> = text
                .split_whitespace()
                .filter_map(|w| w.parse().ok())
                .collect();
            if let [a, b] = pids[..] {
                return [a, b];
            }
        }
        assert!(Instant::now() < deadline, "the script never wrote its pids");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether `pid` is a live process (a zombie waiting for its reaper counts as gone).
fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with(['Z', 'X'])),
        Err(_) => false,
    }
}

fn wait_gone(pids: [i32; 2]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while pids.iter().any(|&p| alive(p)) {
        assert!(
            Instant::now() < deadline,
            "still running: {:?}",
            pids.map(|p| (p, alive(p)))
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn dropping_a_run_looping_outside_any_coroutine_ends_it_and_its_processes() {
    let file = pid_file("drop");
    let mut run = PyRun::start(&script(&file), Recorder::new()).expect("starts");
    // Step: no resume comes, the script runs outside any coroutine.
    assert_eq!(run.step(Duration::from_millis(300)), PyStep::Outside);
    let pids = read_pids(&file);
    assert!(pids.iter().all(|&p| alive(p)), "both run before the drop");
    drop(run);
    wait_gone(pids);
}

#[test]
fn killing_pollscope_ends_the_interpreter_and_its_processes() {
    let file = pid_file("kill");
    let mut pollscope = std::process::Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(["py", "step"])
        .arg(script(&file).path)
        .arg("--")
        .arg(&file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("pollscope starts");
    let pids = read_pids(&file);
    assert!(pids.iter().all(|&p| alive(p)));
    // No destructor runs: the interpreter must notice on its own.
    pollscope.kill().expect("kill");
    let _ = pollscope.wait();
    wait_gone(pids);
}

#[test]
fn a_killed_pollscopes_run_directory_is_removed_by_the_next_run() {
    // A process id no one has now: a child that has ended and been reaped.
    let mut ended = std::process::Command::new("true").spawn().expect("true");
    let _ = ended.wait();
    let dead = ended.id();
    let litter = std::env::temp_dir().join(format!("pollscope-py-{dead}-0"));
    std::fs::create_dir_all(&litter).expect("litter");
    std::fs::write(litter.join("socket"), b"").expect("litter file");
    // Not ours to touch: a name that only looks similar.
    let other = std::env::temp_dir().join(format!("pollscope-pyx-{dead}-0"));
    std::fs::create_dir_all(&other).expect("other");
    let file = pid_file("litter");
    let run = PyRun::start(&script(&file), Recorder::new()).expect("starts");
    assert!(!litter.exists(), "the killed run's directory is gone");
    assert!(other.exists());
    drop(run);
    let _ = std::fs::remove_dir_all(&other);
}
