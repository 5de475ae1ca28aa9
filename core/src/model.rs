//! The building blocks of every API model: drift-tolerant fields, structs that keep unknown
//! fields, and string enums that keep unknown values.
//!
//! `model!` and `string_enum!` write the serde impls by hand instead of using derive + flatten:
//! `#[serde(flatten)]` buffers every object into an intermediate tree, which would make typed
//! parsing slower than parsing into `serde_json::Value`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Serialize;

/// Fields the library does not know yet, kept in arrival order by name and written back unchanged.
pub type Extra = serde_json::Map<String, serde_json::Value>;

/// A value that may appear as a model field on the wire.
///
/// Beyond `Deserialize`, a field type decides what "absent" means for it (`from_wire_optional`):
/// timestamps treat `""` and Go's zero time as absent, everything treats `null` as absent.
pub trait WireField: Sized + Serialize + crate::view::JsonView {
    /// Deserializes a present value of the field.
    fn from_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;

    /// Called for a present, non-null value of an optional field.
    fn from_wire_optional<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Self>, D::Error> {
        Self::from_wire(deserializer).map(Some)
    }

    /// The known fields, for types that are JSON objects with fixed fields.
    const FIELDS: &'static [FieldInfo] = &[];

    /// True for JSON objects with free-form keys (maps), whose every key is data.
    const FREE_FORM_KEYS: bool = false;

    /// Whether the field is left out when the model is written (only `None` is).
    fn is_absent(&self) -> bool {
        false
    }
}

/// Static description of one model field, for bindings and generated stubs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FieldInfo {
    /// Name on the wire (camelCase, as the API spells it).
    pub wire: &'static str,
    /// Rust field name (snake_case).
    pub name: &'static str,
    /// The field's type.
    pub ty: &'static TypeRef,
}

/// The shape of a registry type ([`FieldInfo::ty`], `ParamInfo`, bodies and results), as the
/// binding generators read it. Each type declares its own ([`Declared`]), so no generator reads
/// Rust type strings; a [`TypeRef::Named`] is a model or enum they classify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TypeRef {
    /// A string.
    Str,
    /// An integer of any width.
    Int,
    /// A floating-point number.
    Float,
    /// A boolean.
    Bool,
    /// Free-form JSON (`serde_json::Value`).
    Any,
    /// A string that must not be printed ([`crate::Secret`]).
    Secret,
    /// RFC 3339 text.
    Timestamp,
    /// A model or string enum, by name (the policy bodies and results by the name they are
    /// declared under in the bindings: `PolicyFile`, `PolicyValidation`, `PolicySource`,
    /// `PolicyValidationInput`).
    Named(&'static str),
    /// A JSON array; the element type.
    List(&'static TypeRef),
    /// A JSON object with free-form string keys; the value type.
    Map(&'static TypeRef),
    /// A value that may be absent; the inner type.
    Optional(&'static TypeRef),
    /// No result (`Empty`).
    Nothing,
    /// Device-list filters (`DeviceFilters`).
    Filters,
}

impl TypeRef {
    /// The model or enum named at the bottom of lists, maps and options (`Option<Vec<Device>>`
    /// → `Device`), if any.
    pub fn innermost_name(&self) -> Option<&'static str> {
        match *self {
            TypeRef::Named(name) => Some(name),
            TypeRef::List(inner) | TypeRef::Map(inner) | TypeRef::Optional(inner) => inner.innermost_name(),
            _ => None,
        }
    }
}

/// A type of the registry that declares its [`TypeRef`]: field, parameter, body and result types.
pub trait Declared {
    /// This type's shape.
    const TYPE_REF: TypeRef;
}

macro_rules! declared {
    ($($ty:ty => $shape:expr),* $(,)?) => {$(
        impl Declared for $ty {
            const TYPE_REF: TypeRef = $shape;
        }
    )*};
}

declared! {
    String => TypeRef::Str,
    bool => TypeRef::Bool,
    i32 => TypeRef::Int,
    i64 => TypeRef::Int,
    u32 => TypeRef::Int,
    u64 => TypeRef::Int,
    f64 => TypeRef::Float,
    serde_json::Value => TypeRef::Any,
    crate::Secret => TypeRef::Secret,
    crate::Timestamp => TypeRef::Timestamp,
}

impl<T: Declared> Declared for Option<T> {
    const TYPE_REF: TypeRef = TypeRef::Optional(&T::TYPE_REF);
}

impl<T: Declared> Declared for Vec<T> {
    const TYPE_REF: TypeRef = TypeRef::List(&T::TYPE_REF);
}

impl<T: Declared> Declared for BTreeMap<String, T> {
    const TYPE_REF: TypeRef = TypeRef::Map(&T::TYPE_REF);
}

impl<T: Declared> Declared for Box<T> {
    const TYPE_REF: TypeRef = T::TYPE_REF;
}

/// Implemented by every struct declared with [`model!`](crate::model!); its fields are [`WireField::FIELDS`].
pub trait Model: WireField + Default + Clone + fmt::Debug {
    /// The struct's Rust name (`Device`), as declared.
    const NAME: &'static str;
}

/// A field's Rust name without the raw-identifier prefix (`r#type` → `type`).
pub const fn field_name(ident: &'static str) -> &'static str {
    match ident.as_bytes() {
        [b'r', b'#', rest @ ..] => match std::str::from_utf8(rest) {
            Ok(name) => name,
            Err(_) => ident,
        },
        _ => ident,
    }
}

/// Deserializes `T` through [`WireField::from_wire`].
pub struct Wire<T>(pub T);

impl<'de, T: WireField> de::Deserialize<'de> for Wire<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::from_wire(deserializer).map(Wire)
    }
}

/// Deserializes a field that is `null` or missing as `T::default()`.
pub struct WireOrDefault<T>(pub T);

impl<'de, T: WireField + Default> de::Deserialize<'de> for WireOrDefault<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<T>::from_wire(deserializer).map(|v| WireOrDefault(v.unwrap_or_default()))
    }
}

