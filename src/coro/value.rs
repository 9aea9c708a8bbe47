//! The values of a future's locals, read from the copies a chain copy took: text checked
//! to be a live `String` or `&str`, numbers by their encoding, enums by their variant.
//! A value whose bytes do not hold up is not shown, only said why.

use super::memory::{self, Mem};
use super::shape::{Encoding, Field, Shape, TypeId};
use super::unit::Frozen;
use std::fmt::Write;

/// Strings longer than this are cut in values (in bytes read).
pub(super) const MAX_TEXT: usize = 120;
/// No heap block of this process is this large: a length or capacity above it is garbage.
const MAX_LEN: u64 = 1 << 46;

/// Why a value is not shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Unshown {
    /// Its bytes do not make a live value of its type: it may have been moved out, or
    /// not yet assigned.
    MayBeMoved,
    /// It lives behind a pointer, and this platform has no read that cannot fault.
    NoSafeRead,
}

/// A `String`'s or `&str`'s pointer, length and capacity as its bytes say.
#[derive(Clone, Copy, Debug)]
pub(super) struct TextParts {
    ptr: usize,
    len: u64,
    /// `u64::MAX` for a `&str`, which borrows.
    cap: u64,
}

impl TextParts {
    /// The heap block it owns: only a `String` owns its bytes (a `&str`, `cap` at its
    /// marker, borrows; an empty `String` owns nothing).
    pub(super) fn owned_block(self) -> Option<usize> {
        (self.cap > 0 && self.cap != u64::MAX).then_some(self.ptr)
    }
}

/// The parts of a `String` (its bytes behind `vec.buf`'s pointer, `vec.len`, the
/// capacity inside `buf`) or a `&str` (`data_ptr`, `length`) at `addr`.
pub(super) fn string_parts(
    unit: &Frozen,
    mem: &mut Mem,
    ty: TypeId,
    addr: usize,
) -> Option<TextParts> {
    let Shape::Struct { name, fields, .. } = &unit.shapes[ty as usize] else {
        return None;
    };
    let short = super::short_type(name);
    if short == "&str" {
        let ptr = fields.iter().find(|f| &*f.name == "data_ptr")?;
        let len = fields.iter().find(|f| &*f.name == "length")?;
        return Some(TextParts {
            ptr: mem.u64(addr + ptr.offset as usize)? as usize,
            len: mem.u64(addr + len.offset as usize)?,
            cap: u64::MAX,
        });
    }
    if short != "String" {
        return None;
    }
    let vec = fields.iter().find(|f| &*f.name == "vec")?;
    let Shape::Struct {
        fields: vec_fields, ..
    } = &unit.shapes[vec.ty as usize]
    else {
        return None;
    };
    let vec_at = addr + vec.offset as usize;
    let len = vec_fields.iter().find(|f| &*f.name == "len")?;
    let len = mem.u64(vec_at + len.offset as usize)?;
    let buf = vec_fields.iter().find(|f| &*f.name == "buf")?;
    let buf_at = vec_at + buf.offset as usize;
    let ptr = first_pointer(unit, mem, buf.ty, buf_at, 6)?;
    let cap = named_uint(unit, mem, buf.ty, buf_at, "cap", 6)?;
    Some(TextParts { ptr, len, cap })
}

/// The value of the first pointer found inside a struct (the data pointer of a `RawVec`).
pub(super) fn first_pointer(
    unit: &Frozen,
    mem: &mut Mem,
    ty: TypeId,
    addr: usize,
    budget: u32,
) -> Option<usize> {
    if budget == 0 {
        return None;
    }
    match &unit.shapes[ty as usize] {
        Shape::Pointer { size: 8, .. } => mem.u64(addr).map(|p| p as usize),
        Shape::Struct { fields, .. } => fields
            .iter()
            .find_map(|f| first_pointer(unit, mem, f.ty, addr + f.offset as usize, budget - 1)),
        _ => None,
    }
}

