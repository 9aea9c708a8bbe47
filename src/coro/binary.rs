//! An object file opened for its debug info: its DWARF sections, its units (only their
//! headers read), which unit holds the code at an address, and its symbols, read only
//! when an impl must be named from them. Opening reads no unit: a 480 MB debug build opens
//! in tens of milliseconds, and only the units a program's tasks reach are read later.

use super::error::DebugInfoError;
use super::names;
use gimli::{EndianSlice, RunTimeEndian};
use object::{Object, ObjectSection, ObjectSymbol};
use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;
use std::path::Path;

pub(super) type R = EndianSlice<'static, RunTimeEndian>;

/// The opened binary.
pub(super) struct Binary {
    data: &'static [u8],
    pub dwarf: gimli::Dwarf<R>,
    pub headers: Vec<gimli::UnitHeader<R>>,
    /// Code address ranges (file addresses), sorted by start, with the unit holding them.
    ranges: Vec<(u64, u64, u32)>,
    /// Impl types named from the symbol table, as they are asked for.
    symbol_impls: std::sync::Mutex<SymbolImpls>,
}

impl std::fmt::Debug for Binary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Binary")
            .field("units", &self.headers.len())
            .field("ranges", &self.ranges.len())
            .finish()
    }
}

impl Binary {
    /// Maps the file at `path` and reads its unit headers and address ranges.
    pub fn open(path: &Path) -> Result<Binary, DebugInfoError> {
        let file = std::fs::File::open(path).map_err(|source| DebugInfoError::Open {
            path: path.to_owned(),
            source,
        })?;
        // SAFETY: the mapping is read only, and the file is a binary nobody rewrites while
        // it runs (a rebuild replaces it with a new file, leaving this mapping intact).
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|source| DebugInfoError::Map {
            path: path.to_owned(),
            source,
        })?;
        // Kept for the life of the process: the index reads names and types from it.
        let data: &'static [u8] = &Box::leak(Box::new(map))[..];
        Self::parse(data)
    }

    fn parse(data: &'static [u8]) -> Result<Binary, DebugInfoError> {
        let obj =
            object::File::parse(data).map_err(|e| DebugInfoError::NotAnObject(e.to_string()))?;
        let endian = if obj.is_little_endian() {
            RunTimeEndian::Little
        } else {
            RunTimeEndian::Big
        };
        let has_info = obj
            .section_by_name(".debug_info")
            .is_some_and(|s| s.size() > 0);
        if !has_info {
            return Err(DebugInfoError::Stripped);
        }
        let load = |id: gimli::SectionId| -> Result<R, gimli::Error> {
            let bytes: &'static [u8] = match obj.section_by_name(id.name()) {
                Some(section) => match section.uncompressed_data() {
                    Ok(Cow::Borrowed(b)) => b,
                    // Compressed sections are unpacked once and kept for the process's life.
                    Ok(Cow::Owned(v)) => Box::leak(v.into_boxed_slice()),
                    Err(_) => &[],
                },
                None => &[],
            };
            Ok(EndianSlice::new(bytes, endian))
        };
        let dwarf = gimli::Dwarf::load(load).map_err(DebugInfoError::Dwarf)?;
        let mut headers = Vec::new();
        let mut iter = dwarf.units();
        loop {
            match iter.next() {
                Ok(Some(header)) => headers.push(header),
                Ok(None) => break,
                Err(e) => return Err(DebugInfoError::Dwarf(e)),
            }
        }
        let mut binary = Binary {
            data,
            dwarf,
            headers,
            ranges: Vec::new(),
            symbol_impls: std::sync::Mutex::default(),
        };
        binary.ranges = binary.read_ranges();
        Ok(binary)
    }

    /// Code ranges by unit: from `.debug_aranges` (one read of a small section), else from
    /// each unit's own ranges.
    fn read_ranges(&self) -> Vec<(u64, u64, u32)> {
        let unit_of = |offset: gimli::DebugInfoOffset| -> Option<u32> {
            self.headers
                .binary_search_by_key(&offset.0, |h| {
                    h.offset()
                        .as_debug_info_offset()
                        .map_or(usize::MAX, |o| o.0)
                })
                .ok()
                .map(|i| i as u32)
        };
        let mut ranges = Vec::new();
        let mut headers = self.dwarf.debug_aranges.headers();
        while let Ok(Some(header)) = headers.next() {
            let Some(unit) = unit_of(header.debug_info_offset()) else {
                continue;
            };
            let mut entries = header.entries();
            while let Ok(Some(entry)) = entries.next() {
                let range = entry.range();
                if range.end > range.begin {
                    ranges.push((range.begin, range.end, unit));
                }
            }
        }
        if ranges.is_empty() {
            for (i, header) in self.headers.iter().enumerate() {
                let Ok(unit) = self.dwarf.unit(*header) else {
                    continue;
                };
                let Ok(mut iter) = self.dwarf.unit_ranges(&unit) else {
                    continue;
                };
                while let Ok(Some(range)) = iter.next() {
                    if range.end > range.begin {
                        ranges.push((range.begin, range.end, i as u32));
                    }
                }
            }
        }
        ranges.sort_unstable();
        ranges
    }

    /// The unit whose code holds the file address `pc`.
    pub fn unit_at(&self, pc: u64) -> Option<usize> {
        let i = self.ranges.partition_point(|&(start, _, _)| start <= pc);
        let (start, end, unit) = *self.ranges.get(i.checked_sub(1)?)?;
        (start <= pc && pc < end).then_some(unit as usize)
    }

    /// The types impls are for, from the symbols of async functions inside them: each
    /// query is the path up to `{impl#N}` (`tokio::net::tcp::listener::{impl#0}`) and the
    /// function's name after it (`accept`). An impl is left out when no symbol, or more
    /// than one type, fits. Answers are kept: the symbol table is read once per batch of
    /// new questions, and only the symbols of the functions asked about are demangled.
    pub fn impls_from_symbols(&self, queries: &[(String, String)]) -> HashMap<String, String> {
        let mut known = self
            .symbol_impls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let key = |prefix: &str, next: &str| {
            let module = prefix.rsplit_once("::").map_or("", |(m, _)| m);
            (module.to_owned(), next.to_owned())
        };
        let missing: Vec<(String, String)> = queries
            .iter()
            .map(|(prefix, next)| key(prefix, next))
            .filter(|k| !known.asked.contains(k))
            .collect();
        if !missing.is_empty() {
            known.read(self.data, &missing);
        }
        let mut out = HashMap::default();
        for (prefix, next) in queries {
            if let Some(Found::One(named)) = known.by_method.get(&key(prefix, next)) {
                out.insert(prefix.clone(), named.clone());
            }
        }
        out
    }
}

