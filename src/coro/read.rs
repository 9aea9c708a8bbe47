//! Reading a live future: its state, the futures it awaits (following `__awaitee` through
//! nested coroutines and the wrappers around them), and the values of the locals it holds.
//!
//! A chain copy has two halves. [`ChainCopy::capture`] runs right after the poll, before the
//! executor allocates anything: it copies the future's bytes and every region a value
//! points to through the fault-tolerant reads of [`super::memory`], and allocates nothing
//! once its buffers are warm — so a `String` the poll freed cannot have been handed to the
//! executor's own next allocation (and shown as the local's text) before it is read.
//! [`ChainCopy::frames`] then turns the copies into words. Every read is bounded by
//! [`MAX_TEXT`] and every value is validated before it is shown: a local the layout
//! lists but that may have been moved out (rustc keeps a moved-out local in the state
//! while its storage is live) is shown as its type and size, "may be moved". Where the
//! platform offers no safe read, values behind pointers are not read at all: such locals
//! show their type and size only.
//!
//! What the debug info says about moves: rustc lists the drop flags it keeps across an
//! await as anonymous `__N: bool` members of the state (`N` numbers the saved local, not
//! the local the flag guards), and a state can hold the clear flag of a local it does
//! not list (`let a = ..; let b = ..; take(a).await` lists `b` and a clear `__2`, the flag
//! of `a`). No flag can be tied to a listed local, so they are left out; what does hold
//! is ownership — two `String`s of one chain owning one heap block mean the outer one was
//! moved into the inner — and validation of the bytes themselves.

use super::index::RootType;
use super::memory::{self, Mem};
use super::shape::{Encoding, Field, Shape, TypeId};
use super::unit::{COROUTINE_SEARCH, Frozen};
use std::fmt::Write;

/// How deep the await chain is followed.
const MAX_DEPTH: usize = 16;
/// Strings longer than this are cut in values (in bytes read).
const MAX_TEXT: usize = 120;
/// No heap block of this process is this large: a length or capacity above it is garbage.
const MAX_LEN: u64 = 1 << 46;

/// One coroutine of a task's await chain, as read after a poll.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The coroutine's layout, by its number in the index.
    pub layout: usize,
    /// Its state, by index into the layout's states.
    pub state: usize,
    /// `name: type = value` for each local the state holds (values for plain types only).
    pub locals: Vec<String>,
}

/// One coroutine found in the chain.
#[derive(Clone, Copy, Debug)]
struct RawFrame {
    machine: u32,
    /// Its layout's number, and whether its state holds locals to put in words (without
    /// any, the frame needs nothing more from the debug info).
    layout: u32,
    locals: bool,
    addr: usize,
    state: usize,
}

/// The data pointer of a `String` a frame holds: two owners of one heap block mean one of
/// them was moved out.
#[derive(Clone, Copy, Debug)]
struct Owner {
    frame: usize,
    addr: usize,
    data: usize,
}

/// A task's await chain, captured after a poll and turned into [`Frame`]s. Reused from
/// poll to poll.
#[derive(Debug, Default)]
pub(crate) struct ChainCopy {
    mem: Mem,
    frames: Vec<RawFrame>,
    owners: Vec<Owner>,
    /// The unit the captured chain is described in (kept from capture to capture: most
    /// tasks share one, and an `Arc` clone per poll is not free).
    unit: Option<std::sync::Arc<Frozen>>,
    /// True once a capture is waiting to be turned into frames.
    captured: bool,
}

impl ChainCopy {
    /// Copies what the future of type `root` at `ptr` holds now: the chain, its states,
    /// and every region its locals' values point to. Allocates nothing once warm.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a live value of `root`'s type, pinned, that nothing is polling
    /// or moving while this runs.
    pub unsafe fn capture(&mut self, root: &RootType, ptr: *const u8) {
        self.mem.clear();
        self.frames.clear();
        self.owners.clear();
        self.captured = false;
        let unit = &*root.unit;
        let size = unit.shapes[root.ty as usize].size() as usize;
        // SAFETY: as the caller promises: `size` bytes at `ptr` are the live future, and
        // nothing writes it before the next capture clears `mem`.
        unsafe { self.mem.own(ptr as usize, size) };
        let mut at = find_coroutine(unit, &mut self.mem, root.ty, ptr as usize, COROUTINE_SEARCH);
        while let Some((machine, addr)) = at.take() {
            if self.frames.len() >= MAX_DEPTH || addr == 0 {
                break;
            }
            let m = &unit.machines[machine as usize];
            let Some(value) = self.mem.uint(addr + m.discr.0 as usize, m.discr.1) else {
                break;
            };
            let Some(state) = m.state_for(value as u64) else {
                break;
            };
            let frame = self.frames.len();
            let ms = &m.states[state];
            self.frames.push(RawFrame {
                machine,
                layout: m.layout,
                locals: ms.live && !ms.locals.is_empty(),
                addr,
                state,
            });
            // Returned and Panicked hold nothing live: their fields may be gone.
            if !ms.live {
                break;
            }
            for local in &ms.locals {
                let local_at = addr + local.offset as usize;
                prefetch(unit, &mut self.mem, local.ty, local_at, 2);
                // Only a `String` owns its bytes (a `&str`, `cap` at its marker, borrows).
                if let Some(data) = string_parts(unit, &mut self.mem, local.ty, local_at)
                    .filter(|t| t.cap > 0 && t.cap != u64::MAX)
                    .map(|t| t.ptr)
                {
                    self.owners.push(Owner {
                        frame,
                        addr: local_at,
                        data,
                    });
                }
            }
            if let Some(awaitee) = &ms.awaitee {
                at = find_coroutine(
                    unit,
                    &mut self.mem,
                    awaitee.ty,
                    addr + awaitee.offset as usize,
                    COROUTINE_SEARCH,
                );
            }
        }
        // Nothing is read from now on: what was not copied above is not shown.
        self.mem.seal();
        if !self
            .unit
            .as_ref()
            .is_some_and(|u| std::sync::Arc::ptr_eq(u, &root.unit))
        {
            self.unit = Some(root.unit.clone());
        }
        self.captured = true;
    }

