//! Embedded loopback demo server with fixed latencies, so lessons that fetch
//! pages work in a lecture hall without network.
//!
//! Built on `std::net` and `httparse` with one thread per connection: a
//! burst of 20 requests is answered in about the configured latency, where
//! heavier server crates added 100–200 ms of their own.
//!
//! Routes: `/page/<name>`, `/delay/<ms>?bytes=N`, `/status/<code>`,
//! `/redirect/<n>`, `/redirect-loop`, `/drip?bytes=N&ms=M`, `/big?bytes=N`
//! and `/` (a plain-text index).

mod conn;
mod profile;
mod routes;

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

pub use profile::{
    MAX_LATENCY_MS, MAX_NAME_LEN, MAX_PAGE_SIZE, MAX_PAGES, PageSpec, Profile, ProfileError,
};

use conn::Shared;

/// Open connections beyond this are answered by closing them, so a runaway
/// client cannot exhaust threads.
const MAX_CONNECTIONS: usize = 1024;

/// How to start a [`DemoServer`].
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Port on 127.0.0.1; 0 picks a free ephemeral port.
    pub port: u16,
    /// Pages served under `/page/<name>`.
    pub profile: Profile,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            port: 0,
            // Embedded at compile time and checked by the test suite, so this
            // can only fail in a build that never passed its tests.
            profile: Profile::builtin("seed").expect("builtin seed profile is valid"),
        }
    }
}

/// Why the server could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServerError {
    /// Binding or inspecting the listening socket failed (port taken, ...).
    Bind {
        /// The address we tried to listen on.
        addr: SocketAddr,
        /// The underlying error.
        source: io::Error,
    },
    /// The operating system refused to start the acceptor thread.
    Spawn(io::Error),
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::Bind { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
            ServerError::Spawn(e) => write!(f, "cannot start server thread: {e}"),
        }
    }
}

impl std::error::Error for ServerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServerError::Bind { source, .. } | ServerError::Spawn(source) => Some(source),
        }
    }
}

/// A running demo server on 127.0.0.1; dropping it stops the server and
/// waits for all of its threads.
pub struct DemoServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl fmt::Debug for DemoServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DemoServer")
            .field("addr", &self.addr)
            .field("profile", &self.shared.profile.name)
            .finish_non_exhaustive()
    }
}

impl DemoServer {
    /// Binds 127.0.0.1 (never other interfaces) and starts accepting.
    pub fn start(config: ServerConfig) -> Result<DemoServer, ServerError> {
        let wanted = SocketAddr::from((Ipv4Addr::LOCALHOST, config.port));
        let bind_error = |source| ServerError::Bind {
            addr: wanted,
            source,
        };
        let listener = TcpListener::bind(wanted).map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        let shared = Arc::new(Shared {
            profile: config.profile,
            stopping: AtomicBool::new(false),
            connections: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            started: std::time::Instant::now(),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name(format!("pollscope-serve-{}", addr.port()))
                .spawn(move || accept_loop(listener, &shared))
                .map_err(ServerError::Spawn)?
        };
        Ok(DemoServer {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// The bound address; the IP is always 127.0.0.1.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Full URL of `path`; a missing leading `/` is added.
    pub fn url(&self, path: &str) -> String {
        if path.starts_with('/') {
            format!("{}{path}", self.base_url())
        } else {
            format!("{}/{path}", self.base_url())
        }
    }

    /// URL of the profile page `name`, if the profile has it.
    pub fn page_url(&self, name: &str) -> Option<String> {
        self.profile()
            .page(name)
            .map(|p| self.url(&format!("/page/{}", p.name)))
    }

    /// `(name, url)` of every profile page, in profile order.
    pub fn page_urls(&self) -> Vec<(String, String)> {
        self.profile()
            .pages
            .iter()
            .map(|p| (p.name.clone(), self.url(&format!("/page/{}", p.name))))
            .collect()
    }

    /// The profile being served.
    pub fn profile(&self) -> &Profile {
        &self.shared.profile
    }

    /// TCP connections accepted so far; shows whether clients reuse connections.
    pub fn connections_accepted(&self) -> u64 {
        self.shared.connections.load(Ordering::Relaxed)
    }

    /// Requests answered or being answered so far, including errors.
    pub fn requests_served(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }

    /// Stops the server and waits for its threads; same as dropping it.
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::Release);
        let Some(acceptor) = self.acceptor.take() else {
            return;
        };
        // The acceptor blocks in accept(); a connection of our own wakes it.
        let woken = TcpStream::connect_timeout(&self.addr, Duration::from_secs(2)).is_ok();
        if woken || acceptor.is_finished() {
            // The acceptor joins every connection thread before it returns.
            let _ = acceptor.join();
        }
        // Otherwise the acceptor is left to exit at its next connection:
        // hanging here forever would be worse than a parked thread.
    }
}

fn accept_loop(listener: TcpListener, shared: &Arc<Shared>) {
    let mut workers: Vec<(JoinHandle<()>, Arc<conn::Slot>)> = Vec::new();
    for stream in listener.incoming() {
        if shared.stopping() {
            break;
        }
        let Ok(stream) = stream else {
            // Transient failures (e.g. out of file descriptors): back off a little.
            std::thread::sleep(conn::POLL_SLICE);
            continue;
        };
        workers.retain(|(w, _)| !w.is_finished());
        if workers.len() >= MAX_CONNECTIONS && !make_room(&workers) {
            // Every connection is busy answering: this client hears why, not silence.
            refuse(stream);
            continue;
        }
        shared.connections.fetch_add(1, Ordering::Relaxed);
        let worker_shared = Arc::clone(shared);
        let slot = Arc::new(conn::Slot::default());
        let worker_slot = Arc::clone(&slot);
        // If the OS refuses a thread, the connection is dropped (client sees a reset).
        if let Ok(worker) = std::thread::Builder::new()
            .name("pollscope-conn".into())
            // A connection thread parses a request and streams a static buffer.
            .stack_size(256 * 1024)
            .spawn(move || conn::serve(stream, &worker_shared, &worker_slot))
        {
            workers.push((worker, slot));
        }
    }
    drop(listener);
    for (worker, _) in workers {
        let _ = worker.join();
    }
}

/// At the connection cap: asks the connection that has waited longest for a request (an
/// idle keep-alive, a client trickling its head) to close, so a fresh client is served.
/// It goes within one poll slice; until then the cap is passed by one. `false` if every
/// connection is busy answering.
fn make_room(workers: &[(JoinHandle<()>, Arc<conn::Slot>)]) -> bool {
    let oldest = workers
        .iter()
        .filter(|(_, slot)| !slot.evicted())
        .filter_map(|(_, slot)| slot.waiting_since().map(|t| (t, slot)))
        .min_by_key(|(t, _)| *t);
    oldest.is_some_and(|(_, slot)| slot.evict())
}

/// Answers a client for whom there is no room with 503 and closes; a client that does not
/// read it in time is simply dropped.
fn refuse(mut stream: TcpStream) {
    use std::io::Write;
    let _ = stream.set_write_timeout(Some(conn::POLL_SLICE));
    let body = "503 Service Unavailable: every connection is busy; try again\n";
    let reply = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: \
         {}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(reply.as_bytes());
}
