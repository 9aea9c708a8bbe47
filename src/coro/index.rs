//! The index of a binary's coroutines, read unit by unit as tasks need them: opening it
//! reads only the units' headers and address ranges; a task's first poll reads the one
//! unit holding its `poll` (on the executor's thread when it may wait, else on a loader
//! thread of its own while the executor goes on); `states` reads the units that name the
//! program's files. Layouts get one number across units, in the order they are read.

use super::Root;
use super::binary::Binary;
use super::error::DebugInfoError;
use super::layout::Layout;
use super::shape::TypeId;
use super::unit::{Frozen, UnitIndex};
use rustc_hash::FxHashMap as HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError, RwLock, Weak};
use std::time::Instant;

/// A unit as read: its index, or nothing if its debug info could not be read.
type Loaded = Option<Arc<RwLock<UnitIndex>>>;

/// Every coroutine layout of a binary read so far, and how to read live ones.
pub struct Index {
    binary: Binary,
    units: Vec<OnceLock<Loaded>>,
    layouts: RwLock<Layouts>,
    /// Runtime address minus file address of the running binary's code.
    bias: u64,
    /// Milliseconds opening the binary took (its unit headers and address ranges).
    pub build_ms: f64,
    /// Units read so far: a reader that waited for one knows when to look again.
    generation: AtomicU64,
    loader: Mutex<Option<Sender<usize>>>,
    queued: Mutex<rustc_hash::FxHashSet<usize>>,
    /// Units queued for the loader thread and not read yet.
    loading: std::sync::atomic::AtomicUsize,
    listeners: Mutex<Vec<Weak<dyn Fn() + Send + Sync>>>,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("binary", &self.binary)
            .field("units_read", &self.generation.load(Ordering::Relaxed))
            .finish()
    }
}

/// The layouts read so far, numbered.
#[derive(Default)]
struct Layouts {
    all: Vec<Arc<Layout>>,
    by_key: HashMap<(String, u64), u32>,
    by_future: HashMap<String, u32>,
}

/// Where a task's future type is, once its unit is read.
#[derive(Clone, Debug)]
pub(crate) struct RootType {
    /// Its unit, frozen once the type was found.
    pub(super) unit: Arc<Frozen>,
    pub(super) ty: TypeId,
}

/// What a look-up of a task's future found.
#[derive(Clone, Debug)]
pub(crate) enum Lookup {
    /// Its type: its state can be read.
    Found(RootType),
    /// Its unit is being read on the loader thread: ask again later.
    Pending,
    /// Not a coroutine the debug info describes (nor one holding one).
    Unknown,
}

impl Index {
    /// Opens the object file at `path`. Its code is taken to be loaded at the addresses the
    /// file gives (no bias): for the running binary use [`index`].
    pub fn load(path: &Path) -> Result<Index, DebugInfoError> {
        Self::load_with_bias(path, 0)
    }

    fn load_with_bias(path: &Path, bias: u64) -> Result<Index, DebugInfoError> {
        let start = Instant::now();
        let binary = Binary::open(path)?;
        let units = (0..binary.headers.len()).map(|_| OnceLock::new()).collect();
        Ok(Index {
            binary,
            units,
            layouts: RwLock::default(),
            bias,
            build_ms: start.elapsed().as_secs_f64() * 1e3,
            generation: AtomicU64::new(0),
            loader: Mutex::new(None),
            queued: Mutex::default(),
            loading: std::sync::atomic::AtomicUsize::new(0),
            listeners: Mutex::default(),
        })
    }

    /// How many units the binary has.
    pub fn unit_count(&self) -> usize {
        self.units.len()
    }

