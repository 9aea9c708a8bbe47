//! Blocking HTTP fetches on `ureq`, with every failure sorted into one small
//! error enum that lessons can show and JSON output can name.
//!
//! Fetches are meant to run on worker threads: [`Fetcher`] is `Send + Sync`
//! and reuses connections across calls.

mod quickack;

use std::fmt;
use std::io::{self, Read};
use std::time::{Duration, Instant};

use ureq::http::Uri;

/// Limits for one fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchConfig {
    /// Budget for resolving the host and opening the TCP connection.
    pub connect_timeout: Duration,
    /// Budget for receiving the response head once the request is sent.
    pub response_timeout: Duration,
    /// Budget for receiving the whole body once the head has arrived.
    pub body_timeout: Duration,
    /// Bodies longer than this fail with [`FetchError::BodyTooLarge`].
    pub body_cap: u64,
    /// Redirects followed before [`FetchError::TooManyRedirects`]; 0 returns the 3xx itself.
    pub max_redirects: u32,
    /// Connections kept open per host for later requests; 0 opens a fresh connection for
    /// every request.
    pub idle_connections: usize,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            connect_timeout: Duration::from_secs(5),
            response_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            body_cap: 10 * 1024 * 1024,
            max_redirects: 5,
            idle_connections: 3,
        }
    }
}

/// A completed fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The URL as requested (before any redirects).
    pub url: String,
    /// Status code of the final response.
    pub status: u16,
    /// Body bytes received (after content decoding, if the server compressed).
    pub bytes: u64,
    /// Wall-clock time from starting the request (connecting included) to the last body byte.
    pub elapsed: Duration,
}

/// Which part of a fetch ran out of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeoutPhase {
    /// Resolving the host or opening the connection.
    Connect,
    /// Waiting for the response head.
    Response,
    /// Receiving the body.
    Body,
    /// Any other budget (sending the request, ...).
    Other,
}

impl fmt::Display for TimeoutPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutPhase::Connect => "connect",
            TimeoutPhase::Response => "response",
            TimeoutPhase::Body => "body",
            TimeoutPhase::Other => "other",
        })
    }
}

/// Why a fetch failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchError {
    /// The URL cannot be fetched as written (no scheme, no host, bad characters, ...).
    InvalidUrl(String),
    /// The host name did not resolve; holds the host.
    Dns(String),
    /// Nothing listens at the address; holds the URL's host and port.
    ConnectionRefused(String),
    /// A time budget of [`FetchConfig`] ran out.
    Timeout(TimeoutPhase),
    /// The server answered with a 4xx or 5xx status.
    Status(u16),
    /// The body is longer than [`FetchConfig::body_cap`].
    BodyTooLarge {
        /// The cap that was exceeded, in bytes.
        cap: u64,
    },
    /// More redirects than [`FetchConfig::max_redirects`].
    TooManyRedirects,
    /// The response's status line and headers are longer than the client takes.
    HeaderTooLarge {
        /// The cap, in bytes.
        cap: usize,
    },
    /// Any other I/O or protocol failure, with its description.
    Io(String),
}

impl FetchError {
    /// Stable kebab-case name of the variant, for JSON output and tests.
    pub fn class(&self) -> &'static str {
        match self {
            FetchError::InvalidUrl(_) => "invalid-url",
            FetchError::Dns(_) => "dns",
            FetchError::ConnectionRefused(_) => "refused",
            FetchError::Timeout(_) => "timeout",
            FetchError::Status(_) => "status",
            FetchError::BodyTooLarge { .. } => "too-large",
            FetchError::TooManyRedirects => "redirects",
            FetchError::HeaderTooLarge { .. } => "head-too-large",
            FetchError::Io(_) => "io",
        }
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::InvalidUrl(v) => write!(f, "invalid url: {v}"),
            FetchError::Dns(host) => write!(f, "host not found: {host}"),
            FetchError::ConnectionRefused(addr) => write!(f, "connection refused: {addr}"),
            FetchError::Timeout(phase) => write!(f, "timed out: {phase}"),
            FetchError::Status(code) => write!(f, "http status {code}"),
            FetchError::BodyTooLarge { cap } => write!(f, "body over the cap of {cap} bytes"),
            FetchError::TooManyRedirects => write!(f, "too many redirects"),
            FetchError::HeaderTooLarge { cap } => {
                write!(f, "response head over the cap of {} KiB", cap / 1024)
            }
            FetchError::Io(v) => write!(f, "io: {v}"),
        }
    }
}

