//! The walk over a unit's entries: the coroutine environments and bodies it describes,
//! the paths of its types, and the names its impls go by.

use crate::coro::binary::{Binary, R};
use crate::coro::names::{self, Segment};
use gimli::{AttributeValue, DwTag, UnitOffset, constants as dw};
use rustc_hash::FxHashMap as HashMap;

/// A file of the unit's line program, relative to the compilation directory when it
/// lies inside it (as `file!()` and `#[track_caller]` name it).
pub(super) fn file_name(
    dwarf: &gimli::Dwarf<R>,
    unit: &gimli::Unit<R>,
    index: u64,
) -> gimli::Result<Option<String>> {
    let Some(program) = &unit.line_program else {
        return Ok(None);
    };
    let header = program.header();
    let Some(file) = header.file(index) else {
        return Ok(None);
    };
    let mut path = String::new();
    if let Some(dir) = file.directory(header) {
        path.push_str(&dwarf.attr_string(unit, dir)?.to_string_lossy());
    }
    let name = dwarf.attr_string(unit, file.path_name())?;
    let name = name.to_string_lossy();
    if name.starts_with('/') || path.is_empty() {
        path = name.into_owned();
    } else {
        if !path.ends_with('/') {
            path.push('/');
        }
        path.push_str(&name);
    }
    if !path.starts_with('/')
        && let Some(dir) = &unit.comp_dir
    {
        path = format!("{}/{path}", dir.to_string_lossy());
    }
    if let Some(dir) = &unit.comp_dir {
        let dir = dir.to_string_lossy();
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        if let Some(rest) = path.strip_prefix(&prefix) {
            return Ok(Some(rest.to_owned()));
        }
    }
    Ok(Some(path))
}

/// What one unit's walk found: paths as the debug info spells them.
#[derive(Default)]
pub(super) struct Walked {
    /// Environments and their path (ending with the env's own name).
    pub(super) envs: Vec<(UnitOffset, Vec<String>)>,
    pub(super) bodies: Vec<(u64, UnitOffset)>,
    pub(super) type_paths: Vec<(UnitOffset, Vec<String>)>,
    /// Functions inside impls: their namespace path (ending with their name) and symbol.
    pub(super) in_impls: Vec<(Vec<String>, String)>,
    /// The impls (by path) that have a function in `in_impls`.
    pub(super) impls_seen: rustc_hash::FxHashSet<String>,
}

impl Walked {
    /// The type of every impl this unit's paths name: from the symbols of functions inside
    /// them, else from the binary's symbol table.
    pub(super) fn impl_names(&self, binary: &Binary) -> HashMap<String, String> {
        let mut out: HashMap<String, String> = HashMap::default();
        for (path, linkage) in &self.in_impls {
            let parts: Vec<&str> = path.iter().map(String::as_str).collect();
            if let Some(prefix) = impl_prefix(&parts)
                && out.contains_key(&prefix)
            {
                continue;
            }
            if let Some(symbol) = names::demangle(linkage)
                && let Some((prefix, named)) = names::impl_from_symbol(&parts, &symbol)
            {
                out.entry(prefix).or_insert(named);
            }
        }
        // Impls of other crates' futures: this unit describes their types only. Their
        // names come from the symbol table, asked about all at once.
        let mut queries: Vec<(String, String)> = Vec::new();
        for (_, path) in self.envs.iter().chain(&self.type_paths) {
            let parts: Vec<&str> = path.iter().map(String::as_str).collect();
            let Some(i) = parts
                .iter()
                .rposition(|s| names::segment(s) == Segment::Impl)
            else {
                continue;
            };
            let prefix = parts[..=i].join("::");
            if out.contains_key(&prefix) {
                continue;
            }
            if let Some(next) = parts.get(i + 1) {
                queries.push((prefix, (*next).to_owned()));
            }
        }
        queries.sort();
        queries.dedup();
        for (prefix, named) in binary.impls_from_symbols(&queries) {
            out.entry(prefix).or_insert(named);
        }
        out
    }
}

/// The path up to and including the last `{impl#N}` segment.
pub(super) fn impl_prefix(parts: &[&str]) -> Option<String> {
    let i = parts
        .iter()
        .rposition(|s| names::segment(s) == Segment::Impl)?;
    Some(parts[..=i].join("::"))
}

