//! The shapes of types as the index keeps them: just enough of DWARF's description to
//! find coroutines inside a value and to show plain values.

use std::sync::Arc;

/// Index of a [`Shape`] in the index's type table.
pub(crate) type TypeId = u32;

/// How a base type's bytes read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    Signed,
    Unsigned,
    Float,
    Bool,
    Char,
    Other,
}

/// A field of a struct (or the single member of an enum's variant).
#[derive(Clone, Debug)]
pub(crate) struct Field {
    pub name: Arc<str>,
    pub offset: u64,
    pub ty: TypeId,
}

/// An enum's variants, as rustc describes them: a discriminant (or a niche) read at an
/// offset, and for each variant the value it takes (none for the variant that holds the
/// niche's other values).
#[derive(Clone, Debug)]
pub(crate) struct Variants {
    /// Offset and size of the discriminant.
    pub discr: Option<(u64, u64)>,
    pub variants: Vec<(Option<u64>, Field)>,
}

impl Variants {
    /// The variant the discriminant `value` selects.
    pub fn select(&self, value: u64) -> Option<&Field> {
        self.variants
            .iter()
            .find(|(v, _)| *v == Some(value))
            .or_else(|| self.variants.iter().find(|(v, _)| v.is_none()))
            .map(|(_, f)| f)
    }
}

/// One type.
#[derive(Clone, Debug)]
pub(crate) enum Shape {
    Base {
        name: Arc<str>,
        size: u64,
        encoding: Encoding,
    },
    Struct {
        name: Arc<str>,
        size: u64,
        fields: Vec<Field>,
        variants: Option<Variants>,
    },
    Pointer {
        name: Arc<str>,
        size: u64,
        target: Option<TypeId>,
        /// A `Box` or a reference: it points to a live value while its owner is alive.
        /// Raw pointers are never followed.
        owning: bool,
    },
    /// An `async fn` or `async` block's state machine.
    Coroutine {
        machine: u32,
        name: Arc<str>,
        size: u64,
    },
    /// Anything else, known by name and size only.
    Opaque { name: Arc<str>, size: u64 },
}

impl Shape {
    pub fn name(&self) -> &str {
        match self {
            Shape::Base { name, .. }
            | Shape::Struct { name, .. }
            | Shape::Pointer { name, .. }
            | Shape::Coroutine { name, .. }
            | Shape::Opaque { name, .. } => name,
        }
    }

    pub fn size(&self) -> u64 {
        match self {
            Shape::Base { size, .. }
            | Shape::Struct { size, .. }
            | Shape::Pointer { size, .. }
            | Shape::Coroutine { size, .. }
            | Shape::Opaque { size, .. } => *size,
        }
    }
}

/// How to read one coroutine: where its discriminant is and what each state holds.
#[derive(Clone, Debug)]
pub(crate) struct Machine {
    /// Its [`Layout`](super::Layout) in the index.
    pub layout: u32,
    pub discr: (u64, u64),
    pub states: Vec<MachineState>,
}

/// One state of a [`Machine`].
#[derive(Clone, Debug)]
pub(crate) struct MachineState {
    /// The discriminant value selecting it.
    pub value: Option<u64>,
    /// `Unresumed` or `SuspendN`: its fields are live. (`Returned` and `Panicked` keep the
    /// fields' places, not their values.)
    pub live: bool,
    pub locals: Vec<Field>,
    /// The awaited future, if it is (or holds) a coroutine: the chain goes on through it.
    pub awaitee: Option<Field>,
}

impl Machine {
    /// The state for a discriminant value, by its index.
    #[inline]
    pub fn state_for(&self, value: u64) -> Option<usize> {
        // rustc lists a coroutine's variants in discriminant order: the value is the index.
        if let Some(state) = self.states.get(value as usize)
            && state.value == Some(value)
        {
            return Some(value as usize);
        }
        self.states
            .iter()
            .position(|s| s.value == Some(value))
            .or_else(|| self.states.iter().position(|s| s.value.is_none()))
    }
}
