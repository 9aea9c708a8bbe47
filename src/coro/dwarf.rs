//! Reading a binary's DWARF for rustc's coroutine layouts. For `async fn inner` in crate
//! `a`, rustc describes namespace `a` > `inner` > structure `{async_fn_env#0}`: a
//! `variant_part` whose discriminant is the member `__state`, and per state a variant
//! whose member (with the state's `decl_file`/`decl_line`) has a structure type named
//! `Unresumed`, `Returned`, `Panicked` or `SuspendN`, listing the locals held there and
//! `__awaitee`. The coroutine's body is a subprogram `{async_fn#0}` in the same namespace,
//! whose first parameter is `Pin<&mut {async_fn_env#0}>`: its address is the future's
//! `poll`. Every other `poll` method found likewise names the type of its future, so a
//! task whose future wraps a coroutine (`At<F>`) is found through the wrapper.

use super::layout::{Layout, LocalLayout, StateLayout};
use super::shape::{Encoding, Field, Machine, MachineState, Shape, TypeId, Variants};
use gimli::{AttributeValue, DwTag, EndianSlice, RunTimeEndian, UnitOffset, constants as dw};
use object::{Object, ObjectSection};
use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;
use std::sync::Arc;

type R = EndianSlice<'static, RunTimeEndian>;
type Unit = gimli::Unit<R>;

/// Types are resolved this deep from a state's locals and awaitee; deeper ones are
/// known by name and size only.
const MAX_TYPE_DEPTH: u32 = 10;

/// What the walk found, before layouts are built.
pub(super) struct Found {
    pub layouts: Vec<Arc<Layout>>,
    pub machines: Vec<Machine>,
    pub types: Vec<Shape>,
    /// Futures' types by the address of their `poll` in the file.
    pub by_pc: HashMap<u64, TypeId>,
    /// Coroutines' types by the future's `type_name` and size.
    pub by_name: HashMap<(String, u64), Vec<TypeId>>,
}

/// Why a binary's coroutines cannot be read.
pub(super) fn no_debug_info(what: &str) -> String {
    format!(
        "no debug info ({what}): the compiler's states are not shown; `.at()` points still \
         are (build with `debug = 2` for the crate, see the README)"
    )
}

