//! Maps a request target to what the server should answer, without doing I/O.

use std::fmt::Write as _;
use std::time::Duration;

use super::profile::{MAX_LATENCY_MS, MAX_PAGE_SIZE, Profile};

/// Body size of `/delay` and `/drip` when `bytes` is not given.
const DEFAULT_BYTES: u64 = 1024;
/// Body size of `/big` when `bytes` is not given.
const DEFAULT_BIG_BYTES: u64 = 1 << 20;
/// Duration of `/drip` when `ms` is not given.
const DEFAULT_DRIP_MS: u64 = 1000;

/// What to send back for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    /// Waited before anything is sent, like a slow upstream server.
    pub wait: Duration,
    pub location: Option<String>,
    pub body: Body,
}

/// How the body is produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Body {
    /// Short text, e.g. the index or an error message.
    Text(String),
    /// `len` filler bytes sent as fast as the client reads.
    Filler { len: u64 },
    /// `len` filler bytes trickled out in slices spread over `over`.
    Drip { len: u64, over: Duration },
    /// No body at all, not even `Content-Length` (1xx, 204).
    None,
}

impl Body {
    /// Body length for `Content-Length`, or `None` when the header must be omitted.
    pub fn len(&self) -> Option<u64> {
        match self {
            Body::Text(t) => Some(t.len() as u64),
            Body::Filler { len } | Body::Drip { len, .. } => Some(*len),
            Body::None => None,
        }
    }
}

impl Reply {
    fn text(status: u16, text: impl Into<String>) -> Reply {
        Reply {
            status,
            content_type: "text/plain; charset=utf-8",
            wait: Duration::ZERO,
            location: None,
            body: Body::Text(text.into()),
        }
    }

    fn filler(content_type: &'static str, wait_ms: u64, len: u64) -> Reply {
        Reply {
            status: 200,
            content_type,
            wait: Duration::from_millis(wait_ms),
            location: None,
            body: Body::Filler { len },
        }
    }

    fn redirect(to: String) -> Reply {
        let mut reply = Reply::text(302, format!("redirecting to {to}\n"));
        reply.location = Some(to);
        reply
    }

    /// An error reply; the message ends up in the body for curl users.
    pub fn error(status: u16, message: &str) -> Reply {
        Reply::text(status, format!("{status} {}: {message}\n", reason(status)))
    }
}

/// Answers a GET or HEAD for `target` (path plus optional query).
pub(crate) fn route(profile: &Profile, target: &str) -> Reply {
    route_inner(profile, target).unwrap_or_else(|e| e)
}

fn route_inner(profile: &Profile, target: &str) -> Result<Reply, Reply> {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query = Query::parse(query)?;
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        [""] => {
            query.allow(&[])?;
            Ok(Reply::text(200, index(profile)))
        }
        ["page", name] => {
            query.allow(&[])?;
            let page = profile
                .page(name)
                .ok_or_else(|| Reply::error(404, &format!("no page {name:?} in this profile")))?;
            Ok(Reply::filler(
                "text/html; charset=utf-8",
                page.latency_ms,
                page.size,
            ))
        }
        ["delay", ms] => {
            query.allow(&["bytes"])?;
            let ms = number("delay", ms, MAX_LATENCY_MS)?;
            let bytes = query.number("bytes", DEFAULT_BYTES, MAX_PAGE_SIZE)?;
            Ok(Reply::filler("text/html; charset=utf-8", ms, bytes))
        }
        ["status", code] => {
            query.allow(&[])?;
            let code = number("status code", code, 599)?;
            if code < 100 {
                return Err(Reply::error(400, "status code must be 100 to 599"));
            }
            // Checked above: 100..=599 fits.
            let code = code as u16;
            let mut reply = Reply::text(code, format!("{code} {}\n", reason(code)));
            if (100..200).contains(&code) || code == 204 || code == 304 {
                // RFC 9110: these responses never carry a body.
                reply.body = if code == 304 {
                    Body::Text(String::new())
                } else {
                    Body::None
                };
            }
            Ok(reply)
        }
        ["redirect", n] => {
            query.allow(&[])?;
            match number("redirect count", n, u64::from(u32::MAX))? {
                0 => Ok(Reply::text(200, "redirects done\n")),
                n => Ok(Reply::redirect(format!("/redirect/{}", n - 1))),
            }
        }
        ["redirect-loop"] | ["loop"] => {
            query.allow(&[])?;
            Ok(Reply::redirect(path.to_string()))
        }
        ["drip"] => {
            query.allow(&["bytes", "ms"])?;
            let len = query.number("bytes", DEFAULT_BYTES, MAX_PAGE_SIZE)?;
            let ms = query.number("ms", DEFAULT_DRIP_MS, MAX_LATENCY_MS)?;
            let mut reply = Reply::filler("text/html; charset=utf-8", 0, len);
            reply.body = Body::Drip {
                len,
                over: Duration::from_millis(ms),
            };
            Ok(reply)
        }
        ["big"] => {
            query.allow(&["bytes"])?;
            let bytes = query.number("bytes", DEFAULT_BIG_BYTES, MAX_PAGE_SIZE)?;
            Ok(Reply::filler("application/octet-stream", 0, bytes))
        }
        _ => Err(Reply::error(
            404,
            &format!("no route for {path}; see / for the list"),
        )),
    }
}

