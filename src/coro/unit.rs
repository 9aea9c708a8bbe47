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
use super::layout::{Layout, LocalLayout, StateLayout};
use super::names::{self, Segment};
use super::shape::{Encoding, Field, Machine, MachineState, Shape, TypeId, Variants};
use gimli::{AttributeValue, DwTag, UnitOffset, constants as dw};
use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

/// Types are resolved this deep from a state's locals and awaitee; deeper ones are
/// known by name and size only.
const MAX_TYPE_DEPTH: u32 = 10;

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

    /// The layout and the reading machine of the environment at `offset`.
    fn machine(
        &mut self,
        binary: &Binary,
        offset: UnitOffset,
        future: String,
    ) -> gimli::Result<(Layout, Machine)> {
        let dwarf = &binary.dwarf;
        let size = self.byte_size(offset)?;
        let mut layout = Layout {
            future,
            size,
            states: Vec::new(),
        };
        let mut machine = Machine {
            layout: 0,
            discr: (0, 0),
            states: Vec::new(),
        };
        let Some(variants) = self.variant_part(offset)? else {
            return Ok((layout, machine));
        };
        machine.discr = variants.discr.unwrap_or((0, 0));
        for (value, member, state_type) in variants.members {
            let name = self
                .name_of(dwarf, state_type)?
                .unwrap_or_else(|| "?".to_owned());
            let (file, line) = self.decl(dwarf, member)?;
            let mut state = StateLayout {
                name,
                file,
                line,
                locals: Vec::new(),
                awaitee: None,
            };
            let mut mstate = MachineState {
                value,
                live: state.name == "Unresumed" || state.name.starts_with("Suspend"),
                locals: Vec::new(),
                awaitee: None,
            };
            for (field_name, field_offset, field_type) in self.members(dwarf, state_type)? {
                let ty = self.shape(dwarf, field_type, 0)?;
                let shape = &self.shapes[ty as usize];
                let field = Field {
                    name: Arc::from(field_name.as_str()),
                    offset: field_offset,
                    ty,
                };
                if field_name == "__awaitee" {
                    state.awaitee = Some(shape.name().to_owned());
                    // Followed after a poll only if a coroutine can be found in it.
                    if self.holds_coroutine(ty, COROUTINE_SEARCH) {
                        mstate.awaitee = Some(field);
                    }
                } else if field_name.starts_with("__") {
                    // The compiler's own temporaries. The `bool`s among them are drop
                    // flags, which would tell a moved-out local from a live one, but
                    // their names (`__5`) are only the field's index in this variant
                    // and nothing in the debug info says which local each one guards.
                } else if !state.locals.iter().any(|l| l.name == field_name) {
                    // A local can be listed twice (an argument and its copy): once is enough.
                    state.locals.push(LocalLayout {
                        name: field_name,
                        type_name: shape.name().to_owned(),
                        offset: field_offset,
                        size: shape.size(),
                    });
                    mstate.locals.push(field);
                }
            }
            layout.states.push(state);
            machine.states.push(mstate);
        }
        Ok((layout, machine))
    }

    /// The file and line a member was declared at.
    fn decl(&self, dwarf: &gimli::Dwarf<R>, member: UnitOffset) -> gimli::Result<(String, u32)> {
        let entry = self.unit.entry(member)?;
        let line = entry
            .attr_value(dw::DW_AT_decl_line)?
            .and_then(|v| v.udata_value())
            .unwrap_or(0) as u32;
        let file = match entry.attr_value(dw::DW_AT_decl_file)? {
            Some(AttributeValue::FileIndex(index)) => file_name(dwarf, &self.unit, index)?,
            _ => None,
        };
        Ok((file.unwrap_or_else(|| "?".to_owned()), line))
    }

    /// A structure's members: name, offset, type.
    fn members(
        &self,
        dwarf: &gimli::Dwarf<R>,
        offset: UnitOffset,
    ) -> gimli::Result<Vec<(String, u64, UnitOffset)>> {
        let mut tree = self.unit.entries_tree(Some(offset))?;
        let root = tree.root()?;
        let mut out = Vec::new();
        let mut children = root.children();
        while let Some(child) = children.next()? {
            let entry = child.entry();
            if entry.tag() != dw::DW_TAG_member {
                continue;
            }
            let Some(AttributeValue::UnitRef(ty)) = entry.attr_value(dw::DW_AT_type)? else {
                continue;
            };
            let name = match entry.attr_value(dw::DW_AT_name)? {
                Some(v) => dwarf
                    .attr_string(&self.unit, v)?
                    .to_string_lossy()
                    .into_owned(),
                None => String::new(),
            };
            let at = entry
                .attr_value(dw::DW_AT_data_member_location)?
                .and_then(|v| v.udata_value())
                .unwrap_or(0);
            out.push((name, at, ty));
        }
        Ok(out)
    }

    /// The variant part of a structure, if it has one: the discriminant's place and, per
    /// variant, its value, the variant's member and the member's type.
    fn variant_part(&self, offset: UnitOffset) -> gimli::Result<Option<RawVariants>> {
        let mut tree = self.unit.entries_tree(Some(offset))?;
        let root = tree.root()?;
        let mut children = root.children();
        while let Some(child) = children.next()? {
            if child.entry().tag() != dw::DW_TAG_variant_part {
                continue;
            }
            let discr_member = match child.entry().attr_value(dw::DW_AT_discr)? {
                Some(AttributeValue::UnitRef(r)) => Some(r),
                _ => None,
            };
            let mut raw = RawVariants {
                discr: None,
                members: Vec::new(),
            };
            if let Some(member) = discr_member {
                let entry = self.unit.entry(member)?;
                let at = entry
                    .attr_value(dw::DW_AT_data_member_location)?
                    .and_then(|v| v.udata_value())
                    .unwrap_or(0);
                let size = match entry.attr_value(dw::DW_AT_type)? {
                    Some(AttributeValue::UnitRef(t)) => self.byte_size(t)?,
                    _ => 0,
                };
                raw.discr = Some((at, size));
            }
            let mut variants = child.children();
            while let Some(variant) = variants.next()? {
                if variant.entry().tag() != dw::DW_TAG_variant {
                    continue;
                }
                let value = variant
                    .entry()
                    .attr_value(dw::DW_AT_discr_value)?
                    .and_then(|v| v.udata_value());
                let mut members = variant.children();
                while let Some(member) = members.next()? {
                    let entry = member.entry();
                    if entry.tag() != dw::DW_TAG_member {
                        continue;
                    }
                    if let Some(AttributeValue::UnitRef(ty)) = entry.attr_value(dw::DW_AT_type)? {
                        raw.members.push((value, entry.offset(), ty));
                    }
                }
            }
            return Ok(Some(raw));
        }
        Ok(None)
    }

    /// The shape of the type at `offset`, resolved once.
    fn shape(
        &mut self,
        dwarf: &gimli::Dwarf<R>,
        offset: UnitOffset,
        depth: u32,
    ) -> gimli::Result<TypeId> {
        if let Some(&id) = self.shape_of.get(&offset) {
            return Ok(id);
        }
        let entry = self.unit.entry(offset)?;
        let tag = entry.tag();
        let size = self.byte_size(offset)?;
        let name: Arc<str> = match self.type_paths.get(&offset) {
            Some(path) => path.clone(),
            None => Arc::from(
                self.name_of(dwarf, offset)?
                    .unwrap_or_else(|| "?".to_owned()),
            ),
        };
        // Transparent wrappers: the type they name.
        if matches!(
            tag,
            dw::DW_TAG_typedef | dw::DW_TAG_const_type | dw::DW_TAG_volatile_type
        ) && let Some(target) = self.type_ref(offset)?
        {
            let id = self.shape(dwarf, target, depth)?;
            self.shape_of.insert(offset, id);
            return Ok(id);
        }
        let id = self.shapes.len() as TypeId;
        // A placeholder first: a type that contains itself through a pointer terminates.
        self.shapes.push(Shape::Opaque {
            name: name.clone(),
            size,
        });
        self.shape_of.insert(offset, id);
        let shape = if let Some(&machine) = self.env_machine.get(&offset) {
            Shape::Coroutine {
                machine,
                name: name.clone(),
                size,
            }
        } else if depth >= MAX_TYPE_DEPTH {
            Shape::Opaque { name, size }
        } else {
            match tag {
                dw::DW_TAG_base_type => Shape::Base {
                    encoding: self.encoding(offset)?,
                    name,
                    size,
                },
                dw::DW_TAG_pointer_type | dw::DW_TAG_reference_type => {
                    let target = match self.type_ref(offset)? {
                        Some(t) => Some(self.shape(dwarf, t, depth + 1)?),
                        None => None,
                    };
                    let owning = name.starts_with('&')
                        || name.starts_with("alloc::boxed::Box<")
                        || name.starts_with("Box<");
                    Shape::Pointer {
                        name,
                        size: if size == 0 { 8 } else { size },
                        target,
                        owning,
                    }
                }
                dw::DW_TAG_structure_type => {
                    let mut fields = Vec::new();
                    for (field_name, at, ty) in self.members(dwarf, offset)? {
                        let ty = self.shape(dwarf, ty, depth + 1)?;
                        fields.push(Field {
                            name: Arc::from(field_name.as_str()),
                            offset: at,
                            ty,
                        });
                    }
                    let variants = match self.variant_part(offset)? {
                        Some(raw) => {
                            let mut variants = Vec::new();
                            for (value, member, ty) in raw.members {
                                let member_name =
                                    self.name_of(dwarf, ty)?.unwrap_or_else(|| "?".to_owned());
                                let at = self
                                    .unit
                                    .entry(member)?
                                    .attr_value(dw::DW_AT_data_member_location)?
                                    .and_then(|v| v.udata_value())
                                    .unwrap_or(0);
                                let ty = self.shape(dwarf, ty, depth + 1)?;
                                variants.push((
                                    value,
                                    Field {
                                        name: Arc::from(member_name.as_str()),
                                        offset: at,
                                        ty,
                                    },
                                ));
                            }
                            Some(Variants {
                                discr: raw.discr,
                                variants,
                            })
                        }
                        None => None,
                    };
                    Shape::Struct {
                        name,
                        size,
                        fields,
                        variants,
                    }
                }
                dw::DW_TAG_array_type => {
                    let (element, element_name) = match self.type_ref(offset)? {
                        Some(t) => {
                            let id = self.shape(dwarf, t, depth + 1)?;
                            let shape = &self.shapes[id as usize];
                            (shape.size(), shape.name().to_owned())
                        }
                        None => (0, "?".to_owned()),
                    };
                    let count = self.array_count(offset)?;
                    // Arrays have no name in DWARF: spelled as Rust spells them.
                    Shape::Opaque {
                        name: Arc::from(format!("[{element_name}; {count}]")),
                        size: if size > 0 { size } else { element * count },
                    }
                }
                _ => Shape::Opaque { name, size },
            }
        };
        self.shapes[id as usize] = shape;
        Ok(id)
    }

    fn encoding(&self, offset: UnitOffset) -> gimli::Result<Encoding> {
        Ok(match self.entry_attr(offset, dw::DW_AT_encoding)? {
            Some(AttributeValue::Encoding(e)) => match e {
                dw::DW_ATE_signed | dw::DW_ATE_signed_char => Encoding::Signed,
                dw::DW_ATE_unsigned | dw::DW_ATE_unsigned_char => Encoding::Unsigned,
                dw::DW_ATE_float => Encoding::Float,
                dw::DW_ATE_boolean => Encoding::Bool,
                dw::DW_ATE_UTF => Encoding::Char,
                _ => Encoding::Other,
            },
            _ => Encoding::Other,
        })
    }

    fn array_count(&self, offset: UnitOffset) -> gimli::Result<u64> {
        let mut tree = self.unit.entries_tree(Some(offset))?;
        let root = tree.root()?;
        let mut children = root.children();
        while let Some(child) = children.next()? {
            if child.entry().tag() == dw::DW_TAG_subrange_type {
                return Ok(child
                    .entry()
                    .attr_value(dw::DW_AT_count)?
                    .and_then(|v| v.udata_value())
                    .unwrap_or(0));
            }
        }
        Ok(0)
    }
}