/// A map key borrowed from the input when possible (no allocation for unescaped keys).
pub struct Key<'de>(pub Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

macro_rules! wire_field_via_serde {
    ($($ty:ty),* $(,)?) => {$(
        impl WireField for $ty {
            fn from_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <$ty as de::Deserialize>::deserialize(deserializer)
            }
        }
    )*};
}

wire_field_via_serde!(String, bool, i32, i64, u32, u64, f64, serde_json::Value, crate::Secret);

impl<T: WireField> WireField for Option<T> {
    fn from_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OptionVisitor<T>(PhantomData<T>);
        impl<'de, T: WireField> Visitor<'de> for OptionVisitor<T> {
            type Value = Option<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an optional value")
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
                T::from_wire_optional(deserializer)
            }
        }
        deserializer.deserialize_option(OptionVisitor(PhantomData))
    }

    fn is_absent(&self) -> bool {
        self.is_none()
    }
}

impl<T: WireField> WireField for Vec<T> {
    fn from_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SeqVisitor<T>(PhantomData<T>);
        impl<'de, T: WireField> Visitor<'de> for SeqVisitor<T> {
            type Value = Vec<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(Wire(item)) = seq.next_element::<Wire<T>>()? {
                    out.push(item);
                }
                Ok(out)
            }
        }
        deserializer.deserialize_seq(SeqVisitor(PhantomData))
    }
}

impl<T: WireField> WireField for BTreeMap<String, T> {
    const FREE_FORM_KEYS: bool = true;

    fn from_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<T>(PhantomData<T>);
        impl<'de, T: WireField> Visitor<'de> for MapVisitor<T> {
            type Value = BTreeMap<String, T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(key) = map.next_key::<String>()? {
                    let Wire(value) = map.next_value::<Wire<T>>()?;
                    out.insert(key, value);
                }
                Ok(out)
            }
        }
        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

/// Seed that reads one field value through [`WireField`]; used by the generated visitors.
pub struct FieldSeed<T>(pub PhantomData<T>);