/// The first integer field called `name` inside a struct, searched depth first (the
/// capacity of a `RawVec`, itself wrapped as `Cap(usize)` in recent releases).
pub(super) fn named_uint(
    unit: &Frozen,
    mem: &mut Mem,
    ty: TypeId,
    addr: usize,
    name: &str,
    budget: u32,
) -> Option<u64> {
    if budget == 0 {
        return None;
    }
    let Shape::Struct { fields, .. } = &unit.shapes[ty as usize] else {
        return None;
    };
    for f in fields {
        let at = addr + f.offset as usize;
        if &*f.name == name {
            return match &unit.shapes[f.ty as usize] {
                Shape::Base { size, .. } => mem.uint(at, *size).map(|v| v as u64),
                // `Cap(usize)`, `UsizeNoHighBit`: the number inside.
                Shape::Struct { fields, .. } => {
                    let inner = fields.first()?;
                    match &unit.shapes[inner.ty as usize] {
                        Shape::Base { size, .. } => mem
                            .uint(at + inner.offset as usize, *size)
                            .map(|v| v as u64),
                        _ => None,
                    }
                }
                _ => None,
            };
        }
        if let Some(found) = named_uint(unit, mem, f.ty, at, name, budget - 1) {
            return Some(found);
        }
    }
    None
}

/// True if a text's parts can be a live `String` or `&str`: lengths a heap block can have,
/// a non-null pointer where there are bytes, length within capacity.
pub(super) fn plausible(t: TextParts) -> bool {
    if t.len > MAX_LEN || (t.cap != u64::MAX && (t.cap > MAX_LEN || t.len > t.cap)) {
        return false;
    }
    t.len == 0 || (t.ptr > 4096 && (t.ptr as u64) < (1 << 56))
}

/// Copies the regions a value of type `ty` at `addr` points to (the bytes of a `String`
/// or `&str`, also inside `Option` and `Result`), so formatting it later reads nothing.
pub(super) fn prefetch(unit: &Frozen, mem: &mut Mem, ty: TypeId, addr: usize, budget: u32) {
    if let Some(t) = string_parts(unit, mem, ty, addr) {
        if plausible(t) && memory::safe_reads() {
            let _ = mem.map(t.ptr, (t.len as usize).min(MAX_TEXT));
        }
        return;
    }
    if budget == 0 {
        return;
    }
    if let Some(inner) = variant_inner(unit, mem, ty, addr) {
        prefetch(unit, mem, inner.0, inner.1, budget - 1);
    }
}

/// The payload of the variant an `Option` or `Result` at `addr` holds: its type and
/// address, or `None` for a variant without one (or another type).
pub(super) fn variant_inner(
    unit: &Frozen,
    mem: &mut Mem,
    ty: TypeId,
    addr: usize,
) -> Option<(TypeId, usize)> {
    let (variant, _) = variant_of(unit, mem, ty, addr)?;
    let field = match &unit.shapes[variant.ty as usize] {
        Shape::Struct { fields, .. } => fields.first()?.clone(),
        _ => return None,
    };
    Some((
        field.ty,
        addr + variant.offset as usize + field.offset as usize,
    ))
}

/// The variant an `Option` or `Result` at `addr` holds.
pub(super) fn variant_of<'u>(
    unit: &'u Frozen,
    mem: &mut Mem,
    ty: TypeId,
    addr: usize,
) -> Option<(&'u Field, &'u str)> {
    let Shape::Struct { name, variants, .. } = &unit.shapes[ty as usize] else {
        return None;
    };
    let short = super::short_type(name);
    if !(short.starts_with("Option<") || short.starts_with("Result<")) {
        return None;
    }
    let variants = variants.as_ref()?;
    let (at, size) = variants.discr?;
    let discr = mem.uint(addr + at as usize, size)?;
    let variant = variants.select(discr as u64)?;
    Some((variant, &variant.name))
}

/// A plain value in words: numbers, `bool`, `char`, strings, `Option` and `Result` of
/// those. `None` for anything else; `Some(Err(..))` for a value whose bytes do not hold up.
pub(super) fn value(
    unit: &Frozen,
    mem: &mut Mem,
    ty: TypeId,
    addr: usize,
    budget: u32,
) -> Option<Result<String, Unshown>> {
    if let Shape::Base { size, encoding, .. } = &unit.shapes[ty as usize] {
        return base_value(mem, addr, *size, *encoding).map(Ok);
    }
    if let Some(t) = string_parts(unit, mem, ty, addr) {
        return Some(text_value(mem, t));
    }
    if budget == 0 {
        return None;
    }
    let (variant, name) = variant_of(unit, mem, ty, addr)?;
    let name = name.to_owned();
    let inner = match &unit.shapes[variant.ty as usize] {
        Shape::Struct { fields, .. } => fields.first().cloned(),
        _ => None,
    };
    match inner {
        None => Some(Ok(name)),
        Some(field) => {
            let at = addr + variant.offset as usize + field.offset as usize;
            match value(unit, mem, field.ty, at, budget - 1)? {
                Ok(v) => Some(Ok(format!("{name}({v})"))),
                Err(why) => Some(Err(why)),
            }
        }
    }
}

