//! Reading a live future: its state, the futures it awaits (following `__awaitee` through
//! nested coroutines and the wrappers around them), and the values of the locals it holds.
//!
//! Everything here reads memory the future owns, after a poll, on the executor's thread:
//! nothing else can touch the future then. Only what the state's discriminant says is
//! live is read; pointers are followed only when they own what they point to (a `Box`,
//! a reference), never raw ones.

use super::index::Index;
use super::shape::{Encoding, Shape, TypeId};

/// How deep the await chain is followed.
const MAX_DEPTH: usize = 16;
/// How deep wrappers around an awaited future are searched for a coroutine.
const MAX_WRAPPERS: u32 = 6;
/// Strings longer than this are cut in values.
const MAX_TEXT: usize = 120;

/// One coroutine of a task's await chain, as read after a poll.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The coroutine's layout, by index.
    pub layout: usize,
    /// Its state, by index into the layout's states.
    pub state: usize,
    /// `name: type = value` for each local the state holds (values for plain types only).
    pub locals: Vec<String>,
}

impl Index {
    /// The await chain of the future of type `ty` at `ptr` (the first coroutine in it,
    /// then each one awaited), outermost first, each frame handed to `each` with its depth.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a live value of type `ty` that nothing is polling or moving
    /// while this runs.
    pub(crate) unsafe fn read_chain(
        &self,
        ty: TypeId,
        ptr: *const u8,
        mut each: impl FnMut(usize, &Frame),
    ) {
        let mut depth = 0;
        let mut at = self.find_coroutine(ty, ptr as usize, MAX_WRAPPERS);
        while let Some((machine, addr)) = at.take() {
            if depth >= MAX_DEPTH || addr == 0 {
                break;
            }
            let m = self.machine(machine);
            let Some(value) = read_uint(addr + m.discr.0 as usize, m.discr.1) else {
                break;
            };
            let Some(state) = m.state_for(value) else {
                break;
            };
            let layout = m.layout as usize;
            let ms = &m.states[state];
            // Returned and Panicked hold nothing live: their fields may be gone.
            let live = ms.live;
            let locals = if ms.locals.is_empty() {
                Vec::new()
            } else {
                ms.locals
                    .iter()
                    .map(|f| {
                        let shape = self.shape(f.ty);
                        let value = if live {
                            self.value(f.ty, addr + f.offset as usize, 2)
                        } else {
                            None
                        };
                        match value {
                            Some(v) => format!("{}: {} = {v}", f.name, short_type(shape.name())),
                            None => format!(
                                "{}: {} ({} bytes)",
                                f.name,
                                short_type(shape.name()),
                                shape.size()
                            ),
                        }
                    })
                    .collect()
            };
            each(
                depth,
                &Frame {
                    layout,
                    state,
                    locals,
                },
            );
            depth += 1;
            if live && let Some(awaitee) = &ms.awaitee {
                at = self.find_coroutine(awaitee.ty, addr + awaitee.offset as usize, MAX_WRAPPERS);
            }
        }
    }

    /// The first coroutine inside a value of type `ty` at `addr`: itself, a field, or what
    /// an owning pointer points to.
    fn find_coroutine(&self, ty: TypeId, addr: usize, budget: u32) -> Option<(u32, usize)> {
        if budget == 0 {
            return None;
        }
        match self.shape(ty) {
            Shape::Coroutine { machine, .. } => Some((*machine, addr)),
            Shape::Struct {
                fields,
                variants: None,
                ..
            } => fields
                .iter()
                .find_map(|f| self.find_coroutine(f.ty, addr + f.offset as usize, budget - 1)),
            Shape::Pointer {
                target: Some(target),
                owning: true,
                size: 8,
                ..
            } => {
                let pointee = read_uint(addr, 8)? as usize;
                if pointee == 0 {
                    return None;
                }
                self.find_coroutine(*target, pointee, budget - 1)
            }
            _ => None,
        }
    }

    /// A plain value in words: numbers, `bool`, `char`, strings, `Option` and `Result` of
    /// those. `None` for anything else.
    fn value(&self, ty: TypeId, addr: usize, budget: u32) -> Option<String> {
        match self.shape(ty) {
            Shape::Base { size, encoding, .. } => base_value(addr, *size, *encoding),
            Shape::Struct {
                name,
                fields,
                variants,
                ..
            } => {
                let short = short_type(name);
                if short == "String" {
                    return self.string_value(fields, addr);
                }
                if short == "&str" {
                    let ptr = fields.iter().find(|f| &*f.name == "data_ptr")?;
                    let len = fields.iter().find(|f| &*f.name == "length")?;
                    let p = read_uint(addr + ptr.offset as usize, 8)? as usize;
                    let n = read_uint(addr + len.offset as usize, 8)? as usize;
                    return Some(text_value(p, n));
                }
                let is_option = short.starts_with("Option<");
                let is_result = short.starts_with("Result<");
                if budget == 0 || !(is_option || is_result) {
                    return None;
                }
                let variants = variants.as_ref()?;
                let (at, size) = variants.discr?;
                let discr = read_uint(addr + at as usize, size)?;
                let variant = variants.select(discr)?;
                let inner = match self.shape(variant.ty) {
                    Shape::Struct { fields, .. } => fields.first().cloned(),
                    _ => None,
                };
                match inner {
                    None => Some(variant.name.to_string()),
                    Some(field) => {
                        let v = self.value(
                            field.ty,
                            addr + variant.offset as usize + field.offset as usize,
                            budget - 1,
                        )?;
                        Some(format!("{}({v})", variant.name))
                    }
                }
            }
            _ => None,
        }
    }

