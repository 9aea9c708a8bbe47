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