impl<'de, T: WireField + Default> DeserializeSeed<'de> for FieldSeed<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        Option::<T>::from_wire(deserializer).map(Option::unwrap_or_default)
    }
}

/// Declares an API model: a struct with one public field per known wire property plus `extra`
/// for the unknown ones, hand-written serde impls, and [`Model`] metadata.
///
/// ```ignore
/// model! {
///     /// A device in the tailnet.
///     pub struct Device {
///         "nodeId" => node_id: Option<String>,
///         "lastSeen" => last_seen: Option<Timestamp>,
///     }
/// }
/// ```
///
/// Missing fields and `null` take the field's default; unknown fields go to `extra` and are
/// written back after the known ones.
///
/// A declaration that starts with `#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]`
/// becomes a uniffi record with the `uniffi` feature (its `extra` defaults to an empty map in the
/// foreign constructors); the others (policy views, webhook events) stay Rust-only.
#[macro_export]
macro_rules! model {
    (
        #[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
        $($rest:tt)*
    ) => {
        $crate::model!(@declare
            [#[cfg_attr(feature = "uniffi", derive(::uniffi::Record))]]
            [#[cfg_attr(feature = "uniffi", uniffi(default))]]
            $($rest)*);
    };
    (
        @declare [$($derive:tt)*] [$($extra_attr:tt)*]
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$field_meta:meta])*
                $wire:literal => $field:ident : $ty:ty
            ),* $(,)?
        }
    ) => {
        $($derive)*
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct $name {
            $(
                $(#[$field_meta])*
                pub $field: $ty,
            )*
            /// Properties this version of the library does not know; written back unchanged.
            $($extra_attr)*
            pub extra: $crate::model::Extra,
        }

        impl $name {
            /// An empty value: every field at its default, no extra properties.
            pub fn new() -> Self {
                Self::default()
            }
        }

        impl $crate::model::Model for $name {
            const NAME: &'static str = stringify!($name);
        }

        impl $crate::model::Declared for $name {
            const TYPE_REF: $crate::model::TypeRef = $crate::model::TypeRef::Named(stringify!($name));
        }

        impl $crate::model::WireField for $name {
            const FIELDS: &'static [$crate::model::FieldInfo] = &[
                $($crate::model::FieldInfo { wire: $wire, name: $crate::model::field_name(stringify!($field)), ty: &<$ty as $crate::model::Declared>::TYPE_REF },)*
            ];
            fn from_wire<'de, D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <Self as ::serde::Deserialize>::deserialize(deserializer)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use ::serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(None)?;
                $(
                    if !$crate::model::WireField::is_absent(&self.$field) {
                        map.serialize_entry($wire, &self.$field)?;
                    }
                )*
                for (key, value) in &self.extra {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }

        impl $crate::view::JsonView for $name {
            fn view(&self) -> $crate::view::View<'_> {
                $crate::view::View::Object(self)
            }
        }

        // The same members, in the same order, as `Serialize` writes.
        impl $crate::view::ObjectView for $name {
            fn get(&self, key: &str) -> Option<&dyn $crate::view::JsonView> {
                match key {
                    $(
                        $wire if !$crate::model::WireField::is_absent(&self.$field) => {
                            Some(&self.$field as &dyn $crate::view::JsonView)
                        }
                    )*
                    _ => self.extra.get(key).map(|value| value as &dyn $crate::view::JsonView),
                }
            }

            fn entries(&self) -> Vec<(&str, &dyn $crate::view::JsonView)> {
                let mut entries: Vec<(&str, &dyn $crate::view::JsonView)> = Vec::with_capacity(<Self as $crate::model::WireField>::FIELDS.len() + self.extra.len());
                $(
                    if !$crate::model::WireField::is_absent(&self.$field) {
                        entries.push(($wire, &self.$field as &dyn $crate::view::JsonView));
                    }
                )*
                entries.extend(self.extra.iter().map(|(key, value)| (key.as_str(), value as &dyn $crate::view::JsonView)));
                entries
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct ModelVisitor;
                impl<'de> ::serde::de::Visitor<'de> for ModelVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " object"))
                    }
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                        let mut out = $name::default();
                        while let Some(key) = map.next_key::<$crate::model::Key<'de>>()? {
                            match &*key.0 {
                                $(
                                    $wire => {
                                        out.$field = map.next_value_seed(
                                            $crate::model::FieldSeed::<$ty>(::std::marker::PhantomData),
                                        )?;
                                    }
                                )*
                                _ => {
                                    let value: ::serde_json::Value = map.next_value()?;
                                    out.extra.insert(key.0.into_owned(), value);
                                }
                            }
                        }
                        Ok(out)
                    }
                }
                deserializer.deserialize_map(ModelVisitor)
            }
        }
    };
    ($($rest:tt)*) => {
        $crate::model!(@declare [] [] $($rest)*);
    };
}