    /// How many units have been read so far.
    pub fn units_read(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// True while the loader thread has units to read.
    pub fn is_loading(&self) -> bool {
        self.loading.load(Ordering::Acquire) > 0
    }

    /// Every layout read so far, in the order they were read.
    pub fn layouts(&self) -> Vec<Arc<Layout>> {
        self.read_layouts().all.clone()
    }

    /// The layout of the future with this path (`a::inner`), if a unit read so far
    /// describes it.
    pub fn layout(&self, future: &str) -> Option<Arc<Layout>> {
        let layouts = self.read_layouts();
        let id = *layouts.by_future.get(future)?;
        layouts.all.get(id as usize).cloned()
    }

    /// The layout numbered `id`.
    pub fn layout_at(&self, id: u32) -> Option<Arc<Layout>> {
        self.read_layouts().all.get(id as usize).cloned()
    }

    /// Reads every unit that names one of `files` (paths relative to the crate root, as
    /// `file!()` gives them), and returns the layouts whose states lie in them.
    pub fn read_files(&self, files: &[&str]) -> Vec<Arc<Layout>> {
        for unit in 0..self.units.len() {
            if self.units[unit].get().is_none() && UnitIndex::names_file(&self.binary, unit, files)
            {
                self.unit(unit);
            }
        }
        self.read_layouts()
            .all
            .iter()
            .filter(|l| l.states.iter().any(|s| files.contains(&s.file.as_str())))
            .cloned()
            .collect()
    }

    /// Reads every unit of the binary (slow on a large one: for tests and benchmarks).
    pub fn read_all(&self) {
        for unit in 0..self.units.len() {
            self.unit(unit);
        }
    }

    /// Calls `listener` whenever a unit has been read on the loader thread, for as long as
    /// the caller keeps it.
    pub fn listen(&self, listener: &Arc<dyn Fn() + Send + Sync>) {
        let mut listeners = self
            .listeners
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        listeners.retain(|l| l.strong_count() > 0);
        listeners.push(Arc::downgrade(listener));
    }

    /// The type of a task's future. With `wait`, its unit is read here if it has not been;
    /// without, it is queued for the loader thread and the answer is [`Lookup::Pending`].
    pub(crate) fn root_type(&self, root: &Root, wait: bool) -> Lookup {
        let pc = (root.poll as u64).wrapping_sub(self.bias);
        let Some(unit) = self.binary.unit_at(pc) else {
            return Lookup::Unknown;
        };
        let loaded = match self.units[unit].get() {
            Some(loaded) => loaded.clone(),
            None if wait => self.unit(unit),
            None if self.queue(unit) => return Lookup::Pending,
            None => self.unit(unit),
        };
        let Some(index) = loaded else {
            return Lookup::Unknown;
        };
        // Most tasks share their future's type with an earlier one: a read lock will do.
        let known = {
            let unit = index.read().unwrap_or_else(PoisonError::into_inner);
            match unit.known_type(pc) {
                Some(Some(ty)) => unit.frozen_now().map(|frozen| (ty, frozen)),
                Some(None) => return Lookup::Unknown,
                None => None,
            }
        };
        let found = known.or_else(|| {
            let mut unit = index.write().unwrap_or_else(PoisonError::into_inner);
            let ty = unit.type_of(&self.binary.dwarf, pc, root.type_name, root.size as u64)?;
            Some((ty, unit.freeze()))
        });
        match found {
            Some((ty, unit)) => Lookup::Found(RootType { unit, ty }),
            None => Lookup::Unknown,
        }
    }

    /// Unit `i`, read now if it has not been (once, whichever thread asks first).
    fn unit(&self, i: usize) -> Loaded {
        self.units[i]
            .get_or_init(|| {
                let mut register = |layout: Layout| self.register(layout);
                let read = UnitIndex::read(&self.binary, i, &mut register).ok();
                self.generation.fetch_add(1, Ordering::AcqRel);
                read.map(|u| Arc::new(RwLock::new(u)))
            })
            .clone()
    }

    /// Numbers a layout: the same future (path and size) keeps its first number.
    fn register(&self, layout: Layout) -> (u32, Arc<Layout>) {
        let mut layouts = self.layouts.write().unwrap_or_else(PoisonError::into_inner);
        let key = (layout.future.clone(), layout.size);
        if let Some(&id) = layouts.by_key.get(&key) {
            return (id, layouts.all[id as usize].clone());
        }
        let id = layouts.all.len() as u32;
        let layout = Arc::new(layout);
        layouts.all.push(layout.clone());
        layouts.by_key.insert(key, id);
        layouts.by_future.entry(layout.future.clone()).or_insert(id);
        (id, layout)
    }

    fn read_layouts(&self) -> std::sync::RwLockReadGuard<'_, Layouts> {
        self.layouts.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Asks the loader thread to read unit `i` (once); false if this index has none (only
    /// the process-wide one, which lives as long as the process, has).
    fn queue(&self, i: usize) -> bool {
        let Some(index) = ready().filter(|index| std::ptr::eq(*index, self)) else {
            return false;
        };
        if !self
            .queued
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(i)
        {
            return true;
        }
        self.loading.fetch_add(1, Ordering::AcqRel);
        let mut loader = self.loader.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(tx) = loader.as_ref()
            && tx.send(i).is_ok()
        {
            return true;
        }
        let (tx, rx) = mpsc::channel::<usize>();
        let spawned = std::thread::Builder::new()
            .name("pollscope-debug-info".into())
            .spawn(move || {
                while let Ok(unit) = rx.recv() {
                    index.unit(unit);
                    index.loading.fetch_sub(1, Ordering::AcqRel);
                    index.tell_listeners();
                }
            });
        if spawned.is_ok() && tx.send(i).is_ok() {
            *loader = Some(tx);
            return true;
        }
        // No loader thread: the unit is read by whoever asks next, waiting.
        self.loading.fetch_sub(1, Ordering::AcqRel);
        self.queued
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&i);
        false
    }

    fn tell_listeners(&self) {
        let listeners: Vec<Arc<dyn Fn() + Send + Sync>> = self
            .listeners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter_map(Weak::upgrade)
            .collect();
        for listener in listeners {
            listener();
        }
    }
}

/// The running binary's index, or why there is none.
type Built = Result<Index, DebugInfoError>;

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

/// Starts opening the running binary's debug info on a thread of its own (once per
/// process).
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
        finish(Err(DebugInfoError::Reader(e)));
    }
}

fn finish(built: Built) {
    let slot = slot();
    let _ = slot.built.set(built);
    let _guard = slot.started.lock().unwrap_or_else(PoisonError::into_inner);
    slot.done.notify_all();
}

/// Why there is no index, once opening the binary has failed (never blocks).
pub fn failure() -> Option<&'static DebugInfoError> {
    slot().built.get().and_then(|b| b.as_ref().err())
}

/// The index, if the binary is open (never blocks).
pub fn ready() -> Option<&'static Index> {
    slot().built.get().and_then(|b| b.as_ref().ok())
}

/// The index, opening the binary first if needed (blocks until it is open, which reads no
/// unit yet); or, in one line, why the compiler's states cannot be shown.
pub fn index() -> Result<&'static Index, &'static DebugInfoError> {
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
        None => {
            static STOPPED: DebugInfoError = DebugInfoError::ReaderStopped;
            Err(&STOPPED)
        }
    }
}

fn build_own() -> Built {
    let exe = std::env::current_exe().map_err(DebugInfoError::NoExecutable)?;
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