/// A file of the unit's line program, relative to the compilation directory when it
/// lies inside it (as `file!()` and `#[track_caller]` name it).
fn file_name(
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

/// A variant part before its types are resolved.
struct RawVariants {
    discr: Option<(u64, u64)>,
    /// Per variant: discriminant value, the member's offset, the member's type.
    members: Vec<(Option<u64>, UnitOffset, UnitOffset)>,
}

/// What one unit's walk found: paths as the debug info spells them.
#[derive(Default)]
struct Walked {
    /// Environments and their path (ending with the env's own name).
    envs: Vec<(UnitOffset, Vec<String>)>,
    bodies: Vec<(u64, UnitOffset)>,
    type_paths: Vec<(UnitOffset, Vec<String>)>,
    /// Functions inside impls: their namespace path (ending with their name) and symbol.
    in_impls: Vec<(Vec<String>, String)>,
    /// The impls (by path) that have a function in `in_impls`.
    impls_seen: rustc_hash::FxHashSet<String>,
}

impl Walked {
    /// The type of every impl this unit's paths name: from the symbols of functions inside
    /// them, else from the binary's symbol table.
    fn impl_names(&self, binary: &Binary) -> HashMap<String, String> {
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
fn impl_prefix(parts: &[&str]) -> Option<String> {
    let i = parts
        .iter()
        .rposition(|s| names::segment(s) == Segment::Impl)?;
    Some(parts[..=i].join("::"))
}

/// The name `std::any::type_name` gives a coroutine: `a::inner::{{closure}}`, an impl
/// named by its type.
fn type_name_key(env: &[&str], impls: &mut dyn FnMut(&str) -> Option<String>) -> String {
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
fn type_name_segment(segment: &str) -> &str {
    if segment.starts_with('{') && segment.ends_with('}') && segment.contains('#') {
        "{{closure}}"
    } else {
        segment
    }
}

fn is_coroutine_env(name: &str) -> bool {
    name.starts_with("{async_fn_env#") || name.starts_with("{async_block_env#")
}

fn is_coroutine_body(name: &str) -> bool {
    name.starts_with("{async_fn#") || name.starts_with("{async_block#")
}

fn walk(
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
