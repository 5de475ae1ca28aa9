//! Is a success body already its typed result? Decided from the declared shape alone, in one
//! pass over the text that builds nothing.
//!
//! A binding whose language parses JSON natively (JavaScript's `JSON.parse`) can then hand the
//! body over as it came instead of decoding it into typed values and writing them back. The check
//! answers `true` only when the typed decode would succeed and write back the same JSON as the
//! language reads it (member order aside). Anything the decode changes or refuses answers `false`,
//! and the caller decodes as usual, so a `false` costs speed, never a value:
//!
//! - `null` anywhere but inside free-form JSON (the decode drops it or fills in a default);
//! - a model field that is not optional and is missing (its default would be written);
//! - an optional timestamp that means "none" (`""`, Go's zero time), which the decode drops;
//! - a value of the wrong kind, an integer outside `i64`, a fraction where an integer belongs,
//!   text that is not JSON, or a type this check does not know (the policy results).

use std::fmt;
use std::sync::OnceLock;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::model::{FieldInfo, Key, TypeRef};

/// True when decoding `body` as `ty` succeeds and the result, written back to JSON, equals the
/// body as a JSON parser reads it (numbers as doubles, member order aside).
pub fn body_is_result(ty: &'static TypeRef, body: &[u8]) -> bool {
    // UTF-8 checked once for the whole body, not string by string (the typed parse refuses
    // invalid UTF-8 in any string, and outside strings it is not JSON either way).
    let Ok(text) = std::str::from_utf8(body) else { return false };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    Check { ty, optional: false }.deserialize(&mut deserializer).is_ok() && deserializer.end().is_ok()
}

/// What a declared name is: a model (its fields) or a string enum (any string).
#[derive(Clone, Copy)]
enum Declaration {
    Model(&'static [FieldInfo]),
    Enum,
}

/// Every model and enum of [`crate::models`] in an open-addressing table by name: a body names
/// the same few types thousands of times, so a lookup is one hash and one comparison.
fn declarations() -> &'static [Option<(&'static str, Declaration)>] {
    static TABLE: OnceLock<Vec<Option<(&'static str, Declaration)>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let models = crate::models::MODELS.iter().map(|(name, fields)| (*name, Declaration::Model(fields)));
        let enums = crate::models::ENUMS.iter().map(|(name, _)| (*name, Declaration::Enum));
        let all: Vec<_> = models.chain(enums).collect();
        let mut table = vec![None; (all.len() * 4).next_power_of_two()];
        let mask = table.len() - 1;
        for (name, declaration) in all {
            let mut slot = hash(name) & mask;
            while table[slot].is_some() {
                slot = (slot + 1) & mask;
            }
            table[slot] = Some((name, declaration));
        }
        table
    })
}

/// FNV-1a.
fn hash(name: &str) -> usize {
    name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)) as usize
}

fn declaration(name: &str) -> Option<Declaration> {
    let table = declarations();
    let mask = table.len().checked_sub(1)?;
    let mut slot = hash(name) & mask;
    while let Some((candidate, declaration)) = table[slot] {
        if candidate == name {
            return Some(declaration);
        }
        slot = (slot + 1) & mask;
    }
    None
}

fn changed<E: de::Error>() -> E {
    E::custom("the typed result differs")
}

/// Checks one value against `ty`. `optional`: the value is the content of an `Option` (where an
/// empty timestamp decodes as none).
#[derive(Clone, Copy)]
struct Check {
    ty: &'static TypeRef,
    optional: bool,
}

impl<'de> DeserializeSeed<'de> for Check {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        match self.ty {
            TypeRef::Optional(inner) => Check { ty: inner, optional: true }.deserialize(deserializer),
            _ => deserializer.deserialize_any(self),
        }
    }
}

impl<'de> Visitor<'de> for Check {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value of the declared type")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        match self.ty {
            TypeRef::Bool | TypeRef::Any => Ok(()),
            _ => Err(changed()),
        }
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        match self.ty {
            TypeRef::Int | TypeRef::Float | TypeRef::Any => Ok(()),
            _ => Err(changed()),
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        match self.ty {
            // Every integer field of the models is an `i64`.
            TypeRef::Int if i64::try_from(v).is_ok() => Ok(()),
            TypeRef::Float | TypeRef::Any => Ok(()),
            _ => Err(changed()),
        }
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        match self.ty {
            TypeRef::Float | TypeRef::Any => Ok(()),
            _ => Err(changed()),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        match self.ty {
            TypeRef::Str | TypeRef::Secret | TypeRef::Any => Ok(()),
            TypeRef::Timestamp if !(self.optional && crate::timestamp::means_absent(v)) => Ok(()),
            TypeRef::Named(name) if matches!(declaration(name), Some(Declaration::Enum)) => Ok(()),
            _ => Err(changed()),
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        match self.ty {
            // Free-form JSON keeps its nulls, except an optional field's own `null` (none).
            TypeRef::Any if !self.optional => Ok(()),
            _ => Err(changed()),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let element = match self.ty {
            TypeRef::List(element) => Check { ty: element, optional: false },
            TypeRef::Any => ANY,
            _ => return Err(changed()),
        };
        while seq.next_element_seed(element)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let value = match self.ty {
            TypeRef::Map(value) => Check { ty: value, optional: false },
            TypeRef::Any => ANY,
            TypeRef::Named(name) => match declaration(name) {
                Some(Declaration::Model(fields)) => return check_model(fields, map),
                _ => return Err(changed()),
            },
            _ => return Err(changed()),
        };
        while map.next_key::<Key<'de>>()?.is_some() {
            map.next_value_seed(value)?;
        }
        Ok(())
    }
}

const ANY: Check = Check { ty: &TypeRef::Any, optional: false };

/// A model's members: known fields by their types, the others as free-form JSON (kept in
/// `extra`); every field that is not optional must be present.
fn check_model<'de, A: MapAccess<'de>>(fields: &'static [FieldInfo], mut map: A) -> Result<(), A::Error> {
    if fields.len() > 64 {
        return Err(changed());
    }
    let mut seen = 0u64;
    // Bodies list members in a stable order: look from just past the last match first.
    let mut next = 0;
    while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
        let found = (next..fields.len()).chain(0..next).find(|&i| fields[i].wire == key);
        match found {
            Some(i) => {
                seen |= 1 << i;
                next = i + 1;
                map.next_value_seed(Check { ty: fields[i].ty, optional: false })?;
            }
            None => map.next_value_seed(ANY)?,
        }
    }
    let all_required_present = fields.iter().enumerate().all(|(i, f)| matches!(f.ty, TypeRef::Optional(_)) || seen & (1 << i) != 0);
    if all_required_present {
        Ok(())
    } else {
        Err(changed())
    }
}
