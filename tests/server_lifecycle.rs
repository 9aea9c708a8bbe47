//! Binding, connection reuse and shutdown of the demo server.

#![cfg(feature = "server")]

mod support;

use std::net::{Ipv4Addr, TcpStream};
use std::time::Duration;

use pollscope::server::{DemoServer, ServerConfig, ServerError};
use support::{agent, get_with, raw, status_of};

fn server() -> DemoServer {
    DemoServer::start(ServerConfig::default()).expect("server starts")
}

#[test]
fn binds_loopback_only_on_an_ephemeral_port() {
    let server = server();
    assert_eq!(server.addr().ip(), Ipv4Addr::LOCALHOST);
    assert_ne!(server.addr().port(), 0);
    assert_eq!(
        server.base_url(),
        format!("http://127.0.0.1:{}", server.addr().port())
    );
    assert_eq!(server.url("x"), server.url("/x"));
    let names: Vec<_> = server.page_urls().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["google", "python.org", "amazon", "python-forum"]);
    assert_eq!(server.page_url("amazon"), Some(server.url("/page/amazon")));
}

#[test]
fn taken_port_is_a_bind_error() {
    let first = server();
    let config = ServerConfig {
        port: first.addr().port(),
        ..ServerConfig::default()
    };
    let err = DemoServer::start(config).expect_err("port is taken");
    assert!(matches!(err, ServerError::Bind { .. }));
    assert!(err.to_string().contains("127.0.0.1"), "{err}");
}

#[test]
fn after_drop_the_port_refuses() {
    let server = server();
    let addr = server.addr();
    assert_eq!(get_with(&agent(), &server.url("/status/200")).status, 200);
    server.shutdown();
    let err = TcpStream::connect(addr).expect_err("nothing listens any more");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
}

#[test]
fn drop_returns_while_a_slow_request_is_in_flight() {
    let server = server();
    let url = server.url("/drip?bytes=1000&ms=1500");
    let client = std::thread::spawn(move || {
        let agent = agent();
        agent
            .get(&url)
            .call()
            .and_then(|mut r| r.body_mut().read_to_vec())
    });
    // Give the request time to reach the server's drip loop.
    while server.requests_served() == 0 {
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(server);
    let result = client.join().expect("client thread");
    assert!(result.is_err(), "the drip was cut short, not completed");
}

#[test]
fn drop_returns_with_an_idle_keep_alive_client() {
    let server = server();
    let idle = TcpStream::connect(server.addr()).expect("connects");
    while server.connections_accepted() == 0 {
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(server);
    drop(idle);
}

#[test]
fn keep_alive_reuses_one_connection() {
    let server = server();
    let agent = agent();
    for _ in 0..3 {
        let got = get_with(&agent, &server.url("/page/google"));
        assert_eq!(got.status, 200);
        assert_eq!(got.body.len(), 14_200);
    }
    assert_eq!(server.requests_served(), 3);
    assert_eq!(server.connections_accepted(), 1);
}

#[test]
fn connection_close_is_honoured() {
    let server = server();
    // `raw` reads until the server closes, so returning at all proves it.
    let response = raw(
        server.addr(),
        b"GET /status/200 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status_of(&response), 200);
    assert!(response.contains("Connection: close"));
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let server = server();
    let response = raw(
        server.addr(),
        b"GET /status/201 HTTP/1.1\r\nHost: x\r\n\r\n\
          GET /status/202 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let first = response.find("HTTP/1.1 201").expect("first answered");
    let second = response.find("HTTP/1.1 202").expect("second answered");
    assert!(first < second);
}

#[test]
fn burst_of_requests_is_served_concurrently() {
    let server = server();
    let url = server.url("/delay/100?bytes=10");
    let handles: Vec<_> = (0..20)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || get_with(&agent(), &url).status)
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().expect("client thread"), 200);
    }
    assert_eq!(server.connections_accepted(), 20);
}
