//! The command line as a careless or hostile user meets it: output files that are not
//! plain files, stdout that is full or closed, numbers far out of range, conflicting flags,
//! a bench whose every request fails, Ctrl-C, no display. Every case ends in a plain
//! message and a non-zero exit (or quietly, for a closed pipe), never a panic.

#![cfg(feature = "app")]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn pollscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// No panic, one line on stderr, the given exit code.
fn fails_with(out: &Output, code: i32, message: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains(message),
        "expected {message:?} in: {stderr}"
    );
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("pollscope-robust-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn is_trace(bytes: &[u8]) -> bool {
    pollscope::tracefile::read(bytes).is_ok()
}

// 1. Output files.

#[test]
fn export_to_dash_writes_the_trace_to_stdout_and_its_words_to_stderr() {
    let out = pollscope(&["export", "join", "--format", "jsonl", "-o", "-"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(is_trace(&out.stdout), "stdout is the trace file");
    assert!(
        text(&out.stderr).contains("to standard output"),
        "{}",
        text(&out.stderr)
    );
    assert!(!Path::new("-").exists(), "no file named -");
}

#[cfg(unix)]
#[test]
fn export_to_a_fifo_writes_into_it_and_leaves_it_a_fifo() {
    use std::os::unix::fs::FileTypeExt;
    let dir = TempDir::new("fifo");
    let fifo = dir.join("f");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            std::fs::File::open(&fifo)
                .unwrap()
                .read_to_end(&mut bytes)
                .unwrap();
            bytes
        })
    };
    let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(["export", "join", "--format", "jsonl", "-o"])
        .arg(&fifo)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let bytes = reader.join().unwrap();
    assert!(is_trace(&bytes), "the reader got the whole trace");
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "still a FIFO: {kind:?}");
}

#[cfg(unix)]
#[test]
fn export_through_a_symlink_keeps_the_link_and_writes_its_target() {
    let dir = TempDir::new("link");
    std::fs::create_dir(dir.join("real")).unwrap();
    let link = dir.join("link.jsonl");
    std::os::unix::fs::symlink("real/target.jsonl", &link).unwrap();
    // The target does not exist yet: the dangling link is followed all the same.
    for _ in 0..2 {
        let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
            .args(["export", "join", "--format", "jsonl", "-o"])
            .arg(&link)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let bytes = std::fs::read(dir.join("real/target.jsonl")).unwrap();
        assert!(is_trace(&bytes));
    }
    // The temporary file was made (and renamed) beside the target, not beside the link.
    let beside_link: Vec<_> = std::fs::read_dir(&dir.0).unwrap().collect();
    assert_eq!(beside_link.len(), 2, "{beside_link:?}");
}

#[test]
fn export_into_a_directory_or_a_full_device_is_one_line() {
    let dir = TempDir::new("dir");
    let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(["export", "join", "--format", "jsonl", "-o"])
        .arg(&dir.0)
        .output()
        .unwrap();
    fails_with(&out, 1, "it is a directory");
    if Path::new("/dev/full").exists() {
        let out = pollscope(&["export", "join", "--format", "jsonl", "-o", "/dev/full"]);
        fails_with(&out, 1, "cannot write /dev/full: No space left on device");
        assert_eq!(text(&out.stderr).lines().count(), 1);
    }
}

// 2. Stdout that cannot be written.

#[test]
fn every_command_reports_a_full_stdout_in_one_line() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let dir = TempDir::new("full");
    let trace = dir.join("t.jsonl");
    let saved = pollscope(&[
        "export",
        "join",
        "--format",
        "jsonl",
        "-o",
        trace.to_str().unwrap(),
    ]);
    assert!(saved.status.success());
    let commands: &[&[&str]] = &[
        &["lessons"],
        &["explain", "join"],
        &["step", "threads"],
        &["step", "join", "--json"],
        &["states", "join"],
        &["replay", trace.to_str().unwrap()],
        &["bench", "executor", "--tasks", "100", "--rounds", "1"],
        &["serve"],
    ];
    for args in commands {
        let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
            .args(*args)
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            stderr.ends_with(
                "cannot write to standard output: No space left on device (os error 28)\n"
            ),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_a_command_quietly() {
    for args in [&["lessons"][..], &["step", "threads"], &["explain", "join"]] {
        let (reader, writer) = std::io::pipe().unwrap();
        // Nobody will read: the first write fails with a broken pipe.
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
            .args(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(141),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stderr), "", "{args:?}");
    }
}

// 3. Numbers far out of range.