impl std::error::Error for FetchError {}

/// Fetches pages with one shared `ureq` agent, so connections are reused.
#[derive(Debug, Clone)]
pub struct Fetcher {
    agent: ureq::Agent,
    config: FetchConfig,
}

impl Default for Fetcher {
    fn default() -> Self {
        Fetcher::new(FetchConfig::default())
    }
}

impl Fetcher {
    /// An agent with the budgets of `config`.
    pub fn new(config: FetchConfig) -> Fetcher {
        let agent_config = ureq::Agent::config_builder()
            // Host lookup is part of connecting from the user's point of view.
            .timeout_resolve(Some(config.connect_timeout))
            .timeout_connect(Some(config.connect_timeout))
            .timeout_recv_response(Some(config.response_timeout))
            .timeout_recv_body(Some(config.body_timeout))
            .max_redirects(config.max_redirects)
            // ureq's default 128 KiB buffers are zeroed per connection: with 64 requests
            // at once that zeroing showed up as a tenth of the CPU time. A GET needs little:
            // 32 KiB in, of which a response head may take 16.
            .input_buffer_size(2 * MAX_RESPONSE_HEAD)
            // Half the buffer, so an overlong head is named as such: a head that filled
            // the buffer unparsed reads as "Peer disconnected".
            .max_response_header_size(MAX_RESPONSE_HEAD)
            .output_buffer_size(4 * 1024)
            .max_idle_connections(config.idle_connections.max(1) * 4)
            .max_idle_connections_per_host(config.idle_connections)
            .http_status_as_error(true)
            .build();
        // ureq's default chain with one link replaced: TCP connections that acknowledge
        // at once (see `quickack`), so a reused connection does not stall.
        use ureq::unversioned::transport::{ConnectProxyConnector, Connector, RustlsConnector};
        let connector =
            ().chain(ConnectProxyConnector::default())
                .chain(quickack::QuickAckConnector)
                .chain(RustlsConnector::default());
        let agent = ureq::Agent::with_parts(
            agent_config,
            connector,
            ureq::unversioned::resolver::DefaultResolver::default(),
        );
        Fetcher { agent, config }
    }

    /// The limits this fetcher applies.
    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// GETs `url` and counts its body without keeping it; blocks until done.
    pub fn fetch(&self, url: &str) -> Result<Fetched, FetchError> {
        let uri: Uri = url
            .parse()
            .map_err(|e| FetchError::InvalidUrl(format!("{url}: {e}")))?;
        let target = Target::of(&uri, url)?;
        let start = Instant::now();

        let mut request = self.agent.get(url);
        if target.loopback {
            // The demo server is local: an HTTP_PROXY set for the outside
            // world must not swallow it.
            request = request.config().proxy(None).build();
        }
        let mut response = request.call().map_err(|e| target.classify(e))?;
        let status = response.status().as_u16();

        let mut reader = response
            .body_mut()
            .with_config()
            .limit(self.config.body_cap)
            .reader();
        let mut buf = [0u8; 16 * 1024];
        let mut bytes = 0u64;
        loop {
            match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => bytes += n as u64,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(target.classify(ureq::Error::from(e))),
            }
        }
        Ok(Fetched {
            url: url.to_string(),
            status,
            bytes,
            elapsed: start.elapsed(),
        })
    }
}

/// The longest response head (status line and headers) a fetch takes, in bytes.
pub const MAX_RESPONSE_HEAD: usize = 16 * 1024;

/// Fetches `url` once with a fresh agent; use a [`Fetcher`] to reuse connections.
pub fn fetch(url: &str, config: &FetchConfig) -> Result<Fetched, FetchError> {
    Fetcher::new(config.clone()).fetch(url)
}

