//! Names a person reads. rustc's debug info names a coroutine by the compiler's anonymous
//! type — `tokio::net::tcp::listener::{impl#0}::bind::{async_fn_env#0}<&str>` — where a
//! person wants the function: `tokio::net::tcp::listener::TcpListener::bind<&str>`. The
//! `{impl#N}` namespace does not say which type the impl is for; the symbol of any
//! function inside it does (`tokio::net::tcp::listener::TcpListener::bind`), so impls are
//! named from symbols.

use std::borrow::Cow;

/// What a path segment of the debug info is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Segment<'a> {
    /// `{async_fn_env#N}`: the state of the `async fn` named by the path before it.
    AsyncFnEnv,
    /// `{async_block_env#N}`: the state of the Nth `async` block of the function.
    AsyncBlockEnv(&'a str),
    /// `{closure_env#N}`, or `{closure#N}` (a closure's body as a namespace).
    ClosureEnv,
    /// `{async_fn#N}`: an `async fn`'s body as a namespace (of a closure inside it): the
    /// function's path already names it.
    AsyncFnBody,
    /// `{impl#N}`: an impl block, to be named by its type.
    Impl,
    /// Anything else, kept as it is.
    Plain,
}

/// Classifies one segment (generic arguments after it allowed: `{async_fn_env#0}<&str>`).
pub(crate) fn segment(s: &str) -> Segment<'_> {
    let head = s.split('<').next().unwrap_or(s);
    let number = |prefix: &str| {
        head.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix('}'))
    };
    if number("{async_fn_env#").is_some() {
        Segment::AsyncFnEnv
    } else if number("{async_fn#").is_some() {
        Segment::AsyncFnBody
    } else if let Some(n) = number("{async_block_env#").or_else(|| number("{async_block#")) {
        Segment::AsyncBlockEnv(n)
    } else if number("{closure_env#").is_some() || number("{closure#").is_some() {
        Segment::ClosureEnv
    } else if number("{impl#").is_some() {
        Segment::Impl
    } else {
        Segment::Plain
    }
}

/// The generic arguments written after a segment (`<&str>` of `{async_fn_env#0}<&str>`).
fn generics(s: &str) -> &str {
    s.find('<').map_or("", |i| &s[i..])
}

/// A readable spelling of a path given as segments: `{impl#N}` prefixes replaced by the
/// impl's type (`impls` names them, from the path up to and including the `{impl#N}`), a
/// coroutine's state named by its function (`a::inner`) or block (`a::build::{async
/// block}`; the second block of a function is `{async block#1}`), a closure's by
/// `{closure}`. Generic arguments are rewritten the same way.
pub(crate) fn readable(segments: &[&str], impls: &mut dyn FnMut(&str) -> Option<String>) -> String {
    // The last impl decides: `a::{impl#0}::f::{impl#1}` is named after the inner impl.
    let mut start = 0;
    let mut head = String::new();
    if let Some(i) = segments.iter().rposition(|s| segment(s) == Segment::Impl) {
        let prefix = segments[..=i].join("::");
        if let Some(named) = impls(&prefix) {
            head = named;
            start = i + 1;
        }
    }
    let mut out = head;
    for s in &segments[start..] {
        let (text, args): (Cow<'_, str>, &str) = match segment(s) {
            // The function's path already names it: only its generic arguments stay.
            Segment::AsyncFnEnv | Segment::AsyncFnBody => {
                let args = generics(s);
                push_args(&mut out, args, impls);
                continue;
            }
            Segment::AsyncBlockEnv(n) => {
                let name = if n == "0" {
                    "{async block}".into()
                } else {
                    format!("{{async block#{n}}}").into()
                };
                (name, generics(s))
            }
            Segment::ClosureEnv => ("{closure}".into(), generics(s)),
            Segment::Impl | Segment::Plain => {
                let cut = s.find('<').unwrap_or(s.len());
                (Cow::Borrowed(&s[..cut]), &s[cut..])
            }
        };
        if !out.is_empty() {
            out.push_str("::");
        }
        out.push_str(&text);
        push_args(&mut out, args, impls);
    }
    out
}

/// Appends generic arguments, each path inside them made readable.
fn push_args(out: &mut String, args: &str, impls: &mut dyn FnMut(&str) -> Option<String>) {
    if args.is_empty() {
        return;
    }
    out.push_str(&readable_type(args, impls));
}

/// Every path inside a type's name made [`readable`]: `At<a::{impl#0}::f::{async_fn_env#0}>`
/// becomes `At<a::Thing::f>`.
pub(crate) fn readable_type(name: &str, impls: &mut dyn FnMut(&str) -> Option<String>) -> String {
    if !name.contains('{') {
        return name.to_owned();
    }
    let mut out = String::with_capacity(name.len());
    let mut path = String::new();
    let mut braces = 0u32;
    let mut angle = 0u32;
    let flush =
        |path: &mut String, out: &mut String, impls: &mut dyn FnMut(&str) -> Option<String>| {
            if !path.is_empty() {
                let segments = split_path(path);
                out.push_str(&readable(&segments, impls));
                path.clear();
            }
        };
    for c in name.chars() {
        match c {
            '{' => {
                braces += 1;
                path.push(c);
            }
            '}' => {
                braces = braces.saturating_sub(1);
                path.push(c);
            }
            // A path's own generic arguments stay with it, to be rewritten with it.
            '<' if braces == 0 && !path.is_empty() => {
                angle += 1;
                path.push(c);
            }
            '>' if braces == 0 && angle > 0 => {
                angle -= 1;
                path.push(c);
            }
            '<' | '>' | ',' | ' ' | '(' | ')' | '[' | ']' | ';' | '&' | '*'
                if braces == 0 && angle == 0 =>
            {
                flush(&mut path, &mut out, impls);
                out.push(c);
            }
            _ => path.push(c),
        }
    }
    flush(&mut path, &mut out, impls);
    out
}