#[test]
fn huge_numbers_are_refused_before_anything_runs() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["step", "lost-waker", "--timeout", "1e300"],
            "1e300 is out of range",
        ),
        (&["bench", "--timeout", "1e300"], "1e300 is out of range"),
        (&["step", "join", "--timeout", "NaN"], "out of range"),
        (
            &["bench", "executor", "--tasks", "18446744073709551615"],
            "18,446,744,073,709,551,615 is out of range: use a whole number from 1 to 1,000,000",
        ),
        (
            &["bench", "rewind", "--events", "99999999999"],
            "is out of range",
        ),
        (
            &["step", "join", "--trace-limit", "99999999999999"],
            "is out of range",
        ),
        // 2^70: a whole number, past any count (not "not a whole number").
        (
            &["bench", "executor", "--tasks", "1180591620717411303424"],
            "1180591620717411303424 is out of range: use a whole number from 1 to 1,000,000",
        ),
    ];
    for (args, message) in cases {
        fails_with(&pollscope(args), 2, message);
    }
}

#[test]
fn a_profile_of_too_many_pages_is_refused() {
    let dir = TempDir::new("profile");
    let path = dir.join("many.toml");
    let mut toml = String::from("name = \"many\"\n");
    for i in 0..100_000 {
        toml.push_str(&format!(
            "[[page]]\nname = \"p{i}\"\nlatency_ms = 1\nsize = 1\n"
        ));
    }
    std::fs::write(&path, toml).unwrap();
    let out = pollscope(&[
        "bench",
        "--profile",
        path.to_str().unwrap(),
        "--rounds",
        "1",
    ]);
    fails_with(&out, 1, "100000 pages: at most 1024");
}

// 4. bench.

