//! Small clients shared by the server tests: a plain ureq agent that reports
//! statuses instead of failing, and a raw socket for requests ureq won't send.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// What a test looks at in a response.
pub struct Got {
    pub status: u16,
    pub body: Vec<u8>,
    pub elapsed: Duration,
    pub location: Option<String>,
    pub content_type: Option<String>,
}

/// An agent that neither follows redirects nor treats 4xx/5xx as errors.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .build()
        .into()
}

pub fn get_with(agent: &ureq::Agent, url: &str) -> Got {
    let start = Instant::now();
    let mut response = agent.get(url).call().expect("request succeeds");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let location = header("location");
    let content_type = header("content-type");
    let body = response
        .body_mut()
        .with_config()
        .limit(u64::MAX)
        .read_to_vec()
        .expect("body reads");
    Got {
        status: response.status().as_u16(),
        body,
        elapsed: start.elapsed(),
        location,
        content_type,
    }
}

pub fn get(url: &str) -> Got {
    get_with(&agent(), url)
}

/// Sends `request` as is and returns everything the server sends until it closes.
pub fn raw(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout set");
    stream.write_all(request).expect("request sent");
    let mut out = Vec::new();
    stream.read_to_end(&mut out).expect("server closes");
    String::from_utf8_lossy(&out).into_owned()
}

/// The status code of a raw response text.
pub fn status_of(response: &str) -> u16 {
    response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {response:?}"))
}