/// The types of impls whose async functions have symbols: by module and function name.
#[derive(Debug, Default)]
struct SymbolImpls {
    by_method: HashMap<(String, String), Found>,
    /// Every (module, function) looked for so far, found or not.
    asked: rustc_hash::FxHashSet<(String, String)>,
    /// The symbols of closures and async bodies, once picked out.
    closures: Option<Vec<&'static str>>,
}

/// The mangled names of every closure's (and async body's) symbol: legacy mangling spells
/// `{{closure}}` as a segment of its own, the v0 scheme marks closures with `NC`.
fn closure_symbols(data: &'static [u8]) -> Vec<&'static str> {
    let Ok(obj) = object::File::parse(data) else {
        return Vec::new();
    };
    obj.symbols()
        .filter_map(|symbol| symbol.name().ok())
        .filter(|name| {
            name.contains(LEGACY_CLOSURE) || (name.starts_with("_R") && name.contains("NC"))
        })
        .collect()
}

#[derive(Debug)]
enum Found {
    One(String),
    Many,
}

/// How a legacy-mangled closure's segment is spelled: `{{closure}}`, length-prefixed.
const LEGACY_CLOSURE: &str = "28_$u7b$$u7b$closure$u7d$$u7d$";

impl SymbolImpls {
    /// Reads the symbols of the bodies (`…::f::{{closure}}`) of the functions `wanted`
    /// names (module, function): those are the only functions whose impls a coroutine's
    /// name needs. A symbol is demangled only once its mangled name shows one of the
    /// functions wanted; the closures' symbols are picked out of the symbol table once,
    /// so later questions read those (a tenth of a debug build's symbols) only.
    fn read(&mut self, data: &'static [u8], wanted: &[(String, String)]) {
        self.asked.extend(wanted.iter().cloned());
        let closures = self.closures.get_or_insert_with(|| closure_symbols(data));
        // Identifiers are length-prefixed in both manglings: `6accept`.
        let tokens: rustc_hash::FxHashSet<String> = wanted
            .iter()
            .map(|(_, f)| format!("{}{f}", f.len()))
            .collect();
        let wanted: rustc_hash::FxHashSet<&(String, String)> = wanted.iter().collect();
        for &name in closures.iter() {
            let hit = match name.find(LEGACY_CLOSURE) {
                Some(at) => tokens.iter().any(|t| name[..at].ends_with(t.as_str())),
                None => tokens.iter().any(|t| name.contains(t.as_str())),
            };
            if !hit {
                continue;
            }
            let Some(demangled) = names::demangle(name) else {
                continue;
            };
            let parts = names::split_path(&demangled);
            let Some(closure) = parts
                .iter()
                .position(|p| p.starts_with("{{closure") || p.starts_with("{closure"))
            else {
                continue;
            };
            if closure < 2 {
                continue;
            }
            let method = parts[closure - 1];
            let owner = parts[..closure - 1].join("::");
            let module = match owner.strip_prefix('<') {
                // `<a::Thing as a::Trait>`: the module of the type.
                Some(inner) => inner
                    .split(" as ")
                    .next()
                    .and_then(|ty| ty.rsplit_once("::"))
                    .map_or(String::new(), |(m, _)| m.to_owned()),
                None => owner
                    .rsplit_once("::")
                    .map_or(String::new(), |(m, _)| m.to_owned()),
            };
            let key = (module, method.to_owned());
            if !wanted.contains(&key) {
                continue;
            }
            let entry = self
                .by_method
                .entry(key)
                .or_insert_with(|| Found::One(owner.clone()));
            if matches!(entry, Found::One(existing) if *existing != owner) {
                *entry = Found::Many;
            }
        }
    }
}
