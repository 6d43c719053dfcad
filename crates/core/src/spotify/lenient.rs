//! Field readers for the tolerant models: each turns whatever JSON value a server sent into a
//! value of a sane range, or `None`, and never fails the enclosing object. One mistyped field
//! (a string where a number belongs, a negative count, a malformed date) loses that field, not
//! the track, the page or the run.
//!
//! The meaning given to odd values, field by field:
//! - strings ([`string`]): anything but a JSON string is absent ([`filled`]: a blank one too);
//! - ids ([`id`]): Spotify ids are base62; an id that is not 1..=[`MAX_ID_LEN`] ASCII letters
//!   and digits is absent (it is put in request paths and used as a key, so it must not carry
//!   `/`, `?`, `,` or control characters);
//! - counts ([`count`]): a whole number in `0..=MAX` (a float with no fraction counts); negative,
//!   fractional, larger or non-numeric values are absent;
//! - paging numbers ([`paging`]): counts up to [`MAX_PAGING`]: a `total` beyond it is unknown,
//!   which makes the engine rely on `next` instead of offsets it cannot reach;
//! - timestamps ([`timestamp`]): RFC 3339 only; an offset other than `Z` is rewritten in UTC so
//!   that stored timestamps compare as text; anything else is absent;
//! - booleans ([`boolean`]), lists ([`list`], [`strings`]) and nested objects ([`object`]):
//!   the wrong JSON type is absent; inside a list, an unreadable element becomes its type's
//!   default (positions are kept).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// The longest id accepted (Spotify's are 22 characters).
pub const MAX_ID_LEN: usize = 64;
/// The largest `total`, `offset` or `limit` believed (no Spotify listing comes near).
pub const MAX_PAGING: u64 = 1_000_000_000;
/// The longest `duration_ms` believed: 30 days (the longest podcast episodes last hours).
pub const MAX_DURATION_MS: i64 = 30 * 86_400 * 1000;
/// The largest small count (track and disc numbers, image sizes, `total_tracks`).
pub const MAX_SMALL: i64 = 1_000_000;
/// The largest follower count believed.
pub const MAX_FOLLOWERS: i64 = 1_000_000_000_000;
/// Popularity is 0..=100.
pub const MAX_POPULARITY: i64 = 100;

/// Any JSON value (a missing field never reaches these readers: the models default it).
fn value<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    Value::deserialize(d)
}

/// A JSON string, else `None`.
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match value(d)? {
        Value::String(s) => Some(s),
        _ => None,
    })
}

/// A JSON string with something in it, else `None` (an empty or blank string says nothing:
/// `added_by.id: ""` is an unknown user, not a user named "").
pub fn filled<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(string(d)?.filter(|s| !s.trim().is_empty()))
}

/// A JSON string in lower case, else `None`: for Spotify's enumerations (`album_type`), which
/// older answers spelled in upper case (`ALBUM`, `SINGLE`).
pub fn lowercase<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(string(d)?.map(|s| s.to_lowercase()))
}

/// Whether `s` looks like a Spotify id (see the module docs).
pub fn is_id(s: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A Spotify id, else `None`.
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(string(d)?.filter(|s| is_id(s)))
}

/// A JSON boolean, else `None`.
pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(value(d)?.as_bool())
}

/// A whole number in `0..=max`, from a JSON integer or an integral float.
pub fn whole(v: &Value, max: i64) -> Option<i64> {
    let n = if let Some(n) = v.as_i64() {
        n
    } else if let Some(f) = v.as_f64() {
        if !(f.is_finite() && f.fract() == 0.0 && f >= 0.0 && f <= max as f64) {
            return None;
        }
        f as i64
    } else {
        return None;
    };
    (0..=max).contains(&n).then_some(n)
}

/// A count in `0..=MAX`, else `None`.
pub fn count<'de, D: Deserializer<'de>, const MAX: i64>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(whole(&value(d)?, MAX))
}

/// A paging number in `0..=MAX_PAGING`, else `None`.
pub fn paging<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(whole(&value(d)?, MAX_PAGING as i64).map(|n| n as u64))
}

/// An RFC 3339 timestamp as text: kept as sent when it is in UTC (`Z`), rewritten in UTC
/// otherwise; `None` when it does not parse.
pub fn normalize_timestamp(s: &str) -> Option<String> {
    let t = chrono::DateTime::parse_from_rfc3339(s.trim()).ok()?;
    if s.ends_with('Z') && s.trim() == s {
        return Some(s.to_string());
    }
    Some(
        t.with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    )
}

/// An RFC 3339 timestamp (see [`normalize_timestamp`]), else `None`.
pub fn timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(string(d)?.and_then(|s| normalize_timestamp(&s)))
}

/// A JSON array of strings (other elements dropped), else `None`.
pub fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    Ok(match value(d)? {
        Value::Array(a) => Some(
            a.into_iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    })
}

/// A JSON array kept raw, else `None`.
pub fn raw_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Value>>, D::Error> {
    Ok(match value(d)? {
        Value::Array(a) => Some(a),
        _ => None,
    })
}

/// A JSON array of `T`; an unreadable element becomes `T::default()` (positions kept); any other
/// value is an empty list.
pub fn list<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    Ok(match value(d)? {
        Value::Array(a) => a
            .into_iter()
            .map(|v| serde_json::from_value(v).unwrap_or_default())
            .collect(),
        _ => Vec::new(),
    })
}

/// A nested object `T`, else `None` (also when it does not read as a `T`).
pub fn object<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    Ok(match value(d)? {
        v @ Value::Object(_) => serde_json::from_value(v).ok(),
        _ => None,
    })
}

/// Any JSON value but `null`, else `None`.
pub fn non_null<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Ok(match value(d)? {
        Value::Null => None,
        v => Some(v),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn meanings() {
        assert_eq!(whole(&json!(5), 10), Some(5));
        assert_eq!(whole(&json!(5.0), 10), Some(5));
        assert_eq!(whole(&json!(5.5), 10), None);
        assert_eq!(whole(&json!(-1), 10), None);
        assert_eq!(whole(&json!(11), 10), None);
        assert_eq!(whole(&json!(u64::MAX), 10), None);
        assert_eq!(whole(&json!(1e300), 10), None);
        assert_eq!(whole(&json!("5"), 10), None);
        assert!(is_id("4uLU6hMCjMI75M1A2tKUQC"));
        assert!(!is_id(""));
        assert!(!is_id("../me"));
        assert!(!is_id("a,b"));
        assert!(!is_id(&"a".repeat(MAX_ID_LEN + 1)));
        assert_eq!(
            normalize_timestamp("2020-01-01T00:00:00Z").as_deref(),
            Some("2020-01-01T00:00:00Z")
        );
        assert_eq!(
            normalize_timestamp("2020-01-01T02:00:00.5+02:00").as_deref(),
            Some("2020-01-01T00:00:00.500Z")
        );
        assert_eq!(normalize_timestamp("yesterday"), None);
        assert_eq!(normalize_timestamp("2020-13-01T00:00:00Z"), None);
        assert_eq!(normalize_timestamp("+275760-01-01T00:00:00Z"), None);
    }
}
