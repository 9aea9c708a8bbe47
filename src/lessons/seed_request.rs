//! Lesson `seed-request`: the original experiment as written. A `Request` starts its
//! thread when it is created; awaiting it yields once and then joins the thread, blocking.

use super::{Env, Lesson, ProgramError};
use crate::executor::{Executor, yield_now};
use crate::http::{self, FetchError, Fetched, Fetcher};
use crate::worker::ThreadHandle;
use crate::{AtExt, say};
// pollscope:begin
/// The original's `Request`: the thread starts in the constructor.
struct Request {
    url: String,
    thread: ThreadHandle<Fetched, FetchError>,
}

impl Request {
    fn new(fetcher: &Fetcher, url: &str) -> Request {
        say!("Request({url}): thread started");
        Request {
            url: url.to_owned(),
            thread: http::spawn_fetch(fetcher, url),
        }
    }
}

async fn main_task(urls: Vec<String>) -> u64 {
    let fetcher = Fetcher::default();
    // Every request is created before the first await, so the fetches overlap.
    let requests: Vec<Request> = urls.iter().map(|url| Request::new(&fetcher, url)).collect();
    let mut total = 0;
    for request in requests {
        // Yields once, then blocks inside the next poll until the thread ends:
        // while it blocks, no other task can run.
        match request.thread.blocking_join().at("request.await").await {
            Ok(page) => {
                say!("{} bytes from {}", page.bytes, request.url);
                total += page.bytes;
            }
            Err(error) => say!("{} failed: {error}", request.url),
        }
    }
    total
}

async fn ticker() -> &'static str {
    for n in 1..=5 {
        say!("tick {n}");
        yield_now().at("yield").await;
    }
    "ticked 5 times"
}

fn build(ex: &mut Executor, env: &Env) -> Result<(), ProgramError> {
    ex.spawn("main", main_task(env.urls.clone()));
    ex.spawn("ticker", ticker());
    Ok(())
}
// pollscope:end
pub(super) const LESSON: Lesson = Lesson {
    id: "seed-request",
    title: "The original Request: threads at creation, blocking join",
    experiment: "8",
    explanation: "This is the original experiment's structure. `Request::new` starts a thread \
        doing the GET, and all four requests are created before the first await, so the \
        downloads still overlap. But awaiting a request yields once and then calls \
        `join()` inside the next poll, which blocks the executor's only thread until that \
        download ends. Watch the `ticker` task: it cannot tick while `main` is stuck in a \
        join, and the poll times of `main` are as long as the downloads.",
    expected: "four threads overlap; main's polls block in each join (long polls); ticker waits; value is the total bytes",
    source: include_str!("seed_request.rs"),
    file: file!(),
    python: include_str!("../../assets/python/seed_request.py"),
    points: &["request.await", "yield"],
    stalls: false,
    fetches: true,
    build,
};
