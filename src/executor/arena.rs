//! Where task cells live: small cells are carved from 64 KiB chunks the executor owns, so
//! spawning a task costs a pointer bump instead of a `malloc`, and freeing one a
//! decrement instead of a `free`. A chunk goes back to the allocator once its last cell
//! is freed (on whatever thread that happens: a waker clone may be the last reference)
//! and the executor has moved on from it. Larger cells get an allocation of their own.
//!
//! A cell the executor frees itself (the usual end: it held the last reference) keeps its
//! slot for the next cell of the same layout, so a program that keeps spawning holds at
//! most as much as it ever had alive at once, and a long-lived task does not keep a chunk
//! of otherwise dead cells to itself. Spare slots go back to their chunks with the executor.

use std::alloc::{Layout, alloc, dealloc, handle_alloc_error};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering, fence};

/// Size and alignment of a chunk: a cell finds its chunk's header by masking its address.
const CHUNK: usize = 64 * 1024;
/// Bytes before the first cell of a chunk (the header, padded to a cache line).
const HEADER: usize = 64;
/// Cells larger than this (or aligned more than [`HEADER`]) are allocated on their own.
const SMALL: usize = 1024;
/// More cells than one chunk can ever hold (each is at least 8 bytes: its count).
const MAX_CELLS: usize = CHUNK / 8;

/// The start of a chunk.
struct Header {
    /// `MAX_CELLS + 1` when the chunk is made, less one per cell freed; the executor takes
    /// off the cells it never carved, and its own hold, when it moves on. Counting down
    /// from a bound rather than up from zero, carving a cell needs no atomic operation,
    /// and the count cannot reach zero while the executor still carves.
    live: AtomicUsize,
}

/// The executor's carving state: the chunk it carves from and how far. On the executor's
/// thread only (it lives in the executor's `Local`).
#[derive(Debug, Default)]
pub(crate) struct Arena {
    chunk: Option<NonNull<Header>>,
    /// Offset of the first free byte in `chunk`.
    next: usize,
    /// Cells carved from `chunk`.
    carved: usize,
    /// Freed slots kept for reuse, by layout (size, alignment): still counted in their
    /// chunks. Few layouts appear in one program (one per spawned future type).
    spare: Vec<(Layout, Vec<NonNull<u8>>)>,
}

fn chunk_layout() -> Layout {
    // CHUNK is a power of two and far below isize::MAX.
    Layout::from_size_align(CHUNK, CHUNK).unwrap_or_else(|_| unreachable!())
}

/// True if a cell of `layout` is carved from a chunk (the same answer when it is freed).
fn carved(layout: Layout) -> bool {
    layout.size() <= SMALL && layout.align() <= HEADER
}

impl Arena {
    /// Memory for a cell of `layout`, never null.
    pub fn alloc(&mut self, layout: Layout) -> NonNull<u8> {
        if !carved(layout) {
            // SAFETY: a cell's layout has a non-zero size (it holds its count).
            let ptr = unsafe { alloc(layout) };
            return NonNull::new(ptr).unwrap_or_else(|| handle_alloc_error(layout));
        }
        if !self.spare.is_empty()
            && let Some(slot) = self
                .spare
                .iter_mut()
                .find(|(l, _)| *l == layout)
                .and_then(|(_, slots)| slots.pop())
        {
            return slot;
        }
        loop {
            if let Some(chunk) = self.chunk {
                let start = self.next.next_multiple_of(layout.align());
                let end = start + layout.size();
                if end <= CHUNK {
                    self.next = end;
                    self.carved += 1;
                    // The cells that follow, before they are written (past the chunk's
                    // end is harmless: a hint).
                    crate::prefetch::line(chunk.as_ptr().cast::<u8>().wrapping_add(end + 256));
                    // SAFETY: `start..end` lies inside the chunk's allocation.
                    return unsafe { chunk.cast::<u8>().add(start) };
                }
                self.retire();
            }
            let layout = chunk_layout();
            // SAFETY: the layout's size is not zero.
            let ptr = unsafe { alloc(layout) }.cast::<Header>();
            let chunk = NonNull::new(ptr).unwrap_or_else(|| handle_alloc_error(layout));
            // SAFETY: fresh memory, aligned for a header.
            unsafe {
                chunk.write(Header {
                    live: AtomicUsize::new(MAX_CELLS + 1),
                })
            };
            self.chunk = Some(chunk);
            self.next = HEADER;
            self.carved = 0;
        }
    }

    /// Moves on from the current chunk: the cells it never carved, and the executor's
    /// hold, are taken off its count.
    fn retire(&mut self) {
        if let Some(chunk) = self.chunk.take() {
            let unused = MAX_CELLS - self.carved;
            // SAFETY: the executor's hold keeps the chunk alive until this subtraction.
            unsafe { release(chunk, unused + 1) };
        }
    }

    /// Frees a cell's memory on the executor's thread, keeping a carved slot for reuse.
    ///
    /// # Safety
    /// As for [`free`]; the cell came from this arena (or from the global allocator).
    pub unsafe fn recycle(&mut self, ptr: NonNull<u8>, layout: Layout) {
        if !carved(layout) {
            // SAFETY: the caller's contract.
            unsafe { free(ptr, layout) };
            return;
        }
        match self.spare.iter_mut().find(|(l, _)| *l == layout) {
            Some((_, slots)) => slots.push(ptr),
            None => self.spare.push((layout, vec![ptr])),
        }
    }
}

impl Drop for Arena {
    fn drop(&mut self) {
        for (layout, slots) in std::mem::take(&mut self.spare) {
            for slot in slots {
                // SAFETY: a spare slot is a freed carved cell, counted in its chunk.
                unsafe { free(slot, layout) };
            }
        }
        self.retire();
    }
}

/// Takes `n` off a chunk's count, freeing the chunk when it reaches zero.
///
/// # Safety
/// The caller holds `n` units of the count.
unsafe fn release(chunk: NonNull<Header>, n: usize) {
    // SAFETY: the caller's units keep the chunk alive until the subtraction.
    let live = unsafe { &chunk.as_ref().live };
    if live.fetch_sub(n, Ordering::Release) == n {
        // Whatever the freed cells' threads did to the chunk happens before it goes.
        fence(Ordering::Acquire);
        // SAFETY: the count reached zero once: no cell and no executor reaches it.
        unsafe { dealloc(chunk.as_ptr().cast(), chunk_layout()) };
    }
}

/// Frees a cell's memory (after its value was dropped), on any thread.
///
/// # Safety
/// `ptr` came from [`Arena::alloc`] with the same `layout` and is freed once.
pub(crate) unsafe fn free(ptr: NonNull<u8>, layout: Layout) {
    if !carved(layout) {
        // SAFETY: the caller's contract: allocated on its own with `layout`.
        unsafe { dealloc(ptr.as_ptr(), layout) };
        return;
    }
    let chunk = ptr.as_ptr().map_addr(|a| a & !(CHUNK - 1)).cast::<Header>();
    // SAFETY: a carved cell lies inside its chunk, which is aligned to `CHUNK`, and it
    // holds one unit of the chunk's count (its share of the bound it started from).
    unsafe { release(NonNull::new_unchecked(chunk), 1) };
}
