//! Lesson `threads`: every fetch runs on its own worker thread; every task is suspended
//! on its thread's handle, and the threads wake the tasks when they finish.

use super::{Env, Lesson, ProgramError};
use crate::executor::Executor;
use crate::http::{self, Fetcher};
use crate::{AtExt, say};
use std::cell::RefCell;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};
// pollscope:begin
/// The pages still being fetched, the bytes so far, and who waits for the total.
#[derive(Default)]
struct Tally {
    remaining: usize,
    total: u64,
    waiter: Option<Waker>,
}

async fn fetch_page(
    url: String,
    fetcher: Fetcher,
    tally: Rc<RefCell<Tally>>,
) -> Result<u64, String> {
    // The thread starts now, at this task's first poll.
    let handle = http::spawn_fetch(&fetcher, &url);
    let result = handle.at("handle.await").await;
    let mut tally = tally.borrow_mut();
    tally.remaining -= 1;
    if tally.remaining == 0 {
        // The last page in: wake the task waiting for the total.
        if let Some(waiter) = tally.waiter.take() {
            waiter.wake();
        }
    }
    let page = result.map_err(|e| e.to_string())?;
    say!("{} bytes from {url}", page.bytes);
    tally.total += page.bytes;
    Ok(page.bytes)
}

async fn total(tally: Rc<RefCell<Tally>>) -> u64 {
    let all_fetched = poll_fn(|cx| {
        let mut tally = tally.borrow_mut();
        if tally.remaining == 0 {
            return Poll::Ready(tally.total);
        }
        tally.waiter = Some(cx.waker().clone());
        Poll::Pending
    });
    let bytes = all_fetched.at("all pages fetched").await;
    say!("{bytes} bytes in all");
    bytes
}

fn build(ex: &mut Executor, env: &Env) -> Result<(), ProgramError> {
    let fetcher = Fetcher::default();
    let tally = Rc::new(RefCell::new(Tally {
        remaining: env.urls.len(),
        ..Tally::default()
    }));
    for url in &env.urls {
        let name = http::thread_name(url).replacen("fetch-", "", 1);
        ex.spawn(
            &name,
            fetch_page(url.clone(), fetcher.clone(), tally.clone()),
        );
    }
    ex.spawn("total", total(tally));
    Ok(())
}
// pollscope:end
pub(super) const LESSON: Lesson = Lesson {
    id: "threads",
    title: "Fetches on worker threads, awaited without blocking",
    experiment: "8",
    explanation: "Each task starts a worker thread that does a blocking HTTP GET, then awaits \
        the thread's handle. Awaiting the handle does not block: the handle stores the task's \
        waker and returns `Pending`, so the executor moves on and all four threads run at the \
        same time. When a thread finishes it wakes its task (\"woken by thread fetch-google\"), \
        and the task collects the byte count. The last one in wakes the `total` task, which \
        adds them up.",
    expected: "four threads started before any finishes; four byte counts; total task sums them",
    source: include_str!("threads.rs"),
    file: file!(),
    python: include_str!("../../assets/python/threads.py"),
    points: &["handle.await", "all pages fetched"],
    stalls: false,
    fetches: true,
    build,
};
