//! `pollscope serve` prints its loopback address and serves the seed profile there.

#![cfg(feature = "app")]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The server process, killed and reaped however the test ends (a failed assertion
/// included), so no server outlives its test.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_prints_its_address_and_serves_the_seed_pages() {
    let mut server = Server(
        Command::new(env!("CARGO_BIN_EXE_pollscope"))
            .args(["serve"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(server.0.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first.rsplit(' ').next().unwrap().to_owned();
    assert!(
        first.starts_with("serving profile seed on http://127.0.0.1:"),
        "{first}"
    );
    let pages: Vec<_> = (0..4).map(|_| lines.next().unwrap().unwrap()).collect();
    assert!(pages[0].contains("/page/google"), "{pages:?}");

    let fetched = pollscope::http::fetch(
        &format!("{base}/page/google"),
        &pollscope::http::FetchConfig::default(),
    );
    drop(server);
    let fetched = fetched.unwrap();
    assert_eq!((fetched.status, fetched.bytes), (200, 14_200));
}

#[test]
fn a_bad_profile_is_a_readable_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(["serve", "--profile", "no-such-profile"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no-such-profile"), "{err}");
    assert!(err.contains("built-in: seed, wide"), "{err}");
}
