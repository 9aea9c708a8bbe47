//! One unit of a binary's DWARF, read for rustc's coroutine layouts. For `async fn inner`
//! in crate `a`, rustc describes namespace `a` > `inner` > structure `{async_fn_env#0}`: a
//! `variant_part` whose discriminant is the member `__state`, and per state a variant
//! whose member (with the state's `decl_file`/`decl_line`) has a structure type named
//! `Unresumed`, `Returned`, `Panicked` or `SuspendN`, listing the locals held there and
//! `__awaitee`. The coroutine's body is a subprogram `{async_fn#0}` in the same namespace,
//! whose first parameter is `Pin<&mut {async_fn_env#0}>`: its address is the future's
//! `poll`. Every other `poll` method found likewise names the type of its future, so a
//! task whose future wraps a coroutine (`At<F>`) is found through the wrapper.
//!
//! Every type a unit's code uses is described in that unit, so the futures a task awaits
//! are all found in the unit holding its `poll`: a task needs one unit read, not the
//! binary. Bodies are resolved to types only when a task asks for one.

use super::binary::{Binary, R};
use super::layout::Layout;
use super::names;
use super::shape::{Machine, Shape, TypeId};
use gimli::{AttributeValue, UnitOffset, constants as dw};
use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

mod shapes;
mod walk;

use walk::{Walked, file_name, type_name_key, walk};

/// How deep a type is searched for a coroutine inside it.
pub(super) const COROUTINE_SEARCH: u32 = 6;

/// One unit's coroutines and the types reachable from them.
pub(super) struct UnitIndex {
    unit: gimli::Unit<R>,
    pub machines: Vec<Machine>,
    pub shapes: Vec<Shape>,
    shape_of: HashMap<UnitOffset, TypeId>,
    /// Readable qualified names of the unit's named types.
    type_paths: HashMap<UnitOffset, Arc<str>>,
    /// Environments by offset, to their machine.
    env_machine: HashMap<UnitOffset, u32>,
    /// Coroutine bodies and `poll` methods: address to their first parameter's type.
    bodies: HashMap<u64, UnitOffset>,
    /// Addresses already resolved to a future's type (or to nothing).
    resolved: HashMap<u64, Option<TypeId>>,
    /// Coroutines' types by the future's `type_name` and size.
    by_name: HashMap<(String, u64), Vec<TypeId>>,
    /// The layouts of this unit's machines, by machine.
    pub layouts: Vec<Arc<Layout>>,
    /// The machines and shapes as they stood when last frozen.
    frozen: Option<Arc<Frozen>>,
}

/// What reading a live future needs of a unit — its machines and the shapes of the types
/// they hold — as they stood when a future's type was found there. Immutable, so reading
/// a task after every poll takes no lock; the unit freezes again only when finding a new
/// future's type added shapes.
#[derive(Debug)]
pub(super) struct Frozen {
    pub machines: Vec<Machine>,
    pub shapes: Vec<Shape>,
}

impl std::fmt::Debug for UnitIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnitIndex")
            .field("machines", &self.machines.len())
            .field("shapes", &self.shapes.len())
            .finish()
    }
}

/// An environment structure found in the unit.
struct EnvSite {
    offset: UnitOffset,
    /// `a::inner` or `a::build::{async block}`.
    future: String,
    /// The `type_name` form: `a::inner::{{closure}}`.
    key: String,
}

