//! One client connection: read requests with `httparse`, answer them, repeat
//! while the client keeps the connection alive.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::profile::Profile;
use super::routes::{self, Body, Reply};

/// Largest request head accepted; real clients send well under 1 KiB.
const MAX_HEAD: usize = 16 * 1024;
/// Most header lines accepted in one request.
const MAX_HEADERS: usize = 64;
/// How often blocked reads, writes and sleeps look at the shutdown flag.
pub(crate) const POLL_SLICE: Duration = Duration::from_millis(20);
/// Idle keep-alive connections are closed after this long without a byte.
const IDLE_LIMIT: Duration = Duration::from_secs(30);
/// A client that stops reading a response this long is dropped.
const STALL_LIMIT: Duration = Duration::from_secs(30);
/// A request head must arrive whole within this long of its first byte: a client that
/// trickles a byte a second is dropped (with 408), not waited for.
pub(crate) const HEAD_DEADLINE: Duration = Duration::from_secs(10);

/// One connection as the acceptor sees it: whether it waits for a request (and since
/// when), and a flag to close it when room is needed for a fresh client.
#[derive(Default)]
pub(crate) struct Slot {
    /// Milliseconds since the server started at which it began waiting for a request
    /// head (plus one, so 0 means "busy answering").
    waiting_since: AtomicU64,
    /// Set by the acceptor: close at the next look (between requests only).
    evict: AtomicBool,
}

impl Slot {
    /// When it began waiting for a request, if it is waiting.
    pub fn waiting_since(&self) -> Option<u64> {
        self.waiting_since.load(Ordering::Relaxed).checked_sub(1)
    }

    /// Asks it to close; false if it was asked already.
    pub fn evict(&self) -> bool {
        !self.evict.swap(true, Ordering::Relaxed)
    }

    /// Whether it was asked to close.
    pub fn evicted(&self) -> bool {
        self.evict.load(Ordering::Relaxed)
    }
}

/// State every thread of one server shares.
pub(crate) struct Shared {
    pub profile: Profile,
    pub stopping: AtomicBool,
    pub connections: AtomicU64,
    pub requests: AtomicU64,
    /// When the server started: the clock of [`Slot::waiting_since`].
    pub started: Instant,
}

impl Shared {
    pub fn stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
    }

    /// Sleeps `dur` in short slices; `false` means the server is stopping.
    fn sleep(&self, dur: Duration) -> bool {
        let deadline = Instant::now() + dur;
        loop {
            if self.stopping() {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return true;
            }
            std::thread::sleep((deadline - now).min(POLL_SLICE));
        }
    }
}

/// What the client asked for, copied out of the read buffer.
struct Request {
    head_only: bool,
    target: String,
    keep_alive: bool,
}

enum Incoming {
    Request(Request),
    /// A request we answer with an error and then close, e.g. 400 or 405.
    Reject(Reply),
    Closed,
}

/// Serves `stream` until the client closes, misbehaves or the server stops.
/// Errors only end the connection: nothing a client sends can panic this thread.
pub(crate) fn serve(mut stream: TcpStream, shared: &Shared, slot: &Slot) {
    if configure(&stream).is_err() {
        return;
    }
    let mut buf = Vec::with_capacity(1024);
    loop {
        let now = shared.started.elapsed().as_millis() as u64;
        slot.waiting_since.store(now + 1, Ordering::Relaxed);
        let incoming = read_request(&mut stream, &mut buf, shared, slot);
        slot.waiting_since.store(0, Ordering::Relaxed);
        let (reply, head_only, keep_alive) = match incoming {
            Incoming::Closed => return,
            Incoming::Reject(reply) => (reply, false, false),
            Incoming::Request(req) => {
                let reply = routes::route(&shared.profile, &req.target);
                (reply, req.head_only, req.keep_alive)
            }
        };
        shared.requests.fetch_add(1, Ordering::Relaxed);
        // A final 1xx would leave the client waiting for a real response.
        let keep_alive = keep_alive && reply.status >= 200;
        if !shared.sleep(reply.wait) {
            return;
        }
        if respond(&mut stream, &reply, head_only, keep_alive, shared).is_err() || !keep_alive {
            return;
        }
    }
}