    /// The captured chain in words, outermost first, each frame handed to `each` with its
    /// depth.
    pub fn frames(&mut self, mut each: impl FnMut(usize, &Frame)) {
        if !std::mem::take(&mut self.captured) {
            return;
        }
        // Most states hold no locals: their frames are words already.
        if !self.frames.iter().any(|f| f.locals) {
            for (depth, raw) in self.frames.iter().enumerate() {
                let frame = Frame {
                    layout: raw.layout as usize,
                    state: raw.state,
                    locals: Vec::new(),
                };
                each(depth, &frame);
            }
            return;
        }
        let Some(unit) = self.unit.take() else {
            return;
        };
        self.frames_in(&unit, &mut each);
        self.unit = Some(unit);
    }

    fn frames_in(&mut self, unit: &Frozen, each: &mut impl FnMut(usize, &Frame)) {
        for depth in 0..self.frames.len() {
            let raw = self.frames[depth];
            let m = &unit.machines[raw.machine as usize];
            let ms = &m.states[raw.state];
            let locals = if ms.live {
                ms.locals
                    .iter()
                    .map(|f| self.local(unit, depth, raw.addr, f))
                    .collect()
            } else {
                Vec::new()
            };
            each(
                depth,
                &Frame {
                    layout: m.layout as usize,
                    state: raw.state,
                    locals,
                },
            );
        }
    }

    /// `name: type = value`, or `name: type (N bytes)` with why the value is not shown.
    fn local(&mut self, unit: &Frozen, frame: usize, base: usize, f: &Field) -> String {
        let shape = &unit.shapes[f.ty as usize];
        let at = base + f.offset as usize;
        let ty = super::short_type(shape.name());
        let moved = self.owned_twice(frame, at);
        let value = if moved {
            None
        } else {
            value(unit, &mut self.mem, f.ty, at, 2)
        };
        match value {
            Some(Ok(v)) => format!("{}: {ty} = {v}", f.name),
            Some(Err(Unshown::NoSafeRead)) => {
                format!("{}: {ty} ({} bytes)", f.name, shape.size())
            }
            Some(Err(Unshown::MayBeMoved)) => {
                format!("{}: {ty} ({} bytes, may be moved)", f.name, shape.size())
            }
            None if moved => format!("{}: {ty} ({} bytes, may be moved)", f.name, shape.size()),
            None => format!("{}: {ty} ({} bytes)", f.name, shape.size()),
        }
    }

    /// True if the `String` at `addr` in `frame` owns a heap block that another `String`
    /// of the chain also owns: values move inward, into the futures they are awaited in,
    /// so the outer one was moved out (both, if they are in the same frame).
    fn owned_twice(&self, frame: usize, addr: usize) -> bool {
        let Some(me) = self
            .owners
            .iter()
            .find(|o| o.frame == frame && o.addr == addr)
        else {
            return false;
        };
        self.owners
            .iter()
            .any(|o| o.data == me.data && o.addr != me.addr && o.frame >= frame)
    }
}

/// Why a value is not shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unshown {
    /// Its bytes do not make a live value of its type: it may have been moved out, or
    /// not yet assigned.
    MayBeMoved,
    /// It lives behind a pointer, and this platform has no read that cannot fault.
    NoSafeRead,
}

