//! A read-only, JSON-shaped view of a typed result, without building a `serde_json::Value`.
//!
//! Bindings that expose results lazily (Python's `JsonNode`) walk the typed model through
//! [`JsonView`] and convert only what the caller touches. Building a `Value` tree from a parsed
//! 10,000-device list costs several times the typed parse itself (one allocation per key and
//! value), so this view is what lets a binding hand back a result faster than its own JSON parser.
//!
//! The view is exactly the JSON the type serializes to: the same members (absent optionals left
//! out, unknown `extra` members after the known ones), the same strings and numbers.
//! [`Serialized`] writes a view back through serde, and the tests hold every fixture's view equal
//! to `serde_json::to_value` of the same result.

use std::collections::BTreeMap;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

/// One node of a JSON document.
#[derive(Clone, Copy)]
pub enum View<'a> {
    /// `null`; also how `None` is seen.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer from a signed type, or one that fits `i64`.
    Int(i64),
    /// An integer from an unsigned type, or one above `i64::MAX`.
    UInt(u64),
    /// Always finite (non-finite numbers are `Null`, as `serde_json` writes them).
    Float(f64),
    /// A string.
    Str(&'a str),
    /// An array, read through [`ArrayView`].
    Array(&'a dyn ArrayView),
    /// An object, read through [`ObjectView`].
    Object(&'a dyn ObjectView),
}

/// A value that can be seen as JSON.
pub trait JsonView {
    /// This value as a JSON node.
    fn view(&self) -> View<'_>;
}

/// A JSON array.
pub trait ArrayView {
    /// Number of elements.
    fn len(&self) -> usize;
    /// The element at `index`, or `None` past the end.
    fn get(&self, index: usize) -> Option<&dyn JsonView>;
    /// Whether there are no elements.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A JSON object. `entries` lists the members in the order they are serialized.
pub trait ObjectView {
    /// The member named `key` as serialized, or `None` when there is none.
    fn get(&self, key: &str) -> Option<&dyn JsonView>;
    /// Every member as (name, value), in serialization order.
    fn entries(&self) -> Vec<(&str, &dyn JsonView)>;
    /// Number of members.
    fn len(&self) -> usize {
        self.entries().len()
    }
    /// Whether there are no members.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl JsonView for () {
    fn view(&self) -> View<'_> {
        View::Null
    }
}

impl JsonView for bool {
    fn view(&self) -> View<'_> {
        View::Bool(*self)
    }
}

impl JsonView for String {
    fn view(&self) -> View<'_> {
        View::Str(self)
    }
}

impl JsonView for f64 {
    fn view(&self) -> View<'_> {
        if self.is_finite() {
            View::Float(*self)
        } else {
            View::Null
        }
    }
}

macro_rules! signed_view {
    ($($ty:ty),*) => {$(
        impl JsonView for $ty {
            fn view(&self) -> View<'_> {
                View::Int(i64::from(*self))
            }
        }
    )*};
}
signed_view!(i32, i64);

macro_rules! unsigned_view {
    ($($ty:ty),*) => {$(
        impl JsonView for $ty {
            fn view(&self) -> View<'_> {
                View::UInt(u64::from(*self))
            }
        }
    )*};
}
unsigned_view!(u32, u64);

impl<T: JsonView> JsonView for Option<T> {
    fn view(&self) -> View<'_> {
        match self {
            Some(value) => value.view(),
            None => View::Null,
        }
    }
}

impl<T: JsonView> JsonView for Vec<T> {
    fn view(&self) -> View<'_> {
        View::Array(self)
    }
}

impl<T: JsonView> ArrayView for Vec<T> {
    fn len(&self) -> usize {
        <[T]>::len(self)
    }
    fn get(&self, index: usize) -> Option<&dyn JsonView> {
        <[T]>::get(self, index).map(|item| item as &dyn JsonView)
    }
}

impl<T: JsonView> JsonView for BTreeMap<String, T> {
    fn view(&self) -> View<'_> {
        View::Object(self)
    }
}

