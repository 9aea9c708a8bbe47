//! `pollscope bench` on the command line: the original's comparison in one command.

#![cfg(feature = "app")]

use std::ffi::OsStr;
use std::process::Command;

/// Runs `pollscope ARGS`, which must succeed, and reads its standard output as JSON.
fn json_of<S: AsRef<OsStr>>(args: impl IntoIterator<Item = S>) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn bench_json_against_given_urls() {
    let server = pollscope::server::DemoServer::start(Default::default()).unwrap();
    let urls: Vec<String> = (1..=2)
        .map(|i| server.url(&format!("/delay/{}", 10 * i)))
        .collect();
    let mut args = vec![
        "bench".to_owned(),
        "--rounds".into(),
        "2".into(),
        "--json".into(),
    ];
    args.extend(urls);
    let json = json_of(&args);
    assert_eq!(json["rounds"].as_array().unwrap().len(), 2);
    assert_eq!(json["rounds"][0]["first"], "sequential");
    assert_eq!(json["rounds"][1]["first"], "concurrent");
    assert_eq!(json["rounds"][0]["requests"].as_array().unwrap().len(), 4);
    assert!(json["summary"]["speedup"].as_f64().unwrap() > 0.0);
}

#[test]
fn bench_words_and_bad_flags() {
    let server = pollscope::server::DemoServer::start(Default::default()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(["bench", "--rounds", "1", &server.url("/delay/5")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("speed-up"), "{text}");
    assert!(text.contains("sequential:"), "{text}");
    let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(["bench", "--rounds", "0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("0 is out of range: use a whole number from 1 to 10,000"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn bench_writes_a_chart_and_compares_with_the_original() {
    let dir = std::env::temp_dir().join(format!("pollscope-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let svg = dir.join("timing.svg");
    // The seed profile: the original's four pages, on the embedded server.
    let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args([
            "bench",
            "--rounds",
            "1",
            "--connections",
            "pooled",
            "--plot",
        ])
        .arg(&svg)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("connections: pooled"), "{text}");
    assert!(
        text.contains("the original, 4 pages x 15 runs over the internet:")
            && text.contains("sequential  23.5 s, concurrent  17.6 s (1.34x)"),
        "{text}"
    );
    assert!(
        text.contains("here, 4 pages x 1 runs on loopback"),
        "{text}"
    );
    assert!(
        text.contains(&format!("chart written to {}", svg.display())),
        "{text}"
    );
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(
        chart.starts_with("<svg"),
        "{}",
        &chart[..chart.len().min(80)]
    );
    assert!(chart.contains("pooled connections"));
    // Not a terminal: no progress bar on stderr.
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(["bench", "--connections", "shared"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("use fresh or pooled"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `bench stall` against CPython's server, one round: the JSON's shape and its verdicts'
/// agreement with the exit code, never its figures (timing is the benchmark's to judge,
/// on a quiet machine).
#[test]
fn bench_stall_json_structure() {
    let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(["bench", "stall", "--rounds", "1", "--json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}); stderr: {stderr}"));
    assert_eq!(json["python"], "python3");
    assert!(
        json["python_version"]
            .as_str()
            .unwrap()
            .starts_with("Python 3"),
        "{json}"
    );
    assert_eq!(json["rounds"], 1);
    assert!(json["limit_ms"].as_f64().unwrap() > 0.0);
    let cases = json["cases"].as_array().unwrap();
    let connections: Vec<&str> = cases
        .iter()
        .map(|c| c["connections"].as_str().unwrap())
        .collect();
    assert_eq!(connections, ["fresh", "pooled", "pooled"]);
    let sleeps: Vec<Vec<u64>> = cases
        .iter()
        .map(|c| {
            c["sleeps_ms"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(sleeps[0], [20, 30, 40, 50]);
    assert_eq!(sleeps[1], [20, 30, 40, 50]);
    assert_eq!(sleeps[2], [20; 8]);
    for case in cases {
        for key in [
            "sequential_median_s",
            "concurrent_median_s",
            "sequential_over_ms_per_request",
            "concurrent_over_ms",
        ] {
            assert!(case[key].is_f64(), "{key}: {case}");
        }
        // The ideals are the server's sleeps, whatever the machine.
        let sleeps: Vec<u64> = case["sleeps_ms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        let sum = sleeps.iter().sum::<u64>() as f64 / 1e3;
        let longest = *sleeps.iter().max().unwrap() as f64 / 1e3;
        assert!((case["ideal_sequential_s"].as_f64().unwrap() - sum).abs() < 1e-9);
        assert!((case["ideal_concurrent_s"].as_f64().unwrap() - longest).abs() < 1e-9);
        let stall = case["stall"].as_bool().unwrap();
        let verdict = case["verdict"].as_str().unwrap();
        let word = if stall { "stall: " } else { "no stall: " };
        assert!(verdict.starts_with(word), "{verdict}");
        assert!(verdict.contains(" against an ideal of "), "{verdict}");
    }
    let any = cases.iter().any(|c| c["stall"] == true);
    assert_eq!(json["stall"], any);
    // Non-zero exactly when a stall is seen.
    assert_eq!(out.status.success(), !any, "{stderr}");
}

#[test]
fn bench_stall_without_python_is_one_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(["bench", "stall", "--rounds", "1"])
        .args(["--python", "/nonexistent/python3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("/nonexistent/python3 not found"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_chart_on_stdout_has_stdout_to_itself() {
    let server = pollscope::server::DemoServer::start(Default::default()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args([
            "bench",
            "--rounds",
            "1",
            "--plot",
            "-",
            &server.url("/delay/5"),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("<svg"),
        "{}",
        &stdout[..stdout.len().min(120)]
    );
    assert!(stdout.trim_end().ends_with("</svg>"));
    // The table and the summary moved to stderr, as the README says.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("speed-up"), "{stderr}");
    // JSON and the chart cannot share stdout: refused before anything runs.
    let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(["bench", "--json", "--plot", "-", &server.url("/delay/5")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("--json and --plot - both want standard output"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_target_that_never_answers_fails_the_run_after_its_report() {
    let server = pollscope::server::DemoServer::start(Default::default()).unwrap();
    let dead = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/", listener.local_addr().unwrap())
    };
    let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(["bench", "--rounds", "2", &server.url("/delay/5"), &dead])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("speed-up"),
        "the report is still printed: {stdout}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{dead} never answered in any round (connection refused"
        )),
        "{stderr}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args([
            "bench",
            "--rounds",
            "1",
            "--json",
            &server.url("/delay/5"),
            &dead,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["never_answered"], serde_json::json!([dead]));
}

#[test]
fn bench_executor_reports_each_peer_in_the_same_run() {
    let json = json_of([
        "bench", "executor", "--tasks", "500", "--rounds", "1", "--json",
    ]);
    let peers = json["peers"].as_array().unwrap();
    let names: Vec<&str> = peers.iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "LocalPool",
            "async-executor LocalExecutor",
            "tokio LocalSet"
        ]
    );
    let ours = json["ns_per_poll"].as_f64().unwrap();
    for peer in peers {
        let ns = peer["ns_per_poll"].as_f64().unwrap();
        assert!(ns > 0.0, "{peer}");
        let ratio = peer["ratio"].as_f64().unwrap();
        assert!((ratio - ours / ns).abs() < 1e-9, "{peer}");
    }
    assert_eq!(json["polls"], 1000);
    // Seven events a task: spawn, two polls' starts and ends, a wake, the value.
    assert_eq!(json["events"], 3500);
}

#[test]
fn bench_executor_alone_runs_pollscope_without_peers() {
    let json = json_of([
        "bench", "executor", "--tasks", "300", "--rounds", "2", "--alone", "--json",
    ]);
    assert_eq!(json["peers"], serde_json::json!([]));
    assert!(json["ns_per_poll"].as_f64().unwrap() > 0.0, "{json}");
    // No LocalPool run: no figure, and no ratio to it.
    assert!(json["localpool_ns_per_poll"].is_null(), "{json}");
    assert!(json["ratio"].is_null(), "{json}");
    assert_eq!(
        (json["polls"].clone(), json["events"].clone()),
        (600.into(), 2100.into())
    );
    let words = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args([
            "bench", "executor", "--tasks", "300", "--rounds", "1", "--alone",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&words.stdout);
    assert!(text.contains("pollscope (recording)"), "{text}");
    assert!(!text.contains("LocalPool"), "{text}");
}