/// The first coroutine inside a value of type `ty` at `addr`: itself, a field, or what
/// an owning pointer points to.
fn find_coroutine(
    unit: &Frozen,
    mem: &mut Mem,
    ty: TypeId,
    addr: usize,
    budget: u32,
) -> Option<(u32, usize)> {
    if budget == 0 {
        return None;
    }
    match &unit.shapes[ty as usize] {
        Shape::Coroutine { machine, size, .. } => {
            // Behind a pointer: the coroutine's own bytes, copied in one go (inside the
            // task's own future there is nothing to copy).
            (mem.is_own(addr, *size as usize) || mem.map(addr, *size as usize))
                .then_some((*machine, addr))
        }
        Shape::Struct {
            fields,
            variants: None,
            ..
        } => fields
            .iter()
            .find_map(|f| find_coroutine(unit, mem, f.ty, addr + f.offset as usize, budget - 1)),
        Shape::Pointer {
            target: Some(target),
            owning: true,
            size: 8,
            ..
        } => {
            let pointee = mem.u64(addr)? as usize;
            if pointee == 0 {
                return None;
            }
            find_coroutine(unit, mem, *target, pointee, budget - 1)
        }
        _ => None,
    }
}

/// A `String`'s or `&str`'s pointer, length and capacity as its bytes say.
#[derive(Clone, Copy, Debug)]
struct TextParts {
    ptr: usize,
    len: u64,
    /// `u64::MAX` for a `&str`, which borrows.
    cap: u64,
}

/// The parts of a `String` (its bytes behind `vec.buf`'s pointer, `vec.len`, the
/// capacity inside `buf`) or a `&str` (`data_ptr`, `length`) at `addr`.
fn string_parts(unit: &Frozen, mem: &mut Mem, ty: TypeId, addr: usize) -> Option<TextParts> {
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
fn first_pointer(
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
fn named_uint(
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
fn plausible(t: TextParts) -> bool {
    if t.len > MAX_LEN || (t.cap != u64::MAX && (t.cap > MAX_LEN || t.len > t.cap)) {
        return false;
    }
    t.len == 0 || (t.ptr > 4096 && (t.ptr as u64) < (1 << 56))
}

/// Copies the regions a value of type `ty` at `addr` points to (the bytes of a `String`
/// or `&str`, also inside `Option` and `Result`), so formatting it later reads nothing.
fn prefetch(unit: &Frozen, mem: &mut Mem, ty: TypeId, addr: usize, budget: u32) {
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
fn variant_inner(unit: &Frozen, mem: &mut Mem, ty: TypeId, addr: usize) -> Option<(TypeId, usize)> {
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
fn variant_of<'u>(
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
fn value(
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
fn text_value(mem: &mut Mem, t: TextParts) -> Result<String, Unshown> {
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

fn base_value(mem: &mut Mem, addr: usize, size: u64, encoding: Encoding) -> Option<String> {
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

/// The last segment of each path in a type's name, generic arguments shortened the same
/// way (`alloc::string::String` → `String`, `core::option::Option<u64>` → `Option<u64>`);
/// a function's path keeps its last two segments, as a future is named by its function
/// (`tokio::net::tcp::listener::TcpListener::bind` → `TcpListener::bind`,
/// `a::build::{async block}` → `build::{async block}`).
pub fn short_type(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut last = String::new();
    let mut before = String::new();
    let mut braces = 0u32;
    let flush = |out: &mut String, before: &mut String, last: &mut String| {
        // Types are CamelCase, functions snake_case, blocks `{async block}`.
        let is_fn = last.starts_with(|c: char| c.is_lowercase() || c == '{') && !before.is_empty();
        if is_fn {
            out.push_str(before);
            out.push_str("::");
        }
        out.push_str(last);
        before.clear();
        last.clear();
    };
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' => {
                braces += 1;
                last.push(c);
            }
            '}' => {
                braces = braces.saturating_sub(1);
                last.push(c);
            }
            ':' if braces == 0 && chars.peek() == Some(&':') => {
                chars.next();
                if last.is_empty() {
                    // After `<T as Trait>`: the path goes on from there.
                    out.push_str("::");
                } else {
                    before = std::mem::take(&mut last);
                }
            }
            '<' | '>' | ',' | ' ' | '(' | ')' | '[' | ']' | ';' | '&' | '*' if braces == 0 => {
                flush(&mut out, &mut before, &mut last);
                out.push(c);
            }
            _ => last.push(c),
        }
    }
    flush(&mut out, &mut before, &mut last);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_keep_one_segment_and_functions_two() {
        assert_eq!(short_type("alloc::string::String"), "String");
        assert_eq!(short_type("core::option::Option<u64>"), "Option<u64>");
        assert_eq!(
            short_type("pollscope::probe::At<tokio::net::tcp::listener::TcpListener::bind<&str>>"),
            "At<TcpListener::bind<&str>>"
        );
        assert_eq!(
            short_type("mini::handler::{async block}"),
            "handler::{async block}"
        );
        assert_eq!(short_type("u64"), "u64");
        assert_eq!(short_type("&str"), "&str");
        assert_eq!(short_type("[u8; 4096]"), "[u8; 4096]");
        assert_eq!(
            short_type("<mini::Handler as mini::Service>::call"),
            "<Handler as Service>::call"
        );
    }

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
