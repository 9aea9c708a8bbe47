//! The `pollscope` command line: `step`, `lessons`, errors.

#![cfg(feature = "app")]

use std::process::Command;

fn pollscope(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn json_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

#[test]
fn unknown_lesson_exits_non_zero_with_a_message() {
    let out = pollscope(&["step", "no-such-lesson"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown lesson 'no-such-lesson'"), "{err}");
    assert!(err.contains("lazy"), "the message lists the lessons: {err}");
}

#[test]
fn bad_policy_exits_non_zero_with_a_message() {
    let out = pollscope(&["step", "lazy", "--policy", "sometimes"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown policy 'sometimes'"), "{err}");
}

#[test]
fn lazy_json_says_after_first_poll_and_completes_with_five() {
    let out = pollscope(&["step", "lazy", "--json"]);
    assert!(out.status.success());
    let events = json_lines(&out.stdout);
    let kinds: Vec<_> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    let first_poll = kinds.iter().position(|&k| k == "poll_start").unwrap();
    let say = kinds.iter().position(|&k| k == "say").unwrap();
    assert!(say > first_poll);
    let complete = events.iter().find(|e| e["kind"] == "complete").unwrap();
    assert_eq!(complete["value"], "5");
    assert_eq!(complete["task"], 0);
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["seq"], i as u64);
        assert!(e["t_ns"].is_u64());
    }
}

#[test]
fn remote_json_has_points_and_wake_sources() {
    let out = pollscope(&["step", "remote", "--json"]);
    assert!(out.status.success());
    let events = json_lines(&out.stdout);
    let suspend = events.iter().find(|e| e["kind"] == "suspend").unwrap();
    assert_eq!(suspend["point"]["label"], "Remote");
    assert_eq!(suspend["point"]["file"], "src/lessons/remote.rs");
    assert!(suspend["point"]["line"].as_u64().unwrap() > 0);
    let wake = events.iter().find(|e| e["kind"] == "wake").unwrap();
    assert_eq!(wake["by"], "self");
    let end = events.iter().find(|e| e["kind"] == "poll_end").unwrap();
    assert_eq!(end["result"], "pending");
}

#[test]
fn reuse_ends_with_exit_zero_and_shows_the_caught_panic() {
    let out = pollscope(&["step", "reuse"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Panicked: `async fn` resumed after completion"),
        "{text}"
    );
    assert!(text.contains("done: every task has finished"), "{text}");
    // The caught panic is reported once, by pollscope, not by the default panic hook.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked at"), "{err}");
}

#[test]
fn step_lines_show_await_points_as_file_and_line() {
    let out = pollscope(&["step", "remote", "--steps", "1"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Pending at src/lessons/remote.rs:"), "{text}");
    assert!(text.contains("outer"), "{text}");
}

#[test]
fn lessons_lists_every_lesson() {
    let out = pollscope(&["lessons"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for id in ["lazy", "reuse", "remote", "setup"] {
        assert!(
            text.lines().any(|l| l.starts_with(id)),
            "{id} missing: {text}"
        );
    }
}

#[test]
fn fetch_errors_are_readable_in_the_step_output() {
    // A closed port: bind, take the port, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = format!("http://127.0.0.1:{port}/page/gone");
    let out = pollscope(&["step", "threads", "--url", &refused, "--url", "not a url"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("connection refused"), "{text}");
    assert!(text.contains("invalid url"), "{text}");
    assert!(text.contains("thread 0 finishes (error)"), "{text}");
}

#[test]
fn threads_json_shows_four_overlapping_threads_and_byte_counts() {
    let out = pollscope(&["step", "threads", "--json"]);
    assert!(out.status.success());
    let events = json_lines(&out.stdout);
    let spawns = events
        .iter()
        .filter(|e| e["kind"] == "thread_spawn")
        .count();
    let first_finish = events
        .iter()
        .position(|e| e["kind"] == "thread_finish")
        .unwrap();
    let last_spawn = events
        .iter()
        .rposition(|e| e["kind"] == "thread_spawn")
        .unwrap();
    assert_eq!(spawns, 4);
    assert!(last_spawn < first_finish);
    let values: Vec<_> = events
        .iter()
        .filter(|e| e["kind"] == "complete")
        .map(|e| e["value"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(values.len(), 5);
    assert!(values.contains(&"95000".to_owned()), "{values:?}");
    let woken_by_thread = events
        .iter()
        .filter(|e| e["kind"] == "wake" && e["by"].as_str().unwrap().starts_with("thread:fetch-"))
        .count();
    assert_eq!(woken_by_thread, 4);
}

#[test]
fn url_on_a_lesson_that_fetches_nothing_is_an_error() {
    let out = pollscope(&["step", "lazy", "--url", "http://127.0.0.1:1/"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("fetches nothing"));
}

#[test]
fn the_python_lens_prints_python_words() {
    let out = pollscope(&["step", "reuse", "--lens", "python"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("coro.send(None) -> RuntimeError: cannot reuse already awaited coroutine"),
        "{text}"
    );
    assert!(
        text.contains("coro.send(None) -> StopIteration(\"alive\")"),
        "{text}"
    );
    assert!(text.contains("CORO_CLOSED"), "{text}");

    let out = pollscope(&["step", "remote", "--lens", "python", "--steps", "1"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("coro.send(None) -> yielded at src/lessons/remote.rs:"),
        "{text}"
    );
    assert!(text.contains("CORO_SUSPENDED"), "{text}");

    let out = pollscope(&["step", "lost-waker", "--lens", "python"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("nothing scheduled and no callback pending"),
        "{text}"
    );
}

#[test]
fn explain_prints_explanation_points_and_both_sources() {
    let out = pollscope(&["explain", "remote"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let lesson = pollscope::lessons::find("remote").unwrap();
    let (label, line) = lesson.declared_points()[0];
    assert!(text.contains("A hand-written future"), "{text}");
    assert!(
        text.contains(&format!(
            "{label:<24} src/lessons/remote.rs:{}",
            line.unwrap()
        )),
        "{text}"
    );
    assert!(
        text.contains("--- Rust: src/lessons/remote.rs ---"),
        "{text}"
    );
    assert!(text.contains("--- Python equivalent ---"), "{text}");
    assert!(text.contains("def __await__(self):"), "{text}");
    let out = pollscope(&["explain", "nope"]);
    assert!(!out.status.success());
}

#[test]
fn lessons_lists_at_least_fourteen_with_their_experiment() {
    let out = pollscope(&["lessons"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().count() >= 14, "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("lazy") && l.contains("experiment 1-2"))
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("lost-waker") && l.contains("teaching point"))
    );
}

#[test]
fn gui_takes_the_experiment_scripts_by_their_py_names() {
    let gui = |lesson: &str| {
        Command::new(env!("CARGO_BIN_EXE_pollscope"))
            .args(["gui", "--lesson", lesson])
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .output()
            .expect("the binary runs")
    };
    let out = gui("py:no_such");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown lesson 'py:no_such'"), "{err}");
    assert!(
        err.contains("py:send_none"),
        "the message lists the scripts: {err}"
    );
    // A known script gets as far as the window (there is no display here).
    let out = gui("py:send_none");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("unknown lesson"), "{err}");
}

#[test]
fn threads_json_says_who_holds_the_waker_at_every_pending_poll() {
    let out = pollscope(&["step", "threads", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pending: Vec<serde_json::Value> = json_lines(&out.stdout)
        .into_iter()
        .filter(|e| e["kind"] == "poll_end" && e["result"] == "pending")
        .collect();
    assert_eq!(pending.len(), 5, "each task parks once: {pending:?}");
    for e in &pending {
        let held = e["held_by"].as_array().unwrap_or_else(|| panic!("{e}"));
        assert_eq!(held.len(), 1, "{e}");
        let holder = held[0].as_str().unwrap_or_default();
        // A fetch task's thread; the total's tally (a value of the lesson's own).
        assert!(
            holder.starts_with("thread:fetch-") || holder == "elsewhere:1",
            "{e}"
        );
    }
    let mut out = Vec::new();
    for line in
        String::from_utf8_lossy(&pollscope(&["step", "lost-waker", "--json"]).stdout).lines()
    {
        let e: serde_json::Value = serde_json::from_str(line).expect("JSON");
        if e["kind"] == "poll_end" && e["result"] == "pending" {
            out.push(e["held_by"].clone());
        }
    }
    assert_eq!(
        out,
        vec![serde_json::json!([])],
        "nobody holds lost-waker's waker"
    );
}
