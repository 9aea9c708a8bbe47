//! Successful fetches against the demo server.

#![cfg(feature = "http")]

use std::time::Duration;

use pollscope::http::{FetchConfig, Fetcher, fetch};
use pollscope::server::{DemoServer, ServerConfig};

fn server() -> DemoServer {
    DemoServer::start(ServerConfig::default()).expect("server starts")
}

#[test]
fn fetch_counts_exact_bytes() {
    let server = server();
    let url = server.url("/page/python.org");
    let got = fetch(&url, &FetchConfig::default()).expect("fetch succeeds");
    assert_eq!(got.status, 200);
    assert_eq!(got.bytes, 49_600);
    assert_eq!(got.url, url);
    assert!(got.elapsed >= Duration::from_millis(200));
}

#[test]
fn body_exactly_at_the_cap_is_fine() {
    let server = server();
    let config = FetchConfig {
        body_cap: 5000,
        ..FetchConfig::default()
    };
    let got = fetch(&server.url("/big?bytes=5000"), &config).expect("at the cap");
    assert_eq!(got.bytes, 5000);
}

#[test]
fn redirects_are_followed() {
    let server = server();
    let got = fetch(&server.url("/redirect/3"), &FetchConfig::default()).expect("follows");
    assert_eq!(got.status, 200);
}

#[test]
fn fetcher_reuses_its_connection() {
    let server = server();
    let fetcher = Fetcher::new(FetchConfig::default());
    for (_, url) in server.page_urls() {
        fetcher.fetch(&url).expect("page fetches");
    }
    assert_eq!(server.connections_accepted(), 1);
}

#[test]
fn fetcher_is_shareable_across_threads() {
    let server = server();
    let fetcher = std::sync::Arc::new(Fetcher::default());
    let handles: Vec<_> = server
        .page_urls()
        .into_iter()
        .map(|(_, url)| {
            let fetcher = std::sync::Arc::clone(&fetcher);
            std::thread::spawn(move || fetcher.fetch(&url).map(|f| f.bytes))
        })
        .collect();
    let total: u64 = handles
        .into_iter()
        .map(|h| h.join().expect("thread").expect("fetch"))
        .sum();
    assert_eq!(total, server.profile().total_size());
}

/// A server that answers one request with `body` marked as gzip-encoded, and hands back
/// the request's head.
fn encoded_server(body: Vec<u8>) -> (String, std::thread::JoinHandle<String>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    let handle = std::thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return String::new();
        };
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
            head.push(byte[0]);
        }
        let reply = format!(
            "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(reply.as_bytes());
        let _ = stream.write_all(&body);
        String::from_utf8_lossy(&head).into_owned()
    });
    (url, handle)
}

#[test]
fn bytes_are_counted_as_received_not_decoded() {
    // 52 bytes that a decoder would have turned into 1,700: counted as 52, the bytes that
    // came over the wire (README: "bytes received (not decoded)").
    let (url, head) = encoded_server(vec![0x1f; 52]);
    let got = fetch(&url, &FetchConfig::default()).expect("fetch succeeds");
    assert_eq!(got.bytes, 52);
    let head = head.join().expect("server thread").to_ascii_lowercase();
    assert!(!head.contains("accept-encoding: gzip"), "{head}");
    // The body cap holds the received bytes too: 1 MB compressed is 1 MB, under 10 MiB.
    let (url, _) = encoded_server(vec![7; 1 << 20]);
    let got = fetch(&url, &FetchConfig::default()).expect("under the cap as received");
    assert_eq!(got.bytes, 1 << 20);
}