#[test]
fn a_bench_with_no_successful_request_reports_no_speed_up() {
    let out = pollscope(&[
        "bench",
        "--rounds",
        "1",
        "--timeout",
        "2",
        "http://127.0.0.1:9/",
    ]);
    fails_with(&out, 1, "no request succeeded in sequential, concurrent");
    assert!(
        !text(&out.stdout).contains("speed-up"),
        "{}",
        text(&out.stdout)
    );
    let out = pollscope(&["bench", "--rounds", "1", "--json", "http://127.0.0.1:9/"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["speedup"], serde_json::Value::Null);
    assert_eq!(
        json["summary"]["modes_without_success"],
        serde_json::json!(["sequential", "concurrent"])
    );
}

#[test]
fn a_profile_beside_urls_is_refused() {
    let out = pollscope(&["bench", "http://127.0.0.1:9/", "--profile", "wide"]);
    fails_with(&out, 2, "cannot be used with");
}

#[cfg(unix)]
#[test]
fn ctrl_c_on_bench_json_keeps_the_completed_rounds() {
    let server = pollscope::server::DemoServer::start(Default::default()).unwrap();
    let url = server.url("/delay/100");
    let child = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(["bench", "--json", "--rounds", "1000", &url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // One URL, two modes: the third request served starts round 2, so round 1 is done.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while server.requests_served() < 3 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rounds = json["rounds"].as_array().unwrap();
    assert!(
        !rounds.is_empty() && rounds.len() < 1000,
        "{}",
        rounds.len()
    );
    assert_eq!(json["summary"]["interrupted"], true);
    assert!(
        text(&out.stderr).contains("interrupted:"),
        "{}",
        text(&out.stderr)
    );
}

// 7. The same rules everywhere.

#[test]
fn the_same_flag_gets_the_same_rule_in_every_command() {
    let steps_zero = "0 is out of range: use a whole number from 1 to 1,000,000,000";
    fails_with(&pollscope(&["step", "join", "--steps", "0"]), 2, steps_zero);
    let out = pollscope(&[
        "export", "join", "--format", "jsonl", "-o", "-", "--steps", "0",
    ]);
    fails_with(&out, 2, steps_zero);
    assert!(out.stdout.is_empty());
    let rounds_zero = "0 is out of range: use a whole number from 1 to 10,000";
    fails_with(&pollscope(&["bench", "--rounds", "0"]), 2, rounds_zero);
    fails_with(
        &pollscope(&["bench", "executor", "--rounds", "0"]),
        2,
        rounds_zero,
    );
    fails_with(
        &pollscope(&["bench", "coro", "--rounds", "0"]),
        2,
        rounds_zero,
    );
    fails_with(
        &pollscope(&["bench", "rewind", "--samples", "0"]),
        2,
        "0 is out of range",
    );
    let out = pollscope(&["step", "join", "--steps", "-1"]);
    fails_with(
        &out,
        2,
        "\"-1\" is not a whole number from 1 to 1,000,000,000",
    );
    assert!(
        !text(&out.stderr).contains("'-- -1'"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_poll_limit_is_no_failure_in_step_or_export() {
    let out = pollscope(&["step", "join", "--steps", "2"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = pollscope(&[
        "export", "join", "--format", "jsonl", "-o", "-", "--steps", "2",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(is_trace(&out.stdout));
    assert!(text(&out.stderr).contains("stopped after 2 polls (--steps)"));
}

#[test]
fn without_a_display_the_app_says_what_works_instead() {
    let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    fails_with(&out, 1, "the app needs a display (X11 or Wayland)");
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("pollscope step <lesson>"), "{stderr}");
}

/// The temporary files beside `target` in `dir`.
fn litter(dir: &Path, target: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str().map(str::to_owned))
                .filter(|n| n.starts_with(&format!(".{}", &target[..target.len().min(20)])))
                .filter(|n| n.ends_with(".tmp"))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(unix)]
#[test]
fn an_export_stopped_mid_write_leaves_no_temporary_file() {
    let dir = TempDir::new("signals");
    let out = dir.join("big.json");
    // Busy polling while a page takes 3 s: a trace of a million events, written for long
    // enough to be caught.
    let server = pollscope::server::DemoServer::start(Default::default()).unwrap();
    let slow = server.url("/delay/3000");
    for signal in [libc::SIGTERM, libc::SIGINT] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pollscope"))
            .args([
                "export", "threads", "--policy", "busy", "--format", "chrome",
            ])
            .args(["--url", &slow, "--trace-limit", "1000000", "-o"])
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while litter(&dir.0, "big.json").is_empty() {
            assert!(
                std::time::Instant::now() < deadline,
                "no temporary file seen"
            );
            assert!(
                child.try_wait().unwrap().is_none(),
                "the export ended unseen"
            );
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        // SAFETY: signalling our own child.
        unsafe {
            libc::kill(child.id() as libc::pid_t, signal);
        }
        let status = child.wait().unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(signal), "{status:?}");
        assert_eq!(
            litter(&dir.0, "big.json"),
            Vec::<String>::new(),
            "signal {signal}"
        );
    }
}

#[test]
fn litter_of_a_killed_writer_goes_at_the_next_write_and_nothing_else_does() {
    let dir = TempDir::new("litter");
    let out = dir.join("trace.jsonl");
    // A writer killed with -9 (a pid that cannot run), one still running (ours), and
    // names that only look alike.
    let dead = dir.join(".trace.jsonl.4294967.3.tmp");
    let running = dir.join(&format!(".trace.jsonl.{}.0.tmp", std::process::id()));
    let other_target = dir.join(".other.jsonl.4294967.3.tmp");
    let not_ours = dir.join(".trace.jsonl.notapid.tmp");
    for p in [&dead, &running, &other_target, &not_ours] {
        std::fs::write(p, b"partial").unwrap();
    }
    exports_lazy_to(&out);
    assert!(!dead.exists(), "the dead writer's litter stays");
    for p in [&running, &other_target, &not_ours] {
        assert!(p.exists(), "{} went", p.display());
    }
}

/// `export lazy -o out` succeeds and leaves a trace there.
fn exports_lazy_to(out: &Path) {
    let outcome = pollscope(&[
        "export",
        "lazy",
        "--format",
        "jsonl",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(
        outcome.status.success(),
        "{}: {}",
        out.display(),
        text(&outcome.stderr)
    );
    assert!(is_trace(&std::fs::read(out).unwrap()), "{}", out.display());
}

#[test]
fn a_legal_output_name_of_255_bytes_is_written() {
    let dir = TempDir::new("long-name");
    for len in [243, 250, 255] {
        let name = format!("{}.json", "n".repeat(len - 5));
        exports_lazy_to(&dir.join(&name));
    }
}

#[test]
fn too_many_urls_are_refused_before_anything_runs_as_in_bench() {
    let mut args = vec!["step", "threads"];
    let url = "http://127.0.0.1:9/";
    for _ in 0..1025 {
        args.extend(["--url", url]);
    }
    for command in ["step", "export"] {
        args[0] = command;
        let mut all = args.clone();
        if command == "export" {
            all.extend(["--format", "jsonl", "-o", "-"]);
        }
        let out = pollscope(&all);
        fails_with(&out, 1, "1025 URLs given: at most 1024");
        assert!(out.stdout.is_empty());
    }
}

#[cfg(unix)]
#[test]
fn a_closed_stdout_is_a_failure_not_a_success() {
    let commands: &[&[&str]] = &[
        &["export", "lazy", "--format", "jsonl", "-o", "-"],
        &["step", "lazy"],
        &["lessons"],
        &["--help"],
        &["--version"],
    ];
    for args in commands {
        // `>&-`: the shell closes descriptor 1 before pollscope starts.
        let out = Command::new("sh")
            .arg("-c")
            .arg(r#"exec "$0" "$@" >&-"#)
            .arg(env!("CARGO_BIN_EXE_pollscope"))
            .args(*args)
            .output()
            .unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("standard output is closed"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("wrote"), "{args:?}: {stderr}");
    }
    // Sent to /dev/null on purpose, it is written and the command succeeds.
    let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(["step", "lazy"])
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn help_and_version_into_a_full_disk_say_so() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    for flag in ["--help", "--version"] {
        let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
            .arg(flag)
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{flag}: {stderr}");
        assert!(
            stderr.contains("No space left on device"),
            "{flag}: {stderr}"
        );
    }
}

#[test]
fn open_without_a_display_says_so_before_reading_the_file() {
    // /dev/zero never ends: read first, it would be refused for its line instead.
    let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(["open", "/dev/zero"])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    fails_with(&out, 1, "the app needs a display");
    assert!(
        !text(&out.stderr).contains("line 1"),
        "{}",
        text(&out.stderr)
    );
}
