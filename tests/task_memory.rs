//! A finished task keeps no memory of its own: its future and its cell are freed as it
//! finishes (the trace keeps what it did), so an executor that has run many tasks with big
//! futures holds only its trace and bookkeeping. Measured with a counting allocator that
//! counts each thread's live bytes, so tests running beside it do not disturb the count.

use pollscope::executor::{Executor, Policy, Step, yield_now};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    /// Bytes allocated minus bytes freed on this thread.
    static LIVE: Cell<isize> = const { Cell::new(0) };
    /// The same, of allocations aligned to a page or more: the executor's chunks of task
    /// cells (nothing else here asks for that alignment).
    static CHUNKS: Cell<isize> = const { Cell::new(0) };
}

fn count(layout: Layout, sign: isize) {
    let bytes = sign * layout.size() as isize;
    let _ = LIVE.try_with(|l| l.set(l.get() + bytes));
    if layout.align() >= 4096 {
        let _ = CHUNKS.try_with(|l| l.set(l.get() + bytes));
    }
}

// SAFETY: every call goes to `System` unchanged; the count is a side note.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout, 1);
        // SAFETY: the caller's layout, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(layout, -1);
        // SAFETY: as `alloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> isize {
    LIVE.with(Cell::get)
}

#[test]
fn finished_tasks_free_their_futures_and_cells() {
    const TASKS: usize = 1000;
    const FUTURE_BYTES: usize = 4096;
    let mut ex = Executor::new(Policy::WakerDriven);
    // Room for the trace first, so its growth does not count below.
    ex.reserve(TASKS, TASKS * 8);
    let before = live();
    for i in 0..TASKS {
        ex.spawn("big", async move {
            // Held across the await: it lives in the future's state.
            let buffer = [i as u8; FUTURE_BYTES];
            yield_now().await;
            buffer.iter().map(|&b| b as usize).sum::<usize>()
        });
    }
    let spawned = live() - before;
    assert!(
        spawned >= (TASKS * FUTURE_BYTES) as isize,
        "each task's cell holds its future ({spawned} bytes live)"
    );
    assert_eq!(ex.run_until_stalled(), (Step::Done, 2 * TASKS));
    let after = live() - before;
    // What is left is the trace's strings and the tasks' bookkeeping: far less than one
    // future per task.
    assert!(
        after < (TASKS * FUTURE_BYTES / 8) as isize,
        "finished tasks still hold {after} bytes"
    );
}

#[test]
fn small_cells_are_reused_and_all_go_with_the_executor() {
    const TASKS: usize = 20_000;
    // The first executor of the process installs its panic hook, once: not counted here.
    drop(Executor::new(Policy::WakerDriven));
    let baseline = live();
    let mut ex = Executor::new(Policy::WakerDriven);
    let spawn_all = |ex: &mut Executor| {
        for i in 0..TASKS {
            // `()` values: the trace keeps no text per task.
            ex.spawn("small", async move {
                yield_now().await;
                std::hint::black_box(i);
            });
        }
    };
    let chunks = CHUNKS.with(Cell::get);
    spawn_all(&mut ex);
    let first = CHUNKS.with(Cell::get) - chunks;
    assert!(first > 0, "small cells are carved from chunks");
    assert_eq!(ex.run_until_stalled(), (Step::Done, 2 * TASKS));
    // The second wave takes the first one's slots: no chunk more.
    spawn_all(&mut ex);
    assert_eq!(CHUNKS.with(Cell::get) - chunks, first);
    assert_eq!(ex.run_until_stalled(), (Step::Done, 2 * TASKS));
    drop(ex);
    assert!(
        live() - baseline <= 0,
        "the executor left {} bytes behind",
        live() - baseline
    );
}

#[test]
fn slots_of_finished_tasks_are_reused_while_long_lived_tasks_stay() {
    let mut ex = Executor::new(Policy::WakerDriven);
    let before = CHUNKS.with(Cell::get);
    for _ in 0..100 {
        // One task that never finishes in every batch: without reuse each would keep the
        // chunk it was carved from, dead neighbours and all.
        ex.spawn("long", std::future::pending::<()>());
        for _ in 0..1000 {
            ex.spawn("short", async {
                yield_now().await;
            });
        }
        let _ = ex.run_until_stalled();
        // A viewer takes the trace as it goes: its events do not pile up here.
        drop(ex.take_delta());
    }
    let chunks = CHUNKS.with(Cell::get) - before;
    assert!(
        chunks <= 4 * 64 * 1024,
        "{chunks} bytes of chunks live for 100 long-lived tasks and 1,000 short ones at a time"
    );
    assert_eq!(ex.unfinished(), 100);
}
