//! uniffi support (feature `uniffi`): the core's own models, enums, parameters and policy types
//! derive `uniffi::Record` / `uniffi::Enum` where they are declared (`model!`, `string_enum!`,
//! `operation!` and the generator stamp the attributes), so the Swift and Kotlin bindings
//! (`tailnet-uniffi`) pass them across the FFI as they are. This module gives uniffi the types it
//! has no type of its own for:
//!
//! - [`Secret`] and [`Timestamp`]: a `String` on the foreign side (a secret is the caller's own, or
//!   one the API returned for the caller; in Rust it stays unprintable).
//! - `serde_json::Value` (`JsonValue`): JSON text; [`Extra`] (unknown fields): name → JSON text.
//! - `BTreeMap<String, V>`: a foreign map (`Map<String, V>` / `[String: V]`).
//! - [`DeviceFilters`]: field name → values (one value is a list of one).
//!
//! The namespace is `tailnet_core` (the binding's is `tailnet`); see `core/uniffi.toml`.

use std::collections::HashMap;

use crate::model::Extra;
use crate::request::{DeviceFilters, FilterValues};
use crate::{Secret, Timestamp};

uniffi::custom_type!(Secret, String, {
    lower: |secret| secret.expose().to_owned(),
    try_lift: |text| Ok(Secret::new(text)),
});

uniffi::custom_type!(Timestamp, String, {
    lower: |timestamp| timestamp.as_str().to_owned(),
    try_lift: |text| Ok(Timestamp::new(text)),
});

/// Any JSON value; crosses the FFI as its JSON text.
pub type JsonValue = serde_json::Value;

uniffi::custom_type!(JsonValue, String, {
    remote,
    lower: |value| value.to_string(),
    try_lift: |text| Ok(serde_json::from_str(&text)?),
});

uniffi::custom_type!(Extra, HashMap<String, JsonValue>, {
    remote,
    lower: |extra| extra.into_iter().collect(),
    try_lift: |map| Ok(map.into_iter().collect()),
});

uniffi::custom_type!(DeviceFilters, HashMap<String, Vec<String>>, {
    lower: |filters| filters
        .0
        .into_iter()
        .map(|(key, values)| match values {
            FilterValues::One(one) => (key, vec![one]),
            FilterValues::Many(many) => (key, many),
        })
        .collect(),
    try_lift: |map| Ok(DeviceFilters(
        map.into_iter()
            .map(|(key, mut values)| if values.len() == 1 { (key, FilterValues::One(values.remove(0))) } else { (key, FilterValues::Many(values)) })
            .collect(),
    )),
});

/// Implements uniffi's FFI traits for `BTreeMap<String, V>` under the calling crate's
/// `UniFfiTag`: it crosses as uniffi's map (an `i32` count, then each key and value), which Kotlin
/// and Swift read as their map type. A crate that passes such a map in its own signatures (the
/// binding's methods returning a map-typed result) invokes it too; the orphan rules allow the
/// impls only per tag (hence `crate::UniFfiTag`: the calling crate's, on purpose).
#[macro_export]
#[allow(clippy::crate_in_macro_def)]
macro_rules! uniffi_string_maps {
    () => {
        unsafe impl<V: ::uniffi::Lower<crate::UniFfiTag>> ::uniffi::Lower<crate::UniFfiTag> for ::std::collections::BTreeMap<String, V> {
            type FfiType = ::uniffi::RustBuffer;

            fn write(obj: Self, buf: &mut Vec<u8>) {
                let len = i32::try_from(obj.len()).unwrap_or(i32::MAX);
                buf.extend_from_slice(&len.to_be_bytes());
                for (key, value) in obj.into_iter().take(len as usize) {
                    <String as ::uniffi::Lower<crate::UniFfiTag>>::write(key, buf);
                    <V as ::uniffi::Lower<crate::UniFfiTag>>::write(value, buf);
                }
            }

            fn lower(obj: Self) -> ::uniffi::RustBuffer {
                Self::lower_into_rust_buffer(obj)
            }
        }

        unsafe impl<V: ::uniffi::Lift<crate::UniFfiTag>> ::uniffi::Lift<crate::UniFfiTag> for ::std::collections::BTreeMap<String, V> {
            type FfiType = ::uniffi::RustBuffer;

            fn try_read(buf: &mut &[u8]) -> ::uniffi::Result<Self> {
                let map = <::std::collections::HashMap<String, V> as ::uniffi::Lift<crate::UniFfiTag>>::try_read(buf)?;
                Ok(map.into_iter().collect())
            }

            fn try_lift(buf: ::uniffi::RustBuffer) -> ::uniffi::Result<Self> {
                Self::try_lift_from_rust_buffer(buf)
            }
        }

        unsafe impl<V: ::uniffi::Lower<crate::UniFfiTag>> ::uniffi::LowerReturn<crate::UniFfiTag> for ::std::collections::BTreeMap<String, V> {
            type ReturnType = ::uniffi::RustBuffer;

            fn lower_return(obj: Self) -> Result<Self::ReturnType, ::uniffi::RustCallError> {
                Ok(<Self as ::uniffi::Lower<crate::UniFfiTag>>::lower(obj))
            }
        }

        unsafe impl<V: ::uniffi::Lift<crate::UniFfiTag>> ::uniffi::LiftReturn<crate::UniFfiTag> for ::std::collections::BTreeMap<String, V> {
            type ReturnType = ::uniffi::RustBuffer;

            fn try_lift_successful_return(v: Self::ReturnType) -> ::uniffi::Result<Self> {
                <Self as ::uniffi::Lift<crate::UniFfiTag>>::try_lift(v)
            }
        }

        unsafe impl<V: ::uniffi::Lift<crate::UniFfiTag>> ::uniffi::LiftRef<crate::UniFfiTag> for ::std::collections::BTreeMap<String, V> {
            type LiftType = Self;
        }

        impl<V: ::uniffi::TypeId<crate::UniFfiTag>> ::uniffi::TypeId<crate::UniFfiTag> for ::std::collections::BTreeMap<String, V> {
            const TYPE_ID_META: ::uniffi::MetadataBuffer =
                <::std::collections::HashMap<String, V> as ::uniffi::TypeId<crate::UniFfiTag>>::TYPE_ID_META;
        }
    };
}

uniffi_string_maps!();