/// A string's text, quoted, if its bytes are there and make valid text: valid UTF-8 (a
/// character cut by [`MAX_TEXT`] aside) with no control characters but tab and newline.
/// Freed memory fails this: the allocator writes its own pointers into a freed block.
pub(super) fn text_value(mem: &mut Mem, t: TextParts) -> Result<String, Unshown> {
    if !memory::safe_reads() {
        return Err(Unshown::NoSafeRead);
    }
    if !plausible(t) {
        return Err(Unshown::MayBeMoved);
    }
    if t.len == 0 {
        return Ok("\"\"".to_owned());
    }
    let shown = (t.len as usize).min(MAX_TEXT);
    let Some(bytes) = mem.bytes(t.ptr, shown) else {
        return Err(Unshown::MayBeMoved);
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        // Cut inside a character: what comes before it.
        Err(e) if e.error_len().is_none() && shown < t.len as usize => {
            std::str::from_utf8(&bytes[..e.valid_up_to()]).map_err(|_| Unshown::MayBeMoved)?
        }
        Err(_) => return Err(Unshown::MayBeMoved),
    };
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(Unshown::MayBeMoved);
    }
    let mut out = format!("{text:?}");
    if (text.len() as u64) < t.len {
        let _ = write!(out, "… ({} bytes)", t.len);
    }
    Ok(out)
}

pub(super) fn base_value(
    mem: &mut Mem,
    addr: usize,
    size: u64,
    encoding: Encoding,
) -> Option<String> {
    let v = mem.uint(addr, size)?;
    match (encoding, size) {
        (Encoding::Bool, 1) => Some((v != 0).to_string()),
        (Encoding::Char, 4) => Some(format!("{:?}", char::from_u32(v as u32)?)),
        (Encoding::Unsigned, _) => Some(v.to_string()),
        (Encoding::Signed, 1) => Some((v as u8 as i8).to_string()),
        (Encoding::Signed, 2) => Some((v as u16 as i16).to_string()),
        (Encoding::Signed, 4) => Some((v as u32 as i32).to_string()),
        (Encoding::Signed, 8) => Some((v as u64 as i64).to_string()),
        (Encoding::Signed, 16) => Some((v as i128).to_string()),
        (Encoding::Float, 4) => Some(f32::from_bits(v as u32).to_string()),
        (Encoding::Float, 8) => Some(f64::from_bits(v as u64).to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &[u8], cap: u64) -> Result<String, Unshown> {
        let mut mem = Mem::default();
        let t = TextParts {
            ptr: bytes.as_ptr() as usize,
            len: bytes.len() as u64,
            cap,
        };
        if !memory::safe_reads() {
            return Err(Unshown::MayBeMoved);
        }
        text_value(&mut mem, t)
    }

    #[test]
    fn live_text_is_shown_and_freed_looking_bytes_are_not() {
        if !memory::safe_reads() {
            return;
        }
        assert_eq!(text(b"kept across", 11).as_deref(), Ok("\"kept across\""));
        assert_eq!(
            text("tab\tand é".as_bytes(), 32).as_deref(),
            Ok("\"tab\\tand é\"")
        );
        // What a freed block holds: the allocator's pointers, NULs and small counts.
        assert_eq!(
            text(b"\x02\0\0\0\0\0\0\0\x01\0\0\0moved::smalles", 30),
            Err(Unshown::MayBeMoved)
        );
        assert_eq!(text(&[0xff, 0xfe, b'a'], 3), Err(Unshown::MayBeMoved));
        // A length over the capacity is no `String`.
        assert_eq!(text(b"abc", 2), Err(Unshown::MayBeMoved));
        let long = "é".repeat(100);
        let shown = text(long.as_bytes(), 200).unwrap();
        assert!(shown.ends_with("… (200 bytes)"), "{shown}");
    }

    #[test]
    fn an_unreadable_pointer_is_may_be_moved() {
        if !memory::safe_reads() {
            return;
        }
        let mut mem = Mem::default();
        let t = TextParts {
            ptr: 0x10,
            len: 5,
            cap: 5,
        };
        assert_eq!(text_value(&mut mem, t), Err(Unshown::MayBeMoved));
    }
}
