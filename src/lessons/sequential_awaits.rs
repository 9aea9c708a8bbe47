//! Lesson `sequential-awaits`: lazy fetch futures awaited one by one. The code is async,
//! but nothing overlaps: each thread starts only when its future is first polled.

use super::{Env, Lesson, ProgramError};
use crate::executor::Executor;
use crate::http::{self, Fetcher};
use crate::{AtExt, say};
// pollscope:begin
async fn fetch(fetcher: Fetcher, url: String) -> Result<u64, String> {
    // Nothing of this runs until the future is polled: the thread starts here.
    let thread = http::spawn_fetch(&fetcher, &url);
    let page = thread.at("thread.await").await.map_err(|e| e.to_string())?;
    say!("{} bytes from {url}", page.bytes);
    Ok(page.bytes)
}

async fn main_task(urls: Vec<String>) -> u64 {
    let fetcher = Fetcher::default();
    // Four futures, and not one thread yet: async fns are lazy.
    let pages: Vec<_> = urls
        .into_iter()
        .map(|url| fetch(fetcher.clone(), url))
        .collect();
    let mut total = 0;
    for page in pages {
        // Awaiting one at a time: the next fetch starts after this one ends.
        if let Ok(bytes) = page.at("fetch(url).await").await {
            total += bytes;
        }
    }
    total
}

fn build(ex: &mut Executor, env: &Env) -> Result<(), ProgramError> {
    ex.spawn("main", main_task(env.urls.clone()));
    Ok(())
}
// pollscope:end
pub(super) const LESSON: Lesson = Lesson {
    id: "sequential-awaits",
    title: "Async code that runs one fetch at a time",
    experiment: "8 (the trap)",
    explanation: "`fetch` is an async fn, so calling it four times creates four futures and \
        starts nothing. The loop then awaits them one by one: the first poll of each future \
        starts its thread, and the loop does not reach the next future until this one is \
        done. Being inside async code does not make work concurrent; only futures that are \
        in progress at the same time overlap. Compare the thread bars with the `threads` \
        lesson: here each starts when the previous one ends.",
    expected: "each thread starts after the previous one finished; value is the total bytes",
    source: include_str!("sequential_awaits.rs"),
    file: file!(),
    python: include_str!("../../assets/python/sequential_awaits.py"),
    points: &["thread.await", "fetch(url).await"],
    stalls: false,
    fetches: true,
    build,
};