    /// A `String`: its bytes are behind the pointer inside `vec.buf`, its length is `vec.len`.
    fn string_value(&self, fields: &[super::shape::Field], addr: usize) -> Option<String> {
        let vec = fields.iter().find(|f| &*f.name == "vec")?;
        let Shape::Struct {
            fields: vec_fields, ..
        } = self.shape(vec.ty)
        else {
            return None;
        };
        let vec_at = addr + vec.offset as usize;
        let len = vec_fields.iter().find(|f| &*f.name == "len")?;
        let n = read_uint(vec_at + len.offset as usize, 8)? as usize;
        let buf = vec_fields.iter().find(|f| &*f.name == "buf")?;
        let p = self.first_pointer(buf.ty, vec_at + buf.offset as usize, 6)?;
        Some(text_value(p, n))
    }

    /// The value of the first pointer found inside a struct (the data pointer of a `RawVec`).
    fn first_pointer(&self, ty: TypeId, addr: usize, budget: u32) -> Option<usize> {
        if budget == 0 {
            return None;
        }
        match self.shape(ty) {
            Shape::Pointer { size: 8, .. } => read_uint(addr, 8).map(|p| p as usize),
            Shape::Struct { fields, .. } => fields
                .iter()
                .find_map(|f| self.first_pointer(f.ty, addr + f.offset as usize, budget - 1)),
            _ => None,
        }
    }
}

/// The last segment of a type's path, generic arguments shortened the same way
/// (`alloc::string::String` → `String`, `core::option::Option<u64>` → `Option<u64>`).
pub fn short_type(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut segment = String::new();
    for c in name.chars() {
        match c {
            ':' => segment.clear(),
            '<' | '>' | ',' | ' ' | '(' | ')' | '[' | ']' | ';' | '&' | '*' => {
                out.push_str(&segment);
                segment.clear();
                out.push(c);
            }
            _ => segment.push(c),
        }
    }
    out.push_str(&segment);
    out.replace("::", "")
}

fn text_value(ptr: usize, len: usize) -> String {
    if ptr == 0 {
        return "\"\"".to_owned();
    }
    let shown = len.min(MAX_TEXT);
    // SAFETY: the caller read `ptr` and `len` from a live `String` or `&str` the future
    // holds; the first `len` bytes behind `ptr` are initialised.
    let bytes = unsafe { std::slice::from_raw_parts(ptr as *const u8, shown) };
    let text = String::from_utf8_lossy(bytes);
    if shown < len {
        format!("{text:?}… ({len} bytes)")
    } else {
        format!("{text:?}")
    }
}

fn read_uint(addr: usize, size: u64) -> Option<u64> {
    let p = addr as *const u8;
    // SAFETY: callers pass addresses inside a live value, at offsets and sizes its DWARF
    // type gives; the reads are unaligned-safe.
    unsafe {
        Some(match size {
            1 => u64::from(p.read()),
            2 => u64::from(p.cast::<u16>().read_unaligned()),
            4 => u64::from(p.cast::<u32>().read_unaligned()),
            8 => p.cast::<u64>().read_unaligned(),
            _ => return None,
        })
    }
}

fn base_value(addr: usize, size: u64, encoding: Encoding) -> Option<String> {
    let p = addr as *const u8;
    match (encoding, size) {
        (Encoding::Bool, 1) => Some((read_uint(addr, 1)? != 0).to_string()),
        (Encoding::Char, 4) => {
            let c = char::from_u32(read_uint(addr, 4)? as u32)?;
            Some(format!("{c:?}"))
        }
        (Encoding::Unsigned, 16) => {
            // SAFETY: as `read_uint`.
            Some(unsafe { p.cast::<u128>().read_unaligned() }.to_string())
        }
        (Encoding::Signed, 16) => {
            // SAFETY: as `read_uint`.
            Some(unsafe { p.cast::<i128>().read_unaligned() }.to_string())
        }
        (Encoding::Unsigned, _) => read_uint(addr, size).map(|v| v.to_string()),
        (Encoding::Signed, 1) => Some((read_uint(addr, 1)? as u8 as i8).to_string()),
        (Encoding::Signed, 2) => Some((read_uint(addr, 2)? as u16 as i16).to_string()),
        (Encoding::Signed, 4) => Some((read_uint(addr, 4)? as u32 as i32).to_string()),
        (Encoding::Signed, 8) => Some((read_uint(addr, 8)? as i64).to_string()),
        (Encoding::Float, 4) => Some(f32::from_bits(read_uint(addr, 4)? as u32).to_string()),
        (Encoding::Float, 8) => Some(f64::from_bits(read_uint(addr, 8)?).to_string()),
        _ => None,
    }
}
