//! `pollscope bench` on the command line: the original's comparison in one command.

#![cfg(feature = "app")]

use std::process::Command;

#[test]
fn bench_json_against_given_urls() {
    let server = pollscope::server::DemoServer::start(Default::default()).unwrap();
    let urls: Vec<String> = (1..=2)
        .map(|i| server.url(&format!("/delay/{}", 10 * i)))
        .collect();
    let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(["bench", "--rounds", "2", "--json"])
        .args(&urls)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
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
