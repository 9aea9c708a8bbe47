//! Every route of the demo server: status, exact body size, and latency as a
//! lower bound only (tests run in parallel, so upper bounds would flake).

#![cfg(feature = "server")]

mod support;

use std::time::Duration;

use pollscope::server::{DemoServer, ServerConfig};
use support::{get, raw, status_of};

fn server() -> DemoServer {
    DemoServer::start(ServerConfig::default()).expect("server starts")
}

#[test]
fn pages_have_profile_size_latency_and_html_type() {
    let server = server();
    let urls = server.page_urls();
    let handles: Vec<_> = urls
        .iter()
        .map(|(_, url)| {
            let url = url.clone();
            std::thread::spawn(move || get(&url))
        })
        .collect();
    for ((name, _), handle) in urls.iter().zip(handles) {
        let got = handle.join().expect("fetch thread");
        let page = server.profile().page(name).expect("page exists");
        assert_eq!(got.status, 200, "{name}");
        assert_eq!(got.body.len() as u64, page.size, "{name}");
        assert!(
            got.elapsed >= Duration::from_millis(page.latency_ms),
            "{name}"
        );
        assert!(
            got.content_type
                .unwrap_or_default()
                .starts_with("text/html")
        );
    }
}

#[test]
fn bodies_are_deterministic() {
    let server = server();
    let a = get(&server.url("/page/google")).body;
    let b = get(&server.url("/page/google")).body;
    assert_eq!(a, b);
    assert!(a.starts_with(b"<p>"));
}

#[test]
fn unknown_page_is_404() {
    let server = server();
    assert_eq!(get(&server.url("/page/nope")).status, 404);
    assert_eq!(get(&server.url("/nowhere")).status, 404);
}

#[test]
fn delay_waits_then_sends_bytes() {
    let server = server();
    let got = get(&server.url("/delay/150?bytes=12345"));
    assert_eq!(got.status, 200);
    assert_eq!(got.body.len(), 12345);
    assert!(got.elapsed >= Duration::from_millis(150));
    assert_eq!(get(&server.url("/delay/0")).body.len(), 1024);
}

#[test]
fn bad_numbers_and_queries_are_400() {
    let server = server();
    for path in [
        "/delay/abc",
        "/delay/10?bytes=abc",
        "/delay/10?bytes=-1",
        "/delay/10?byte=5",
        "/delay/999999999",
        "/big?bytes=99999999999999",
        "/drip?ms=x",
        "/status/99",
        "/status/600",
        "/status/abc",
        "/page/google?x=1",
        "/delay/10?novalue",
    ] {
        let got = get(&server.url(path));
        assert_eq!(got.status, 400, "{path}");
        assert!(!got.body.is_empty(), "{path} explains itself");
    }
}

#[test]
fn status_route_answers_that_code() {
    let server = server();
    for code in [200, 201, 404, 418, 500, 503, 299, 599] {
        let got = get(&server.url(&format!("/status/{code}")));
        assert_eq!(got.status, code);
        assert!(!got.body.is_empty());
    }
    let got = get(&server.url("/status/204"));
    assert_eq!(got.status, 204);
    assert!(got.body.is_empty());
}

#[test]
fn redirect_counts_down_to_200() {
    let server = server();
    let got = get(&server.url("/redirect/3"));
    assert_eq!(got.status, 302);
    assert_eq!(got.location.as_deref(), Some("/redirect/2"));
    assert_eq!(get(&server.url("/redirect/0")).status, 200);

    let follow: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(5)
        .proxy(None)
        .build()
        .into();
    let response = follow
        .get(&server.url("/redirect/3"))
        .call()
        .expect("follows");
    assert_eq!(response.status().as_u16(), 200);
}

#[test]
fn redirect_loop_points_at_itself() {
    let server = server();
    for path in ["/redirect-loop", "/loop"] {
        let got = get(&server.url(path));
        assert_eq!(got.status, 302);
        assert_eq!(got.location.as_deref(), Some(path));
    }
}

#[test]
fn drip_sends_all_bytes_over_the_time() {
    let server = server();
    let got = get(&server.url("/drip?bytes=1001&ms=300"));
    assert_eq!(got.status, 200);
    assert_eq!(got.body.len(), 1001);
    assert!(got.elapsed >= Duration::from_millis(300));
    assert_eq!(get(&server.url("/drip?bytes=3&ms=0")).body.len(), 3);
    assert_eq!(get(&server.url("/drip?bytes=0&ms=0")).body.len(), 0);
}

#[test]
fn big_streams_exact_size() {
    let server = server();
    let got = get(&server.url("/big?bytes=3000000"));
    assert_eq!(got.status, 200);
    assert_eq!(got.body.len(), 3_000_000);
    assert_eq!(get(&server.url("/big")).body.len(), 1 << 20);
}

#[test]
fn index_lists_routes_and_pages() {
    let server = server();
    let got = get(&server.base_url());
    assert_eq!(got.status, 200);
    let text = String::from_utf8(got.body).expect("index is text");
    for needle in [
        "/delay/",
        "/drip",
        "/big",
        "/status/",
        "/redirect/",
        "/page/python.org",
    ] {
        assert!(text.contains(needle), "index mentions {needle}");
    }
}

#[test]
fn other_methods_are_405() {
    let server = server();
    let response = raw(
        server.addr(),
        b"POST /page/google HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi",
    );
    assert_eq!(status_of(&response), 405);
    assert!(response.contains("Allow: GET, HEAD"));
}

#[test]
fn head_sends_length_without_body() {
    let server = server();
    let response = raw(
        server.addr(),
        b"HEAD /big?bytes=5000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status_of(&response), 200);
    assert!(response.contains("Content-Length: 5000\r\n"));
    assert!(response.ends_with("\r\n\r\n"), "no body after the head");
}

#[test]
fn garbage_is_400_not_a_crash() {
    let server = server();
    for junk in [
        &b"\x00\x01\x02 nonsense\r\n\r\n"[..],
        b"GET\r\n\r\n",
        b"GET /page/google HTTP/9.9\r\n\r\n",
        b"GET /page/google HTTP/1.1\r\nBad Header\r\n\r\n",
        b"GET page/google HTTP/1.1\r\n\r\n",
    ] {
        assert_eq!(status_of(&raw(server.addr(), junk)), 400, "{junk:?}");
    }
    // A head that never ends is cut off instead of buffered forever.
    let mut huge = b"GET / HTTP/1.1\r\nX-Long: ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 20_000));
    assert_eq!(status_of(&raw(server.addr(), &huge)), 431);
    // The server still works afterwards.
    assert_eq!(get(&server.url("/status/200")).status, 200);
}
