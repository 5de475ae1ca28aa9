//! RFC 3339 timestamps as the API sends them, kept verbatim so they are written back unchanged.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::WireField;

/// A timestamp from the wire (RFC 3339). The text is kept exactly as received. An optional
/// timestamp that is `null`, `""` or Go's zero time `0001-01-01T00:00:00Z` (how Go servers say
/// "never") is absent: `None`, so every language sees "no value" rather than the year 1.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Timestamp(String);

impl Timestamp {
    /// Wraps `text` as is; it is not validated (see [`Timestamp::unix_seconds`]).
    pub fn new(text: impl Into<String>) -> Self {
        Timestamp(text.into())
    }

    /// The text exactly as received.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Seconds since the Unix epoch, or `None` when the text is not RFC 3339.
    pub fn unix_seconds(&self) -> Option<i64> {
        parse_rfc3339(&self.0).map(|(secs, _)| secs)
    }

    /// Seconds and nanoseconds since the Unix epoch, or `None` when the text is not RFC 3339.
    pub fn unix_nanos(&self) -> Option<i128> {
        parse_rfc3339(&self.0).map(|(secs, nanos)| i128::from(secs) * 1_000_000_000 + i128::from(nanos))
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Timestamp {
    fn from(value: &str) -> Self {
        Timestamp(value.to_owned())
    }
}

impl From<String> for Timestamp {
    fn from(value: String) -> Self {
        Timestamp(value)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl crate::view::JsonView for Timestamp {
    fn view(&self) -> crate::view::View<'_> {
        crate::view::View::Str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Timestamp)
    }
}

impl WireField for Timestamp {
    fn from_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::deserialize(deserializer)
    }

    fn from_wire_optional<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Self>, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(if means_absent(&text) { None } else { Some(Timestamp(text)) })
    }
}

/// RFC 3339 → (unix seconds, nanoseconds), validated by the `time` crate (calendar included:
/// February 31 is refused).
fn parse_rfc3339(text: &str) -> Option<(i64, u32)> {
    let at = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    Some((at.unix_timestamp(), at.nanosecond()))
}

/// Go's zero `time.Time`, which Go servers send for "never" (`expires`, `lastSeen`).
const GO_ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// Whether an optional timestamp on the wire means "absent": `""` (seen in the wild) and Go's
/// zero time. `null` is absent before this is asked.
pub(crate) fn means_absent(text: &str) -> bool {
    text.is_empty() || text == GO_ZERO_TIME
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339_variants() {
        assert_eq!(Timestamp::from("1970-01-01T00:00:00Z").unix_seconds(), Some(0));
        assert_eq!(Timestamp::from("2022-12-01T05:23:30Z").unix_seconds(), Some(1_669_872_210));
        assert_eq!(Timestamp::from("2023-12-19T16:39:57-08:00").unix_seconds(), Some(1_703_032_797));
        assert_eq!(Timestamp::from("2024-02-29T00:00:00.5+00:00").unix_nanos(), Some(1_709_164_800_500_000_000));
        assert_eq!(Timestamp::from("not a time").unix_seconds(), None);
        assert_eq!(Timestamp::from("2024-13-01T00:00:00Z").unix_seconds(), None);
        assert_eq!(Timestamp::from("2023-02-31T00:00:00Z").unix_seconds(), None, "February 31 does not exist");
        assert_eq!(Timestamp::from("2023-02-29T00:00:00Z").unix_seconds(), None, "2023 is not a leap year");
        assert_eq!(Timestamp::from("2023-04-31T12:00:00Z").unix_seconds(), None);
        assert_eq!(Timestamp::from("2024-01-01T24:00:00Z").unix_seconds(), None);
    }

    #[test]
    fn go_zero_time_and_empty_text_are_absent() {
        let absent = |json: &str| -> Option<Timestamp> {
            let mut de = serde_json::Deserializer::from_str(json);
            <Timestamp as WireField>::from_wire_optional(&mut de).ok().flatten()
        };
        assert_eq!(absent(r#""0001-01-01T00:00:00Z""#), None);
        assert_eq!(absent(r#""""#), None);
        assert_eq!(absent(r#""2024-02-29T00:00:00Z""#), Some(Timestamp::from("2024-02-29T00:00:00Z")));
    }
}