impl fmt::Display for Fetched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} bytes (status {}) in {:.0} ms",
            self.bytes,
            self.status,
            self.elapsed.as_secs_f64() * 1e3
        )
    }
}

/// Starts a worker thread fetching `url` now and returns the handle to await; the
/// thread is named after the page (`fetch-google`), so wakes read "woken by thread
/// fetch-google".
pub fn spawn_fetch(
    fetcher: &Fetcher,
    url: &str,
) -> crate::worker::ThreadHandle<Fetched, FetchError> {
    let fetcher = fetcher.clone();
    let owned = url.to_owned();
    crate::worker::spawn(&thread_name(url), move || fetcher.fetch(&owned))
}

/// `fetch-<last path segment or host>` for a URL.
pub fn thread_name(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let page = rest
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("page");
    format!("fetch-{page}")
}

/// What error messages need to know about the URL.
struct Target {
    host: String,
    authority: String,
    loopback: bool,
}

impl Target {
    fn of(uri: &Uri, url: &str) -> Result<Target, FetchError> {
        match uri.scheme_str() {
            Some("http" | "https") => {}
            Some(other) => {
                return Err(FetchError::InvalidUrl(format!(
                    "{url}: unsupported scheme {other}"
                )));
            }
            None => return Err(FetchError::InvalidUrl(format!("{url}: missing scheme"))),
        }
        let host = match uri.host() {
            Some(h) if !h.is_empty() => h.to_string(),
            _ => return Err(FetchError::InvalidUrl(format!("{url}: missing host"))),
        };
        // A port past 65535 parses, and would be connected to as another port: refused here.
        // (`Uri::port` hides such a port: the authority's text shows it.)
        let port = uri
            .authority()
            .and_then(|a| a.as_str().rsplit_once(':'))
            .map(|(_, p)| p)
            .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        if let Some(port) = port
            && !port.parse::<u16>().is_ok_and(|p| p > 0)
        {
            return Err(FetchError::InvalidUrl(format!(
                "{url}: port {port} is out of range (1 to 65535)"
            )));
        }
        let authority = uri.authority().map_or(host.clone(), |a| a.to_string());
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let loopback = bare.eq_ignore_ascii_case("localhost")
            || bare
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        Ok(Target {
            host,
            authority,
            loopback,
        })
    }

    /// Sorts a ureq error into a [`FetchError`].
    fn classify(&self, e: ureq::Error) -> FetchError {
        use ureq::Error as U;
        match e {
            U::StatusCode(code) => FetchError::Status(code),
            U::BadUri(v) => FetchError::InvalidUrl(v),
            U::Http(v) => FetchError::InvalidUrl(v.to_string()),
            U::HostNotFound => FetchError::Dns(self.host.clone()),
            U::Timeout(t) => FetchError::Timeout(phase(t)),
            U::BodyExceedsLimit(cap) => FetchError::BodyTooLarge { cap },
            U::TooManyRedirects => FetchError::TooManyRedirects,
            U::LargeResponseHeader(_, cap) => FetchError::HeaderTooLarge { cap },
            U::Io(io) => self.classify_io(io),
            other => FetchError::Io(other.to_string()),
        }
    }

    fn classify_io(&self, e: io::Error) -> FetchError {
        match e.kind() {
            io::ErrorKind::ConnectionRefused => {
                FetchError::ConnectionRefused(self.authority.clone())
            }
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
                FetchError::Timeout(TimeoutPhase::Other)
            }
            // std reports resolver failures with an unstable error kind; its
            // message prefix is the only stable marker.
            _ if e.to_string().starts_with("failed to lookup address") => {
                FetchError::Dns(self.host.clone())
            }
            _ => FetchError::Io(e.to_string()),
        }
    }
}

fn phase(t: ureq::Timeout) -> TimeoutPhase {
    match t {
        ureq::Timeout::Resolve | ureq::Timeout::Connect => TimeoutPhase::Connect,
        ureq::Timeout::RecvResponse => TimeoutPhase::Response,
        ureq::Timeout::RecvBody => TimeoutPhase::Body,
        _ => TimeoutPhase::Other,
    }
}