/// Splits `a::b<c::d>::e` on the `::` outside angle brackets and braces.
pub(crate) fn split_path(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start, mut i) = (0i32, 0usize, 0usize);
    let bytes = path.as_bytes();
    while i < bytes.len() {
        match bytes[i] {
            b'<' | b'{' => depth += 1,
            b'>' | b'}' => depth -= 1,
            b':' if depth == 0 && bytes.get(i + 1) == Some(&b':') => {
                out.push(&path[start..i]);
                i += 2;
                start = i;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&path[start..]);
    out
}

/// The impl's type from a function inside it: `namespace` is the function's namespace path
/// in the debug info (`a::{impl#0}::f`, ending with the function's own name) and
/// `symbol` its demangled symbol without the hash (`a::Thing::f`, or `<a::Thing as
/// a::Trait>::f`). Returns the prefix up to `{impl#N}` and the type's name.
pub(crate) fn impl_from_symbol(namespace: &[&str], symbol: &str) -> Option<(String, String)> {
    let i = namespace
        .iter()
        .rposition(|s| segment(s) == Segment::Impl)?;
    let after = namespace.len() - i - 1;
    let parts = split_path(symbol);
    if after == 0 || parts.len() <= after {
        return None;
    }
    let named = parts[..parts.len() - after].join("::");
    if named.is_empty() || named.contains('{') {
        return None;
    }
    Some((namespace[..=i].join("::"), named))
}

/// A symbol demangled without its hash, if it is a Rust symbol.
pub(crate) fn demangle(symbol: &str) -> Option<String> {
    let demangled = rustc_demangle::try_demangle(symbol).ok()?;
    Some(format!("{demangled:#}"))
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

    fn none(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn coroutines_are_named_by_their_function_or_block() {
        let r = |s: &str| readable(&split_path(s), &mut none);
        assert_eq!(r("a::inner::{async_fn_env#0}"), "a::inner");
        assert_eq!(r("a::inner::{async_fn_env#0}<&str>"), "a::inner<&str>");
        assert_eq!(
            r("mini::handler::{async_block_env#0}"),
            "mini::handler::{async block}"
        );
        assert_eq!(
            r("mini::handler::{async_block_env#2}"),
            "mini::handler::{async block#2}"
        );
        assert_eq!(r("a::f::{closure_env#0}"), "a::f::{closure}");
        // A closure inside an async fn's body, as a generic argument names it.
        assert_eq!(
            r("tokio::net::tcp::listener::TcpListener::accept::{async_fn#0}::{closure#0}"),
            "tokio::net::tcp::listener::TcpListener::accept::{closure}"
        );
        assert_eq!(r("a::main::{async_block#1}"), "a::main::{async block#1}");
    }

    #[test]
    fn an_impl_is_named_by_its_type() {
        let mut impls = |p: &str| {
            (p == "tokio::net::tcp::listener::{impl#0}")
                .then(|| "tokio::net::tcp::listener::TcpListener".to_owned())
        };
        let name = readable_type(
            "pollscope::probe::At<tokio::net::tcp::listener::{impl#0}::bind::{async_fn_env#0}<&str>>",
            &mut impls,
        );
        assert_eq!(
            name,
            "pollscope::probe::At<tokio::net::tcp::listener::TcpListener::bind<&str>>"
        );
        // Unknown impls keep their place.
        assert_eq!(
            readable(&split_path("a::{impl#3}::f::{async_fn_env#0}"), &mut none),
            "a::{impl#3}::f"
        );
    }

    #[test]
    fn the_impls_type_comes_from_a_symbol_inside_it() {
        let ns = [
            "tokio",
            "net",
            "tcp",
            "listener",
            "{impl#0}",
            "bind",
            "{async_fn#0}",
        ];
        assert_eq!(
            impl_from_symbol(
                &ns,
                "tokio::net::tcp::listener::TcpListener::bind::{{closure}}"
            ),
            Some((
                "tokio::net::tcp::listener::{impl#0}".to_owned(),
                "tokio::net::tcp::listener::TcpListener".to_owned()
            ))
        );
        let ns = ["mini", "{impl#2}", "call"];
        assert_eq!(
            impl_from_symbol(&ns, "<mini::Handler as mini::Service>::call"),
            Some((
                "mini::{impl#2}".to_owned(),
                "<mini::Handler as mini::Service>".to_owned()
            ))
        );
        assert_eq!(impl_from_symbol(&["a", "f"], "a::f"), None);
    }

    #[test]
    fn symbols_demangle_without_their_hash() {
        assert_eq!(
            demangle("_ZN1m7consume28_$u7b$$u7b$closure$u7d$$u7d$17h91d0d69c9a3f8e82E").as_deref(),
            Some("m::consume::{{closure}}")
        );
        assert_eq!(demangle("memcpy"), None);
    }
}