/// Declares a string enum whose unknown values parse into `Unknown(String)` and are written back
/// unchanged, so a value Tailscale adds tomorrow does not break parsing today.
#[macro_export]
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $wire:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )*
            /// A value this version of the library does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// Every value the library knows, as spelled on the wire.
            pub const VALUES: &'static [&'static str] = &[$($wire),*];

            /// The value as spelled on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )*
                    $name::Unknown(other) => other,
                }
            }

            /// Parses a wire value; never fails (unknown values are kept).
            pub fn from_wire_str(value: &str) -> Self {
                match value {
                    $( $wire => $name::$variant, )*
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from_wire_str(value))
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::from_wire_str(value)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let key = <$crate::model::Key<'de> as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from_wire_str(&key.0))
            }
        }

        impl $crate::model::Declared for $name {
            const TYPE_REF: $crate::model::TypeRef = $crate::model::TypeRef::Named(stringify!($name));
        }

        impl $crate::model::WireField for $name {
            fn from_wire<'de, D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <Self as ::serde::Deserialize>::deserialize(deserializer)
            }
        }

        impl $crate::view::JsonView for $name {
            fn view(&self) -> $crate::view::View<'_> {
                $crate::view::View::Str(self.as_str())
            }
        }

        /// The empty `Unknown("")`: "not set" (a required path parameter left at default fails to build).
        impl Default for $name {
            fn default() -> Self {
                $name::Unknown(String::new())
            }
        }

        impl $crate::request::PathValue for $name {
            fn path_value<'a>(&'a self, _config: &'a $crate::Config) -> Option<&'a str> {
                Some(self.as_str())
            }
        }

        impl $crate::request::QueryValue for $name {
            fn append_to(&self, name: &'static str, query: &mut $crate::request::Query) -> Result<(), $crate::BuildError> {
                query.push(name, self.as_str());
                Ok(())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::{Declared, TypeRef};
    use std::collections::BTreeMap;

    #[test]
    fn types_declare_their_shape() {
        use crate::models::Device;
        assert_eq!(<Option<Vec<Device>>>::TYPE_REF, TypeRef::Optional(&TypeRef::List(&TypeRef::Named("Device"))));
        assert_eq!(<Option<BTreeMap<String, Vec<String>>>>::TYPE_REF, TypeRef::Optional(&TypeRef::Map(&TypeRef::List(&TypeRef::Str))));
        assert_eq!(<Option<serde_json::Value>>::TYPE_REF, TypeRef::Optional(&TypeRef::Any));
        assert_eq!(<u32>::TYPE_REF, TypeRef::Int);
        assert_eq!(<f64>::TYPE_REF, TypeRef::Float);
        assert_eq!(<Option<crate::Secret>>::TYPE_REF, TypeRef::Optional(&TypeRef::Secret));
        assert_eq!(<crate::response::PolicyResponse>::TYPE_REF, TypeRef::Named("PolicyFile"));
        assert_eq!(<crate::response::Empty>::TYPE_REF, TypeRef::Nothing);
        assert_eq!(<crate::request::Json<crate::models::Key>>::TYPE_REF, TypeRef::Named("Key"));
        assert_eq!(TypeRef::Optional(&TypeRef::List(&TypeRef::Named("Route"))).innermost_name(), Some("Route"));
    }
}