impl UnitIndex {
    /// Reads unit `index` of `binary`: its coroutines become machines whose layouts
    /// `register` numbers (the same future described by several units gets one number).
    pub fn read(
        binary: &Binary,
        index: usize,
        register: &mut dyn FnMut(Layout) -> (u32, Arc<Layout>),
    ) -> gimli::Result<UnitIndex> {
        let header = binary.headers[index];
        let unit = binary.dwarf.unit(header)?;
        let mut found = Walked::default();
        {
            let mut tree = unit.entries_tree(None)?;
            let root = tree.root()?;
            let mut path: Vec<String> = Vec::new();
            walk(&binary.dwarf, &unit, root, &mut path, &mut found)?;
        }
        let impls = found.impl_names(binary);
        let mut name_impl = |prefix: &str| impls.get(prefix).cloned();
        let mut type_paths = HashMap::default();
        for (offset, segments) in &found.type_paths {
            let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
            let qualified = names::readable(&parts, &mut name_impl);
            type_paths.insert(*offset, Arc::from(qualified));
        }
        let envs: Vec<EnvSite> = found
            .envs
            .iter()
            .map(|(offset, segments)| {
                let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
                let future = names::readable(&parts, &mut name_impl);
                EnvSite {
                    offset: *offset,
                    key: type_name_key(&parts, &mut name_impl),
                    future,
                }
            })
            .collect();
        let mut this = UnitIndex {
            unit,
            machines: Vec::new(),
            shapes: Vec::new(),
            shape_of: HashMap::default(),
            type_paths,
            env_machine: HashMap::default(),
            bodies: found.bodies.into_iter().collect(),
            resolved: HashMap::default(),
            by_name: HashMap::default(),
            layouts: Vec::new(),
            frozen: None,
        };
        // One machine per future: a unit may describe a future twice (generic copies).
        let mut machine_of_key: HashMap<(String, u64), u32> = HashMap::default();
        let mut first_site: Vec<usize> = Vec::new();
        for (i, env) in envs.iter().enumerate() {
            let size = this.byte_size(env.offset)?;
            let next = machine_of_key.len() as u32;
            let id = *machine_of_key
                .entry((env.future.clone(), size))
                .or_insert_with(|| {
                    first_site.push(i);
                    next
                });
            this.env_machine.insert(env.offset, id);
        }
        for &site in &first_site {
            let env = &envs[site];
            let (layout, mut machine) = this.machine(binary, env.offset, env.future.clone())?;
            let size = layout.size;
            let (id, layout) = register(layout);
            machine.layout = id;
            let ty = this.shape(&binary.dwarf, env.offset, 0)?;
            this.by_name
                .entry((env.key.clone(), size))
                .or_default()
                .push(ty);
            this.layouts.push(layout);
            this.machines.push(machine);
        }
        Ok(this)
    }

    /// True if the unit's line program names one of `files` (relative to its compilation
    /// directory, as `file!()` spells them): a cheap test, no entry read.
    pub fn names_file(binary: &Binary, index: usize, files: &[&str]) -> bool {
        let Ok(unit) = binary.dwarf.unit(binary.headers[index]) else {
            return false;
        };
        let Some(program) = &unit.line_program else {
            return false;
        };
        let header = program.header();
        (1..=header.file_names().len() as u64).any(|i| {
            file_name(&binary.dwarf, &unit, i)
                .ok()
                .flatten()
                .is_some_and(|f| files.contains(&f.as_str()))
        })
    }

    /// The unit frozen as it stands, if no shape was added since it was last frozen.
    pub fn frozen_now(&self) -> Option<Arc<Frozen>> {
        self.frozen
            .as_ref()
            .filter(|f| {
                f.shapes.len() == self.shapes.len() && f.machines.len() == self.machines.len()
            })
            .cloned()
    }

    /// The unit frozen as it stands (a copy of its machines and shapes when they changed).
    pub fn freeze(&mut self) -> Arc<Frozen> {
        if let Some(frozen) = self.frozen_now() {
            return frozen;
        }
        let frozen = Arc::new(Frozen {
            machines: self.machines.clone(),
            shapes: self.shapes.clone(),
        });
        self.frozen = Some(frozen.clone());
        frozen
    }

    /// What [`type_of`](Self::type_of) found for `pc` before, if it was asked.
    pub fn known_type(&self, pc: u64) -> Option<Option<TypeId>> {
        self.resolved.get(&pc).copied()
    }