/// The name `std::any::type_name` gives a coroutine: `a::inner::{{closure}}`, an impl
/// named by its type.
pub(super) fn type_name_key(env: &[&str], impls: &mut dyn FnMut(&str) -> Option<String>) -> String {
    let Some((_, path)) = env.split_last() else {
        return String::new();
    };
    let mut start = 0;
    let mut key = String::new();
    if let Some(i) = path
        .iter()
        .rposition(|s| names::segment(s) == Segment::Impl)
        && let Some(named) = impls(&path[..=i].join("::"))
    {
        key = named;
        start = i + 1;
    }
    for segment in &path[start..] {
        if !key.is_empty() {
            key.push_str("::");
        }
        key.push_str(type_name_segment(segment));
    }
    key.push_str("::{{closure}}");
    key
}

/// `{closure#0}`, `{async_block#1}`… as `std::any::type_name` spells them: `{{closure}}`.
pub(super) fn type_name_segment(segment: &str) -> &str {
    if segment.starts_with('{') && segment.ends_with('}') && segment.contains('#') {
        "{{closure}}"
    } else {
        segment
    }
}

pub(super) fn is_coroutine_env(name: &str) -> bool {
    name.starts_with("{async_fn_env#") || name.starts_with("{async_block_env#")
}

pub(super) fn is_coroutine_body(name: &str) -> bool {
    name.starts_with("{async_fn#") || name.starts_with("{async_block#")
}

pub(super) fn walk(
    dwarf: &gimli::Dwarf<R>,
    unit: &gimli::Unit<R>,
    node: gimli::EntriesTreeNode<'_, '_, '_, R>,
    path: &mut Vec<String>,
    found: &mut Walked,
) -> gimli::Result<()> {
    let entry = node.entry();
    let tag: DwTag = entry.tag();
    let name = || -> gimli::Result<Option<String>> {
        match entry.attr_value(dw::DW_AT_name)? {
            Some(v) => Ok(Some(
                dwarf.attr_string(unit, v)?.to_string_lossy().into_owned(),
            )),
            None => Ok(None),
        }
    };
    match tag {
        dw::DW_TAG_compile_unit => {
            let mut children = node.children();
            while let Some(child) = children.next()? {
                walk(dwarf, unit, child, path, found)?;
            }
        }
        dw::DW_TAG_namespace => {
            path.push(name()?.unwrap_or_default());
            let mut children = node.children();
            while let Some(child) = children.next()? {
                walk(dwarf, unit, child, path, found)?;
            }
            path.pop();
        }
        dw::DW_TAG_structure_type
        | dw::DW_TAG_union_type
        | dw::DW_TAG_enumeration_type
        | dw::DW_TAG_base_type => {
            let Some(name) = name()? else { return Ok(()) };
            let offset = entry.offset();
            let mut qualified = path.clone();
            qualified.push(name.clone());
            if tag == dw::DW_TAG_structure_type && is_coroutine_env(&name) {
                found.envs.push((offset, qualified.clone()));
            }
            found.type_paths.push((offset, qualified));
        }
        dw::DW_TAG_subprogram => {
            let Some(name) = name()? else { return Ok(()) };
            // One symbol names an impl's type: the first function of each impl will do.
            if let Some(i) = path
                .iter()
                .rposition(|s| names::segment(s) == Segment::Impl)
                && let Some(linkage) = entry.attr_value(dw::DW_AT_linkage_name)?
                && found.impls_seen.insert(path[..=i].join("::"))
            {
                let linkage = dwarf.attr_string(unit, linkage)?;
                let mut at = path.clone();
                at.push(name.clone());
                found
                    .in_impls
                    .push((at, linkage.to_string_lossy().into_owned()));
            }
            // Coroutine bodies, and the `poll` of every `impl Future`.
            // (A generic method is named with its arguments: `poll<F>`.)
            if !is_coroutine_body(&name) && name != "poll" && !name.starts_with("poll<") {
                return Ok(());
            }
            let Some(pc) = (match entry.attr_value(dw::DW_AT_low_pc)? {
                Some(v) => dwarf.attr_address(unit, v)?,
                None => None,
            }) else {
                return Ok(());
            };
            let mut children = node.children();
            while let Some(child) = children.next()? {
                if child.entry().tag() == dw::DW_TAG_formal_parameter {
                    if let Some(AttributeValue::UnitRef(ty)) =
                        child.entry().attr_value(dw::DW_AT_type)?
                    {
                        found.bodies.push((pc, ty));
                    }
                    break;
                }
            }
        }
        _ => {}
    }
    Ok(())
}