impl<T: JsonView> ObjectView for BTreeMap<String, T> {
    fn get(&self, key: &str) -> Option<&dyn JsonView> {
        BTreeMap::get(self, key).map(|value| value as &dyn JsonView)
    }
    fn entries(&self) -> Vec<(&str, &dyn JsonView)> {
        self.iter().map(|(key, value)| (key.as_str(), value as &dyn JsonView)).collect()
    }
    fn len(&self) -> usize {
        BTreeMap::len(self)
    }
}

impl JsonView for Value {
    fn view(&self) -> View<'_> {
        match self {
            Value::Null => View::Null,
            Value::Bool(b) => View::Bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => View::Int(i),
                (None, Some(u), _) => View::UInt(u),
                (None, None, Some(f)) if f.is_finite() => View::Float(f),
                _ => View::Null,
            },
            Value::String(s) => View::Str(s),
            Value::Array(items) => View::Array(items),
            Value::Object(members) => View::Object(members),
        }
    }
}

impl JsonView for Map<String, Value> {
    fn view(&self) -> View<'_> {
        View::Object(self)
    }
}

impl ObjectView for Map<String, Value> {
    fn get(&self, key: &str) -> Option<&dyn JsonView> {
        Map::get(self, key).map(|value| value as &dyn JsonView)
    }
    fn entries(&self) -> Vec<(&str, &dyn JsonView)> {
        self.iter().map(|(key, value)| (key.as_str(), value as &dyn JsonView)).collect()
    }
    fn len(&self) -> usize {
        Map::len(self)
    }
}

impl<T: JsonView + ?Sized> JsonView for Box<T> {
    fn view(&self) -> View<'_> {
        (**self).view()
    }
}

/// Writes a view through serde (JSON text, or a `Value` for comparison).
pub struct Serialized<'a>(pub &'a dyn JsonView);

impl Serialize for Serialized<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.view() {
            View::Null => serializer.serialize_unit(),
            View::Bool(b) => serializer.serialize_bool(b),
            View::Int(i) => serializer.serialize_i64(i),
            View::UInt(u) => serializer.serialize_u64(u),
            View::Float(f) => serializer.serialize_f64(f),
            View::Str(s) => serializer.serialize_str(s),
            View::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for index in 0..items.len() {
                    match items.get(index) {
                        Some(item) => seq.serialize_element(&Serialized(item))?,
                        None => seq.serialize_element(&())?,
                    }
                }
                seq.end()
            }
            View::Object(members) => {
                let entries = members.entries();
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key, &Serialized(value))?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn non_finite_floats_read_as_null_like_serde_json_writes_them() {
        assert!(matches!(f64::NAN.view(), View::Null));
        assert!(matches!(f64::INFINITY.view(), View::Null));
        assert!(matches!(1.5f64.view(), View::Float(f) if f == 1.5));
    }

    #[test]
    fn value_numbers_keep_their_kind() {
        assert!(matches!(json!(-3).view(), View::Int(-3)));
        assert!(matches!(json!(u64::MAX).view(), View::UInt(u64::MAX)));
        assert!(matches!(json!(0.25).view(), View::Float(f) if f == 0.25));
    }

    #[test]
    fn serialized_view_is_the_value() {
        let value = json!({"b": [1, "x", null, {"c": true}], "a": {}});
        assert_eq!(serde_json::to_value(Serialized(&value)).ok(), Some(value));
    }

    #[test]
    fn absent_optional_model_fields_are_not_members() {
        let mut key = crate::models::Key { id: Some("k1".to_owned()), ..Default::default() };
        key.extra.insert("future".to_owned(), json!(1));
        let View::Object(members) = key.view() else { panic!("a model is an object") };
        let names: Vec<&str> = members.entries().into_iter().map(|(name, _)| name).collect();
        assert_eq!(names, ["id", "future"]);
        assert!(members.get("description").is_none());
        assert!(matches!(members.get("id").map(JsonView::view), Some(View::Str("k1"))));
        assert!(matches!(members.get("future").map(JsonView::view), Some(View::UInt(1) | View::Int(1))));
    }
}