/// Reads every coroutine layout in `data`, an object file (the running binary).
pub(super) fn read(data: &'static [u8]) -> Result<Found, String> {
    let obj = object::File::parse(data).map_err(|e| no_debug_info(&format!("{e}")))?;
    let endian = if obj.is_little_endian() {
        RunTimeEndian::Little
    } else {
        RunTimeEndian::Big
    };
    let has_info = obj
        .section_by_name(".debug_info")
        .is_some_and(|s| s.size() > 0);
    if !has_info {
        return Err(no_debug_info("the binary has no .debug_info section"));
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
    let dwarf = gimli::Dwarf::load(load).map_err(|e| no_debug_info(&e.to_string()))?;
    Reader::new(dwarf)
        .run()
        .map_err(|e| format!("reading debug info: {e}"))
}

/// An environment structure found in some unit.
struct EnvSite {
    unit: usize,
    offset: UnitOffset,
    /// `a::inner` or `a::build::{async_block#0}`.
    future: String,
    /// The `type_name` form: `a::inner::{{closure}}`.
    key: String,
}

struct Reader {
    dwarf: gimli::Dwarf<R>,
    units: Vec<Unit>,
    envs: Vec<EnvSite>,
    /// Coroutine bodies: address, unit, offset of their first parameter's type.
    bodies: Vec<(u64, usize, UnitOffset)>,
    /// Qualified names of types, by unit and offset.
    type_paths: HashMap<(usize, UnitOffset), Arc<str>>,
    /// Environments by unit and offset, to their machine.
    env_machine: HashMap<(usize, UnitOffset), u32>,
    shapes: Vec<Shape>,
    shape_of: HashMap<(usize, UnitOffset), TypeId>,
}

impl Reader {
    fn new(dwarf: gimli::Dwarf<R>) -> Reader {
        Reader {
            dwarf,
            units: Vec::new(),
            envs: Vec::new(),
            bodies: Vec::new(),
            type_paths: HashMap::default(),
            env_machine: HashMap::default(),
            shapes: Vec::new(),
            shape_of: HashMap::default(),
        }
    }

    fn run(mut self) -> gimli::Result<Found> {
        let mut headers = self.dwarf.units();
        while let Some(header) = headers.next()? {
            let unit = self.dwarf.unit(header)?;
            let index = self.units.len();
            self.units.push(unit);
            self.walk_unit(index)?;
        }
        // One machine per future: every unit that uses a future describes it again.
        let mut machine_of_key: HashMap<(String, u64), u32> = HashMap::default();
        let mut first_site: Vec<usize> = Vec::new();
        for (i, env) in self.envs.iter().enumerate() {
            let size = self.byte_size(env.unit, env.offset)?;
            let next = machine_of_key.len() as u32;
            let id = *machine_of_key
                .entry((env.future.clone(), size))
                .or_insert_with(|| {
                    first_site.push(i);
                    next
                });
            self.env_machine.insert((env.unit, env.offset), id);
        }
        let mut layouts = Vec::with_capacity(first_site.len());
        let mut machines = Vec::with_capacity(first_site.len());
        let mut by_name: HashMap<(String, u64), Vec<TypeId>> = HashMap::default();
        for (id, &site) in first_site.iter().enumerate() {
            let (unit, offset) = (self.envs[site].unit, self.envs[site].offset);
            let future = self.envs[site].future.clone();
            let key = self.envs[site].key.clone();
            let (layout, machine) = self.machine(unit, offset, future, id as u32)?;
            let ty = self.shape(unit, offset, 0)?;
            by_name.entry((key, layout.size)).or_default().push(ty);
            layouts.push(Arc::new(layout));
            machines.push(machine);
        }
        let mut by_pc = HashMap::default();
        let bodies = std::mem::take(&mut self.bodies);
        for (pc, unit, param) in bodies {
            if let Some(pinned) = self.behind_pin(unit, param)? {
                let ty = self.shape(unit, pinned, 0)?;
                // Only futures with a coroutine inside are worth a lookup.
                if self.holds_coroutine(ty, 6) {
                    by_pc.insert(pc, ty);
                }
            }
        }
        Ok(Found {
            layouts,
            machines,
            types: self.shapes,
            by_pc,
            by_name,
        })
    }

    /// Finds environments and coroutine bodies, and names types by their namespaces. The
    /// bodies of other functions (most of the DWARF) are skipped.
    fn walk_unit(&mut self, unit_index: usize) -> gimli::Result<()> {
        let unit = &self.units[unit_index];
        let mut tree = unit.entries_tree(None)?;
        let root = tree.root()?;
        let mut path: Vec<String> = Vec::new();
        let mut found = Walked::default();
        walk(&self.dwarf, unit, root, &mut path, &mut found)?;
        for (offset, future, key) in found.envs {
            self.envs.push(EnvSite {
                unit: unit_index,
                offset,
                future,
                key,
            });
        }
        for (pc, param) in found.bodies {
            self.bodies.push((pc, unit_index, param));
        }
        for (offset, name) in found.type_paths {
            self.type_paths.insert((unit_index, offset), name);
        }
        Ok(())
    }

    fn entry_attr(
        &self,
        unit: usize,
        offset: UnitOffset,
        attr: gimli::DwAt,
    ) -> gimli::Result<Option<AttributeValue<R>>> {
        self.units[unit].entry(offset)?.attr_value(attr)
    }

    fn byte_size(&self, unit: usize, offset: UnitOffset) -> gimli::Result<u64> {
        Ok(self
            .entry_attr(unit, offset, dw::DW_AT_byte_size)?
            .and_then(|v| v.udata_value())
            .unwrap_or(0))
    }

    fn name_of(&self, unit: usize, offset: UnitOffset) -> gimli::Result<Option<String>> {
        let unit_ref = &self.units[unit];
        match unit_ref.entry(offset)?.attr_value(dw::DW_AT_name)? {
            Some(value) => {
                let name = self.dwarf.attr_string(unit_ref, value)?;
                Ok(Some(name.to_string_lossy().into_owned()))
            }
            None => Ok(None),
        }
    }

    fn type_ref(&self, unit: usize, offset: UnitOffset) -> gimli::Result<Option<UnitOffset>> {
        Ok(match self.entry_attr(unit, offset, dw::DW_AT_type)? {
            Some(AttributeValue::UnitRef(r)) => Some(r),
            _ => None,
        })
    }

    /// `Pin<&mut T>` → `T`: Pin's one member is the pointer, whose target is the future.
    fn behind_pin(&self, unit: usize, pin: UnitOffset) -> gimli::Result<Option<UnitOffset>> {
        if self.units[unit].entry(pin)?.tag() != dw::DW_TAG_structure_type {
            return Ok(None);
        }
        let Some(pointer) = self.first_member_type(unit, pin)? else {
            return Ok(None);
        };
        match self.units[unit].entry(pointer)?.tag() {
            dw::DW_TAG_pointer_type | dw::DW_TAG_reference_type => self.type_ref(unit, pointer),
            _ => Ok(None),
        }
    }

    /// True if a value of type `ty` contains a coroutine (by value, or behind a `Box`).
    fn holds_coroutine(&self, ty: TypeId, budget: u32) -> bool {
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

    fn first_member_type(
        &self,
        unit: usize,
        offset: UnitOffset,
    ) -> gimli::Result<Option<UnitOffset>> {
        let mut tree = self.units[unit].entries_tree(Some(offset))?;
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
        unit: usize,
        offset: UnitOffset,
        future: String,
        id: u32,
    ) -> gimli::Result<(Layout, Machine)> {
        let size = self.byte_size(unit, offset)?;
        let mut layout = Layout {
            future,
            size,
            states: Vec::new(),
        };
        let mut machine = Machine {
            layout: id,
            discr: (0, 0),
            states: Vec::new(),
        };
        let Some(variants) = self.variant_part(unit, offset)? else {
            return Ok((layout, machine));
        };
        machine.discr = variants.discr.unwrap_or((0, 0));
        for (value, member, state_type) in variants.members {
            let name = self
                .name_of(unit, state_type)?
                .unwrap_or_else(|| "?".to_owned());
            let (file, line) = self.decl(unit, member)?;
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
            for (field_name, field_offset, field_type) in self.members(unit, state_type)? {
                let ty = self.shape(unit, field_type, 0)?;
                let shape = &self.shapes[ty as usize];
                let field = Field {
                    name: Arc::from(field_name.as_str()),
                    offset: field_offset,
                    ty,
                };
                if field_name == "__awaitee" {
                    state.awaitee = Some(shape.name().to_owned());
                    // Followed after a poll only if a coroutine can be found in it.
                    if self.holds_coroutine(ty, 6) {
                        mstate.awaitee = Some(field);
                    }
                } else if field_name.starts_with("__") {
                    // The compiler's own temporaries (drop flags `__0`, `__1`, …): not the
                    // program's locals.
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
    fn decl(&self, unit: usize, member: UnitOffset) -> gimli::Result<(String, u32)> {
        let unit_ref = &self.units[unit];
        let entry = unit_ref.entry(member)?;
        let line = entry
            .attr_value(dw::DW_AT_decl_line)?
            .and_then(|v| v.udata_value())
            .unwrap_or(0) as u32;
        let file = match entry.attr_value(dw::DW_AT_decl_file)? {
            Some(AttributeValue::FileIndex(index)) => self.file_name(unit, index)?,
            _ => None,
        };
        Ok((file.unwrap_or_else(|| "?".to_owned()), line))
    }

    /// A file of the unit's line program, relative to the compilation directory when it
    /// lies inside it (as `file!()` and `#[track_caller]` name it).
    fn file_name(&self, unit: usize, index: u64) -> gimli::Result<Option<String>> {
        let unit_ref = &self.units[unit];
        let Some(program) = &unit_ref.line_program else {
            return Ok(None);
        };
        let header = program.header();
        let Some(file) = header.file(index) else {
            return Ok(None);
        };
        let mut path = String::new();
        if let Some(dir) = file.directory(header) {
            path.push_str(&self.dwarf.attr_string(unit_ref, dir)?.to_string_lossy());
        }
        let name = self.dwarf.attr_string(unit_ref, file.path_name())?;
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
            && let Some(dir) = &unit_ref.comp_dir
        {
            path = format!("{}/{path}", dir.to_string_lossy());
        }
        if let Some(dir) = &unit_ref.comp_dir {
            let dir = dir.to_string_lossy();
            let prefix = format!("{}/", dir.trim_end_matches('/'));
            if let Some(rest) = path.strip_prefix(&prefix) {
                return Ok(Some(rest.to_owned()));
            }
        }
        Ok(Some(path))
    }

    /// A structure's members: name, offset, type.
    fn members(
        &self,
        unit: usize,
        offset: UnitOffset,
    ) -> gimli::Result<Vec<(String, u64, UnitOffset)>> {
        let unit_ref = &self.units[unit];
        let mut tree = unit_ref.entries_tree(Some(offset))?;
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
                Some(v) => self
                    .dwarf
                    .attr_string(unit_ref, v)?
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
    fn variant_part(&self, unit: usize, offset: UnitOffset) -> gimli::Result<Option<RawVariants>> {
        let unit_ref = &self.units[unit];
        let mut tree = unit_ref.entries_tree(Some(offset))?;
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
                let entry = unit_ref.entry(member)?;
                let at = entry
                    .attr_value(dw::DW_AT_data_member_location)?
                    .and_then(|v| v.udata_value())
                    .unwrap_or(0);
                let size = match entry.attr_value(dw::DW_AT_type)? {
                    Some(AttributeValue::UnitRef(t)) => self.byte_size(unit, t)?,
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
    fn shape(&mut self, unit: usize, offset: UnitOffset, depth: u32) -> gimli::Result<TypeId> {
        if let Some(&id) = self.shape_of.get(&(unit, offset)) {
            return Ok(id);
        }
        let entry = self.units[unit].entry(offset)?;
        let tag = entry.tag();
        let size = self.byte_size(unit, offset)?;
        let name: Arc<str> = match self.type_paths.get(&(unit, offset)) {
            Some(path) => path.clone(),
            None => Arc::from(
                self.name_of(unit, offset)?
                    .unwrap_or_else(|| "?".to_owned()),
            ),
        };
        // Transparent wrappers: the type they name.
        if matches!(
            tag,
            dw::DW_TAG_typedef | dw::DW_TAG_const_type | dw::DW_TAG_volatile_type
        ) && let Some(target) = self.type_ref(unit, offset)?
        {
            let id = self.shape(unit, target, depth)?;
            self.shape_of.insert((unit, offset), id);
            return Ok(id);
        }
        let id = self.shapes.len() as TypeId;
        // A placeholder first: a type that contains itself through a pointer terminates.
        self.shapes.push(Shape::Opaque {
            name: name.clone(),
            size,
        });
        self.shape_of.insert((unit, offset), id);
        let shape = if let Some(&machine) = self.env_machine.get(&(unit, offset)) {
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
                    encoding: self.encoding(unit, offset)?,
                    name,
                    size,
                },
                dw::DW_TAG_pointer_type | dw::DW_TAG_reference_type => {
                    let target = match self.type_ref(unit, offset)? {
                        Some(t) => Some(self.shape(unit, t, depth + 1)?),
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
                    for (field_name, at, ty) in self.members(unit, offset)? {
                        let ty = self.shape(unit, ty, depth + 1)?;
                        fields.push(Field {
                            name: Arc::from(field_name.as_str()),
                            offset: at,
                            ty,
                        });
                    }
                    let variants = match self.variant_part(unit, offset)? {
                        Some(raw) => {
                            let mut variants = Vec::new();
                            for (value, member, ty) in raw.members {
                                let member_name =
                                    self.name_of(unit, ty)?.unwrap_or_else(|| "?".to_owned());
                                let at = self.units[unit]
                                    .entry(member)?
                                    .attr_value(dw::DW_AT_data_member_location)?
                                    .and_then(|v| v.udata_value())
                                    .unwrap_or(0);
                                let ty = self.shape(unit, ty, depth + 1)?;
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
                    let (element, element_name) = match self.type_ref(unit, offset)? {
                        Some(t) => {
                            let id = self.shape(unit, t, depth + 1)?;
                            let shape = &self.shapes[id as usize];
                            (shape.size(), shape.name().to_owned())
                        }
                        None => (0, "?".to_owned()),
                    };
                    let count = self.array_count(unit, offset)?;
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

    fn encoding(&self, unit: usize, offset: UnitOffset) -> gimli::Result<Encoding> {
        Ok(match self.entry_attr(unit, offset, dw::DW_AT_encoding)? {
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

    fn array_count(&self, unit: usize, offset: UnitOffset) -> gimli::Result<u64> {
        let mut tree = self.units[unit].entries_tree(Some(offset))?;
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

/// A variant part before its types are resolved.
struct RawVariants {
    discr: Option<(u64, u64)>,
    /// Per variant: discriminant value, the member's offset, the member's type.
    members: Vec<(Option<u64>, UnitOffset, UnitOffset)>,
}

/// What one unit's walk found.
#[derive(Default)]
struct Walked {
    envs: Vec<(UnitOffset, String, String)>,
    bodies: Vec<(u64, UnitOffset)>,
    type_paths: Vec<(UnitOffset, Arc<str>)>,
}

fn is_coroutine_env(name: &str) -> bool {
    name.starts_with("{async_fn_env#") || name.starts_with("{async_block_env#")
}

fn is_coroutine_body(name: &str) -> bool {
    name.starts_with("{async_fn#") || name.starts_with("{async_block#")
}

/// `{closure#0}`, `{async_block#1}`… as `std::any::type_name` spells them: `{{closure}}`.
fn type_name_segment(segment: &str) -> &str {
    if segment.starts_with('{') && segment.ends_with('}') && segment.contains('#') {
        "{{closure}}"
    } else {
        segment
    }
}

fn walk(
    dwarf: &gimli::Dwarf<R>,
    unit: &Unit,
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
            let qualified = if path.is_empty() {
                name.clone()
            } else {
                format!("{}::{name}", path.join("::"))
            };
            if tag == dw::DW_TAG_structure_type && is_coroutine_env(&name) {
                let future = if name.starts_with("{async_fn_env#") {
                    path.join("::")
                } else {
                    let n = name.trim_start_matches("{async_block_env#");
                    format!("{}::{{async_block#{}", path.join("::"), n)
                };
                let mut key: Vec<&str> = path.iter().map(|s| type_name_segment(s)).collect();
                key.push("{{closure}}");
                found.envs.push((offset, future, key.join("::")));
            }
            found.type_paths.push((offset, Arc::from(qualified)));
        }
        dw::DW_TAG_subprogram => {
            let Some(name) = name()? else { return Ok(()) };
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
