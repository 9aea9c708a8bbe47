//! The demo server under slow and idle clients: 2,000 connections that send nothing or
//! trickle a request a byte at a time do not keep a fresh request from its answer, and a
//! trickler is dropped at the request deadline.

#![cfg(feature = "http")]

use pollscope::http::{FetchConfig, fetch};
use pollscope::server::{DemoServer, ServerConfig};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

#[test]
fn a_fresh_request_is_answered_while_2000_idle_or_trickling_connections_are_open() {
    let server = DemoServer::start(ServerConfig::default()).expect("server starts");
    let addr = server
        .url("/")
        .replace("http://", "")
        .trim_end_matches('/')
        .to_owned();
    let mut idle = Vec::new();
    let mut tricklers = Vec::new();
    for i in 0..2_000 {
        let stream = TcpStream::connect(&addr).expect("connects");
        if i % 2 == 0 {
            idle.push(stream);
        } else {
            tricklers.push(stream);
        }
    }
    // One byte of a request head every 200 ms on each trickler.
    let head = b"GET /page/google HTTP/1.1\r\nHost: x\r\n\r\n";
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let trickle = {
        let stop = stop.clone();
        let mut streams: Vec<TcpStream> = tricklers
            .iter()
            .map(|s| s.try_clone().expect("clone"))
            .collect();
        std::thread::spawn(move || {
            let mut at = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && at < head.len() {
                for s in &mut streams {
                    let _ = s.write_all(&head[at..at + 1]);
                }
                at += 1;
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let page = fetch(&server.url("/page/google"), &FetchConfig::default());
    let page = page.unwrap_or_else(|e| panic!("a fresh request failed: {e}"));
    assert_eq!(page.status, 200);
    assert_eq!(page.bytes, 14_200);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = trickle.join();
    // A trickler still open hears 408 at the deadline, or was closed to make room.
    let mut reply = Vec::new();
    let Some(t) = tricklers.last_mut() else {
        return;
    };
    let _ = t.set_read_timeout(Some(Duration::from_secs(15)));
    let _ = t.read_to_end(&mut reply);
    let reply = String::from_utf8_lossy(&reply);
    assert!(
        reply.is_empty() || reply.starts_with("HTTP/1.1 408"),
        "{}",
        &reply[..reply.len().min(200)]
    );
    drop(idle);
}
