//! Is the response body, read by JavaScript's `JSON.parse`, already the typed result?
//!
//! The typed parse validates a response (and normalises: absent optionals and `null`s dropped,
//! defaults filled in, Go's zero time removed). For most responses it changes nothing, and then
//! handing JavaScript the original body for one native `JSON.parse` gives the same value as
//! writing the typed result back to JSON text and parsing that — without the second copy.
//!
//! [`body_is_result`] decides that: it reads the body once more with `serde_json` alongside the
//! typed result's [`JsonView`] (no allocation per value) and answers `true` only when every
//! value, array length and object member set agrees as JavaScript would see it (numbers compared
//! as the doubles `JSON.parse` makes of them; member order is not compared: a JavaScript object's
//! members then come in wire order). Anything else (a dropped `null`, a filled-in default, a
//! duplicate key, a body that is not JSON) answers `false` and the caller writes the typed
//! result instead, so the answer can only cost speed, never change a value.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use tailnet::view::{JsonView, View};

/// True when `JSON.parse` of `body` gives exactly the JSON that `result` serializes to.
pub fn body_is_result(body: &[u8], result: &dyn JsonView) -> bool {
    let mut de = serde_json::Deserializer::from_slice(body);
    match Same(result).deserialize(&mut de) {
        Ok(()) => de.end().is_ok(),
        Err(_) => false,
    }
}

struct Same<'v>(&'v dyn JsonView);

fn differ<E: de::Error>() -> E {
    E::custom("differs")
}

/// The double `JSON.parse` makes of a number of the view (`None`: not a number).
fn number(view: View<'_>) -> Option<f64> {
    match view {
        View::Int(i) => Some(i as f64),
        View::UInt(u) => Some(u as f64),
        View::Float(f) => Some(f),
        _ => None,
    }
}

/// A member's identity, mixed so that a sum over a set of members identifies the set.
fn mix(member: &dyn JsonView) -> u64 {
    let mut x = (member as *const dyn JsonView as *const () as usize as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

impl<'de> DeserializeSeed<'de> for Same<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Same<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the typed result")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        match self.0.view() {
            View::Bool(b) if b == v => Ok(()),
            _ => Err(differ()),
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.visit_f64(v as f64)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.visit_f64(v as f64)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        match number(self.0.view()) {
            Some(n) if n == v => Ok(()),
            _ => Err(differ()),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        match self.0.view() {
            View::Str(s) if s == v => Ok(()),
            _ => Err(differ()),
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        match self.0.view() {
            View::Null => Ok(()),
            _ => Err(differ()),
        }
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let View::Array(items) = self.0.view() else { return Err(differ()) };
        let mut index = 0;
        loop {
            match items.get(index) {
                Some(item) => {
                    if seq.next_element_seed(Same(item))?.is_none() {
                        return Err(differ()); // the body has fewer elements
                    }
                }
                None => {
                    return match seq.next_element::<de::IgnoredAny>()? {
                        None => Ok(()),
                        Some(_) => Err(differ()), // the body has more elements
                    };
                }
            }
            index += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let View::Object(object) = self.0.view() else { return Err(differ()) };
        // The members in serialization order: a body in that order (the usual case: the API's
        // order is the spec's, which the models follow) finds each member without a search.
        let entries = object.entries();
        let mut count = 0usize;
        let mut sum = 0u64;
        while let Some(key) = map.next_key::<tailnet::model::Key<'de>>()? {
            let member = match entries.get(count) {
                Some((name, member)) if *name == &*key.0 => *member,
                _ => match object.get(&key.0) {
                    Some(member) => member,
                    None => return Err(differ()),
                },
            };
            map.next_value_seed(Same(member))?;
            count += 1;
            sum = sum.wrapping_add(mix(member));
        }
        // Every body member is a member of the result; the same set (a duplicate key in the body
        // would leave one result member unmatched): same count and the same mixed identities.
        if entries.len() != count {
            return Err(differ());
        }
        let expected = entries.iter().fold(0u64, |acc, (_, member)| acc.wrapping_add(mix(*member)));
        if expected == sum {
            Ok(())
        } else {
            Err(differ())
        }
    }
}