fn configure(stream: &TcpStream) -> io::Result<()> {
    // Head and body go out in separate writes; Nagle would hold the body back.
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(POLL_SLICE))?;
    stream.set_write_timeout(Some(POLL_SLICE))
}

fn read_request(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    shared: &Shared,
    slot: &Slot,
) -> Incoming {
    let mut last_byte = Instant::now();
    // A pipelined request already in the buffer started arriving now, as far as its
    // deadline goes.
    let mut first_byte = (!buf.is_empty()).then(Instant::now);
    let mut chunk = [0u8; 4096];
    loop {
        // Parse first: a pipelined request may already be in the buffer.
        if !buf.is_empty() {
            match parse(buf) {
                Ok(Some(incoming)) => return incoming,
                Ok(None) if buf.len() > MAX_HEAD => {
                    return Incoming::Reject(Reply::error(431, "request head over 16 KiB"));
                }
                Ok(None) => {}
                Err(reply) => return Incoming::Reject(reply),
            }
        }
        if shared.stopping() {
            return Incoming::Closed;
        }
        // Room for a fresh client: a connection with no request under way goes, and so
        // does one whose head has been trickling in for over a second.
        if slot.evict.load(Ordering::Relaxed)
            && first_byte.is_none_or(|t| t.elapsed() > Duration::from_secs(1))
        {
            return Incoming::Closed;
        }
        if first_byte.is_some_and(|t| t.elapsed() > HEAD_DEADLINE) {
            return Incoming::Reject(Reply::error(
                408,
                "the request head did not arrive within 10 s of its first byte",
            ));
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Incoming::Closed,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                last_byte = Instant::now();
                first_byte.get_or_insert(last_byte);
            }
            Err(e) if is_timeout(&e) => {
                if last_byte.elapsed() > IDLE_LIMIT {
                    return Incoming::Closed;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Incoming::Closed,
        }
    }
}

/// `Ok(None)` means the head is incomplete; consumed bytes leave `buf`.
fn parse(buf: &mut Vec<u8>) -> Result<Option<Incoming>, Reply> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let consumed = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(Reply::error(431, "too many header lines"));
        }
        Err(e) => return Err(Reply::error(400, &format!("malformed request: {e}"))),
    };
    // Complete requests always carry these three; the fallbacks only keep us panic-free.
    let method = req.method.unwrap_or("");
    let target = req.path.unwrap_or("");
    let http11 = req.version == Some(1);

    let mut close = false;
    let mut keep_alive_token = false;
    let mut has_body = false;
    for h in req.headers.iter() {
        let value = String::from_utf8_lossy(h.value);
        if h.name.eq_ignore_ascii_case("connection") {
            for token in value.split(',').map(str::trim) {
                close |= token.eq_ignore_ascii_case("close");
                keep_alive_token |= token.eq_ignore_ascii_case("keep-alive");
            }
        } else if h.name.eq_ignore_ascii_case("content-length") {
            has_body |= value.trim() != "0";
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            has_body = true;
        }
    }

    let incoming = if method != "GET" && method != "HEAD" {
        Incoming::Reject(Reply::error(
            405,
            &format!("{method} not allowed; use GET or HEAD"),
        ))
    } else if !target.starts_with('/') {
        Incoming::Reject(Reply::error(400, "request target must start with '/'"))
    } else {
        Incoming::Request(Request {
            head_only: method == "HEAD",
            target: target.to_string(),
            // A request body is never read, so its bytes would corrupt the next request.
            keep_alive: !close && !has_body && (http11 || keep_alive_token),
        })
    };
    buf.drain(..consumed);
    Ok(Some(incoming))
}