    /// The type of the future whose `poll` is at the file address `pc`, else, for a
    /// coroutine, the one type with this `type_name` and size.
    pub fn type_of(
        &mut self,
        dwarf: &gimli::Dwarf<R>,
        pc: u64,
        type_name: &str,
        size: u64,
    ) -> Option<TypeId> {
        if let Some(&known) = self.resolved.get(&pc) {
            return known;
        }
        let found = self.resolve_pc(dwarf, pc).ok().flatten().or_else(|| {
            match self
                .by_name
                .get(&(type_name.to_owned(), size))
                .map(Vec::as_slice)
            {
                Some([only]) => Some(*only),
                _ => None,
            }
        });
        self.resolved.insert(pc, found);
        found
    }

    fn resolve_pc(&mut self, dwarf: &gimli::Dwarf<R>, pc: u64) -> gimli::Result<Option<TypeId>> {
        let Some(&param) = self.bodies.get(&pc) else {
            return Ok(None);
        };
        let Some(pinned) = self.behind_pin(param)? else {
            return Ok(None);
        };
        let ty = self.shape(dwarf, pinned, 0)?;
        // Only futures with a coroutine inside are worth reading.
        Ok(self.holds_coroutine(ty, COROUTINE_SEARCH).then_some(ty))
    }

    fn entry_attr(
        &self,
        offset: UnitOffset,
        attr: gimli::DwAt,
    ) -> gimli::Result<Option<AttributeValue<R>>> {
        self.unit.entry(offset)?.attr_value(attr)
    }

    fn byte_size(&self, offset: UnitOffset) -> gimli::Result<u64> {
        Ok(self
            .entry_attr(offset, dw::DW_AT_byte_size)?
            .and_then(|v| v.udata_value())
            .unwrap_or(0))
    }

    fn name_of(
        &self,
        dwarf: &gimli::Dwarf<R>,
        offset: UnitOffset,
    ) -> gimli::Result<Option<String>> {
        match self.unit.entry(offset)?.attr_value(dw::DW_AT_name)? {
            Some(value) => {
                let name = dwarf.attr_string(&self.unit, value)?;
                Ok(Some(name.to_string_lossy().into_owned()))
            }
            None => Ok(None),
        }
    }

    fn type_ref(&self, offset: UnitOffset) -> gimli::Result<Option<UnitOffset>> {
        Ok(match self.entry_attr(offset, dw::DW_AT_type)? {
            Some(AttributeValue::UnitRef(r)) => Some(r),
            _ => None,
        })
    }

    /// `Pin<&mut T>` → `T`: Pin's one member is the pointer, whose target is the future.
    fn behind_pin(&self, pin: UnitOffset) -> gimli::Result<Option<UnitOffset>> {
        if self.unit.entry(pin)?.tag() != dw::DW_TAG_structure_type {
            return Ok(None);
        }
        let Some(pointer) = self.first_member_type(pin)? else {
            return Ok(None);
        };
        match self.unit.entry(pointer)?.tag() {
            dw::DW_TAG_pointer_type | dw::DW_TAG_reference_type => self.type_ref(pointer),
            _ => Ok(None),
        }
    }

    /// True if a value of type `ty` contains a coroutine (by value, or behind a `Box`).
    pub fn holds_coroutine(&self, ty: TypeId, budget: u32) -> bool {
        if budget == 0 {
            return false;
        }
        match &self.shapes[ty as usize] {
            Shape::Coroutine { .. } => true,
            Shape::Struct {
                fields,
                variants: None,
                ..
            } => fields
                .iter()
                .any(|f| self.holds_coroutine(f.ty, budget - 1)),
            Shape::Pointer {
                target: Some(t),
                owning: true,
                ..
            } => self.holds_coroutine(*t, budget - 1),
            _ => false,
        }
    }

    fn first_member_type(&self, offset: UnitOffset) -> gimli::Result<Option<UnitOffset>> {
        let mut tree = self.unit.entries_tree(Some(offset))?;
        let root = tree.root()?;
        let mut children = root.children();
        while let Some(child) = children.next()? {
            if child.entry().tag() == dw::DW_TAG_member
                && let Some(AttributeValue::UnitRef(r)) =
                    child.entry().attr_value(dw::DW_AT_type)?
            {
                return Ok(Some(r));
            }
        }
        Ok(None)
    }
}
