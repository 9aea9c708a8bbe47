//! Every failure lands in the right `FetchError` variant and class.

#![cfg(feature = "http")]

use std::net::TcpListener;
use std::time::Duration;

use pollscope::http::{FetchConfig, FetchError, TimeoutPhase, fetch};
use pollscope::server::{DemoServer, ServerConfig};

fn server() -> DemoServer {
    DemoServer::start(ServerConfig::default()).expect("server starts")
}

#[test]
fn closed_port_is_refused() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let err = fetch(
        &format!("http://127.0.0.1:{port}/"),
        &FetchConfig::default(),
    )
    .expect_err("nothing listens");
    assert!(matches!(err, FetchError::ConnectionRefused(_)), "{err:?}");
    assert_eq!(err.class(), "refused");
    assert!(err.to_string().contains(&port.to_string()), "{err}");
}

#[test]
fn slow_head_is_a_response_timeout() {
    let server = server();
    let config = FetchConfig {
        response_timeout: Duration::from_millis(200),
        ..FetchConfig::default()
    };
    let err = fetch(&server.url("/delay/2000"), &config).expect_err("too slow");
    assert_eq!(err, FetchError::Timeout(TimeoutPhase::Response));
    assert_eq!(err.class(), "timeout");
    assert_eq!(err.to_string(), "timed out: response");
}

#[test]
fn slow_body_is_a_body_timeout() {
    let server = server();
    let config = FetchConfig {
        body_timeout: Duration::from_millis(150),
        ..FetchConfig::default()
    };
    let err = fetch(&server.url("/drip?bytes=100&ms=1000"), &config).expect_err("too slow");
    assert_eq!(err, FetchError::Timeout(TimeoutPhase::Body));
}

#[test]
fn error_status_is_status() {
    let server = server();
    let err = fetch(&server.url("/status/404"), &FetchConfig::default()).expect_err("404");
    assert_eq!(err, FetchError::Status(404));
    assert_eq!(err.class(), "status");
    assert_eq!(err.to_string(), "http status 404");
}

#[test]
fn body_over_the_cap_is_too_large() {
    let server = server();
    let config = FetchConfig {
        body_cap: 1_000_000,
        ..FetchConfig::default()
    };
    let err = fetch(&server.url("/big?bytes=2000000"), &config).expect_err("over the cap");
    assert_eq!(err, FetchError::BodyTooLarge { cap: 1_000_000 });
    assert_eq!(err.class(), "too-large");
    assert_eq!(err.to_string(), "body over the cap of 1000000 bytes");
}

#[test]
fn redirect_loop_is_too_many_redirects() {
    let server = server();
    let err = fetch(&server.url("/redirect-loop"), &FetchConfig::default()).expect_err("loop");
    assert_eq!(err, FetchError::TooManyRedirects);
    assert_eq!(err.class(), "redirects");
}

#[test]
fn more_redirects_than_allowed_fail() {
    let server = server();
    let config = FetchConfig {
        max_redirects: 2,
        ..FetchConfig::default()
    };
    assert_eq!(
        fetch(&server.url("/redirect/3"), &config),
        Err(FetchError::TooManyRedirects)
    );
    assert!(fetch(&server.url("/redirect/2"), &config).is_ok());
}

#[test]
fn malformed_urls_are_invalid() {
    for url in [
        "not a url",
        "http://",
        "",
        "ftp://example.com/",
        "/relative/path",
        "http://exa mple.com/",
    ] {
        let err = fetch(url, &FetchConfig::default()).expect_err(url);
        assert!(matches!(err, FetchError::InvalidUrl(_)), "{url:?}: {err:?}");
        assert_eq!(err.class(), "invalid-url");
    }
}

#[test]
fn unresolvable_host_is_dns() {
    // `.invalid` is reserved (RFC 2606) and never resolves, even offline.
    let err =
        fetch("http://pollscope.invalid/", &FetchConfig::default()).expect_err("no such host");
    assert!(
        matches!(&err, FetchError::Dns(host) if host == "pollscope.invalid"),
        "{err:?}"
    );
    assert_eq!(err.class(), "dns");
}

#[test]
fn a_port_out_of_range_is_named_not_tried() {
    for (url, port) in [
        ("http://127.0.0.1:99999/", "99999"),
        ("http://localhost:0/x", "0"),
    ] {
        let err = fetch(url, &FetchConfig::default()).unwrap_err();
        assert!(matches!(err, FetchError::InvalidUrl(_)), "{err:?}");
        assert!(
            err.to_string()
                .contains(&format!("port {port} is out of range")),
            "{err}"
        );
    }
    // In a run, the task's error says so (a fetch error is part of what a lesson shows).
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(["step", "threads", "--url", "http://127.0.0.1:99999/"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("port 99999 is out of range"), "{stdout}");
    assert!(!stdout.contains("connection refused"), "{stdout}");
}

#[test]
fn a_response_head_over_the_cap_is_named() {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    let server = std::thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        let mut byte = [0u8; 1];
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
            head.push(byte[0]);
        }
        let big = "a".repeat(1 << 20);
        let _ = stream.write_all(
            format!("HTTP/1.1 200 OK\r\nX-Big: {big}\r\nContent-Length: 2\r\n\r\nok").as_bytes(),
        );
    });
    let err = fetch(&url, &FetchConfig::default()).unwrap_err();
    let _ = server.join();
    assert!(
        matches!(err, FetchError::HeaderTooLarge { .. }),
        "{err:?}: {err}"
    );
    assert!(err.to_string().contains("response head over"), "{err}");
}