fn respond(
    stream: &mut TcpStream,
    reply: &Reply,
    head_only: bool,
    keep_alive: bool,
    shared: &Shared,
) -> io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\n",
        reply.status,
        routes::reason(reply.status)
    );
    if let Some(len) = reply.body.len() {
        out.push_str(&format!("Content-Length: {len}\r\n"));
        out.push_str(&format!("Content-Type: {}\r\n", reply.content_type));
    }
    if let Some(location) = &reply.location {
        out.push_str(&format!("Location: {location}\r\n"));
    }
    if reply.status == 405 {
        out.push_str("Allow: GET, HEAD\r\n");
    }
    let connection = if keep_alive { "keep-alive" } else { "close" };
    out.push_str(&format!(
        "Connection: {connection}\r\nCache-Control: no-store\r\nServer: pollscope-demo\r\n\r\n"
    ));
    let mut out = out.into_bytes();
    if head_only {
        return write_all(stream, &out, shared);
    }
    match &reply.body {
        Body::None => write_all(stream, &out, shared),
        Body::Text(text) => {
            out.extend_from_slice(text.as_bytes());
            write_all(stream, &out, shared)
        }
        Body::Filler { len } => {
            write_all(stream, &out, shared)?;
            send_filler(stream, 0, *len, shared)
        }
        Body::Drip { len, over } => {
            write_all(stream, &out, shared)?;
            drip(stream, *len, *over, shared)
        }
    }
}

/// Sends the body in up to ten slices, each after its share of `over`, so
/// the whole body takes at least `over`.
fn drip(stream: &mut TcpStream, len: u64, over: Duration, shared: &Shared) -> io::Result<()> {
    let slices = len.clamp(1, 10);
    let start = Instant::now();
    for i in 0..slices {
        let due = start + over.mul_f64((i + 1) as f64 / slices as f64);
        if !shared.sleep(due.saturating_duration_since(Instant::now())) {
            return Err(stopping());
        }
        let from = len * i / slices;
        let to = len * (i + 1) / slices;
        send_filler(stream, from, to - from, shared)?;
    }
    Ok(())
}

/// Deterministic body bytes: this line repeated, cut at the requested size.
const PATTERN: &[u8] = b"<p>pollscope demo page: fixed filler so every lecture is the same.</p>\n";

/// `PATTERN` repeated so any window of up to `FILLER_WINDOW` bytes can start
/// at any pattern offset.
fn filler_block() -> &'static [u8] {
    static BLOCK: OnceLock<Vec<u8>> = OnceLock::new();
    BLOCK.get_or_init(|| {
        PATTERN
            .iter()
            .copied()
            .cycle()
            .take(FILLER_WINDOW + PATTERN.len())
            .collect()
    })
}

const FILLER_WINDOW: usize = 16 * 1024;

/// Streams `n` filler bytes that continue the pattern from body offset `offset`,
/// without ever holding more than one window in memory.
fn send_filler(stream: &mut TcpStream, offset: u64, n: u64, shared: &Shared) -> io::Result<()> {
    let block = filler_block();
    let mut pos = offset;
    let end = offset + n;
    while pos < end {
        let start = (pos % PATTERN.len() as u64) as usize;
        let take = (end - pos).min(FILLER_WINDOW as u64) as usize;
        write_all(stream, &block[start..start + take], shared)?;
        pos += take as u64;
    }
    Ok(())
}

/// Like `Write::write_all`, but gives up when the server stops or the client
/// stops reading for `STALL_LIMIT`.
fn write_all(stream: &mut TcpStream, mut data: &[u8], shared: &Shared) -> io::Result<()> {
    let mut progress = Instant::now();
    while !data.is_empty() {
        if shared.stopping() {
            return Err(stopping());
        }
        match stream.write(data) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                data = &data[n..];
                progress = Instant::now();
            }
            Err(e) if is_timeout(&e) => {
                if progress.elapsed() > STALL_LIMIT {
                    return Err(e);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn is_timeout(e: &io::Error) -> bool {
    // Unix reports an expired socket timeout as WouldBlock, Windows as TimedOut.
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

fn stopping() -> io::Error {
    io::Error::other("server shutting down")
}
