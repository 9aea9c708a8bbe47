//! A coroutine's environment read into a layout (its states, their lines and locals) and
//! a machine that reads the future's bytes: each type reached from a state resolved to a
//! shape, as deep as [`MAX_TYPE_DEPTH`].

use super::walk::file_name;
use super::{COROUTINE_SEARCH, UnitIndex};
use crate::coro::binary::{Binary, R};
use crate::coro::layout::{Layout, LocalLayout, StateLayout};
use crate::coro::shape::{Encoding, Field, Machine, MachineState, Shape, TypeId, Variants};
use gimli::{AttributeValue, UnitOffset, constants as dw};
use std::sync::Arc;

/// Types are resolved this deep from a state's locals and awaitee; deeper ones are
/// known by name and size only.
const MAX_TYPE_DEPTH: u32 = 10;

impl UnitIndex {
    /// The layout and the reading machine of the environment at `offset`.
    pub(super) fn machine(
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
    pub(super) fn shape(
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

/// A variant part before its types are resolved.
struct RawVariants {
    discr: Option<(u64, u64)>,
    /// Per variant: discriminant value, the member's offset, the member's type.
    members: Vec<(Option<u64>, UnitOffset, UnitOffset)>,
}