/// Parses a decimal path segment or query value, or explains why not.
fn number(what: &str, text: &str, max: u64) -> Result<u64, Reply> {
    let value: u64 = text
        .parse()
        .map_err(|_| Reply::error(400, &format!("{what} must be a whole number, got {text:?}")))?;
    if value > max {
        return Err(Reply::error(
            400,
            &format!("{what} must be at most {max}, got {value}"),
        ));
    }
    Ok(value)
}

/// `key=value` pairs of a query string, in order.
struct Query<'a>(Vec<(&'a str, &'a str)>);

impl<'a> Query<'a> {
    fn parse(text: &'a str) -> Result<Query<'a>, Reply> {
        let mut pairs = Vec::new();
        for part in text.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=').ok_or_else(|| {
                Reply::error(400, &format!("query part {part:?} is not key=value"))
            })?;
            pairs.push((key, value));
        }
        Ok(Query(pairs))
    }

    /// Rejects unknown keys: a typo like `byte=10` should not silently mean the default.
    fn allow(&self, known: &[&str]) -> Result<(), Reply> {
        match self.0.iter().find(|(k, _)| !known.contains(k)) {
            None => Ok(()),
            Some((key, _)) if known.is_empty() => Err(Reply::error(
                400,
                &format!("unknown query parameter {key:?}; this route takes none"),
            )),
            Some((key, _)) => Err(Reply::error(
                400,
                &format!(
                    "unknown query parameter {key:?}; expected {}",
                    known.join(", ")
                ),
            )),
        }
    }

    fn number(&self, key: &str, default: u64, max: u64) -> Result<u64, Reply> {
        match self.0.iter().rev().find(|(k, _)| *k == key) {
            None => Ok(default),
            Some((_, value)) => number(key, value, max),
        }
    }
}

fn index(profile: &Profile) -> String {
    let mut text = format!(
        "pollscope demo server, profile {:?}\n\nroutes:\n\
         \x20 /page/<name>             a page of the profile (below)\n\
         \x20 /delay/<ms>?bytes=N      wait ms, then send N bytes (default {DEFAULT_BYTES})\n\
         \x20 /drip?bytes=N&ms=M       send N bytes slowly, spread over M ms\n\
         \x20 /big?bytes=N             send N bytes at once (default {DEFAULT_BIG_BYTES})\n\
         \x20 /status/<code>           answer with that status code\n\
         \x20 /redirect/<n>            n redirects, then 200\n\
         \x20 /redirect-loop           redirects to itself forever\n\npages:\n",
        profile.name
    );
    for page in &profile.pages {
        // Writing to a String cannot fail.
        let _ = writeln!(
            text,
            "  /page/{:<20} {:>6} ms {:>10} bytes",
            page.name, page.latency_ms, page.size
        );
    }
    text
}

/// Reason phrase for the status line; clients ignore it, humans read it.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        418 => "I'm a teapot",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}
