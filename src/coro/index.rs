//! The index of the running binary's coroutines: built once, off the executor's thread,
//! the first time anything asks for it.

use super::dwarf::{self, Found};
use super::layout::Layout;
use super::shape::{Machine, Shape, TypeId};
use rustc_hash::FxHashMap as HashMap;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};
use std::time::Instant;

/// Every coroutine layout of a binary, and how to read live ones.
#[derive(Debug)]
pub struct Index {
    pub(super) layouts: Vec<Arc<Layout>>,
    pub(super) machines: Vec<Machine>,
    pub(super) types: Vec<Shape>,
    by_pc: HashMap<u64, TypeId>,
    /// By `type_name`, then size: looked up with a borrowed name, no allocation per task.
    by_name: HashMap<String, Vec<(u64, TypeId)>>,
    by_future: HashMap<String, u32>,
    /// Runtime address minus file address of the running binary's code.
    bias: u64,
    /// Milliseconds the build took.
    pub build_ms: f64,
}

impl Index {
    /// Reads the coroutines of the object file at `path`. Its code is taken to be loaded
    /// at the addresses the file gives (no bias): for the running binary use [`index`].
    pub fn load(path: &Path) -> Result<Index, String> {
        Self::load_with_bias(path, 0)
    }

    fn load_with_bias(path: &Path, bias: u64) -> Result<Index, String> {
        let start = Instant::now();
        let file = std::fs::File::open(path)
            .map_err(|e| dwarf::no_debug_info(&format!("cannot open {}: {e}", path.display())))?;
        // SAFETY: the mapping is read only, and the file is a binary nobody rewrites while
        // it runs (a rebuild replaces it with a new file, leaving this mapping intact).
        let map = unsafe { memmap2::Mmap::map(&file) }
            .map_err(|e| dwarf::no_debug_info(&format!("cannot map {}: {e}", path.display())))?;
        // Kept for the life of the process: the index reads names and types from it.
        let data: &'static [u8] = &Box::leak(Box::new(map))[..];
        let found = dwarf::read(data)?;
        Ok(Self::from_found(found, bias, start))
    }

    fn from_found(found: Found, bias: u64, start: Instant) -> Index {
        let by_future = found
            .layouts
            .iter()
            .enumerate()
            .map(|(i, l)| (l.future.clone(), i as u32))
            .collect();
        let mut by_name: HashMap<String, Vec<(u64, TypeId)>> = HashMap::default();
        for ((name, size), types) in found.by_name {
            by_name
                .entry(name)
                .or_default()
                .extend(types.into_iter().map(|t| (size, t)));
        }
        Index {
            layouts: found.layouts,
            machines: found.machines,
            types: found.types,
            by_pc: found.by_pc,
            by_name,
            by_future,
            bias,
            build_ms: start.elapsed().as_secs_f64() * 1e3,
        }
    }

    /// Every layout found.
    pub fn layouts(&self) -> &[Arc<Layout>] {
        &self.layouts
    }

    /// The layout of the future with this path (`a::inner`).
    pub fn layout(&self, future: &str) -> Option<&Arc<Layout>> {
        self.by_future
            .get(future)
            .map(|&i| &self.layouts[i as usize])
    }

    /// The type of a future: by the address of its `poll` (exact), else, for a coroutine,
    /// by its type's name and size when only one coroutine has both.
    pub(crate) fn type_of(&self, poll: usize, type_name: &str, size: usize) -> Option<TypeId> {
        let pc = (poll as u64).wrapping_sub(self.bias);
        if let Some(&m) = self.by_pc.get(&pc) {
            return Some(m);
        }
        let mut candidates = self
            .by_name
            .get(type_name)?
            .iter()
            .filter(|(s, _)| *s == size as u64);
        match (candidates.next(), candidates.next()) {
            (Some(&(_, ty)), None) => Some(ty),
            _ => None,
        }
    }

    pub(super) fn machine(&self, id: u32) -> &Machine {
        &self.machines[id as usize]
    }

    pub(super) fn shape(&self, id: TypeId) -> &Shape {
        &self.types[id as usize]
    }
}

/// The running binary's index, or why there is none.
type Built = Result<Index, String>;

struct Slot {
    started: Mutex<bool>,
    done: Condvar,
    built: OnceLock<Built>,
}

fn slot() -> &'static Slot {
    static SLOT: OnceLock<Slot> = OnceLock::new();
    SLOT.get_or_init(|| Slot {
        started: Mutex::new(false),
        done: Condvar::new(),
        built: OnceLock::new(),
    })
}

/// Starts building the running binary's index on a thread of its own (once per process).
pub fn start() {
    let slot = slot();
    let mut started = slot.started.lock().unwrap_or_else(PoisonError::into_inner);
    if *started {
        return;
    }
    *started = true;
    drop(started);
    let spawned = std::thread::Builder::new()
        .name("pollscope-coro-index".into())
        .spawn(|| finish(build_own()));
    if let Err(e) = spawned {
        finish(Err(format!("could not start the debug-info reader: {e}")));
    }
}

fn finish(built: Built) {
    let slot = slot();
    let _ = slot.built.set(built);
    let _guard = slot.started.lock().unwrap_or_else(PoisonError::into_inner);
    slot.done.notify_all();
}

/// Why there is no index, once the build has failed (never blocks).
pub fn failure() -> Option<&'static str> {
    slot()
        .built
        .get()
        .and_then(|b| b.as_ref().err())
        .map(String::as_str)
}

/// The index, if it is built (never blocks).
pub fn ready() -> Option<&'static Index> {
    slot().built.get().and_then(|b| b.as_ref().ok())
}

/// The index, building it first if needed (blocks until it is built); or, in one line,
/// why the compiler's states cannot be shown.
pub fn index() -> Result<&'static Index, &'static str> {
    start();
    let slot = slot();
    let mut started = slot.started.lock().unwrap_or_else(PoisonError::into_inner);
    while slot.built.get().is_none() {
        started = slot
            .done
            .wait(started)
            .unwrap_or_else(PoisonError::into_inner);
    }
    drop(started);
    match slot.built.get() {
        Some(Ok(index)) => Ok(index),
        Some(Err(why)) => Err(why),
        None => Err("the debug-info reader stopped"),
    }
}

fn build_own() -> Built {
    let exe = std::env::current_exe()
        .map_err(|e| dwarf::no_debug_info(&format!("cannot find the running binary: {e}")))?;
    Index::load_with_bias(&exe, own_bias())
}

/// Where the running binary's code is loaded, relative to its file's addresses.
#[cfg(target_os = "linux")]
fn own_bias() -> u64 {
    unsafe extern "C" fn first(
        info: *mut libc::dl_phdr_info,
        _size: libc::size_t,
        data: *mut libc::c_void,
    ) -> libc::c_int {
        // SAFETY: `dl_iterate_phdr` passes a valid `info`, and `data` is the `u64` below.
        unsafe {
            *(data as *mut u64) = (*info).dlpi_addr;
        }
        // The first object is the program itself.
        1
    }
    let mut bias: u64 = 0;
    // SAFETY: the callback only writes the `u64` it is given, and stops at once.
    unsafe {
        libc::dl_iterate_phdr(Some(first), (&mut bias as *mut u64).cast());
    }
    bias
}

#[cfg(not(target_os = "linux"))]
fn own_bias() -> u64 {
    0
}
