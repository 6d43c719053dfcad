//! Numbers and booleans as the export files write them: a number may come as a float or a
//! numeric string, a boolean as 0/1 or text, and any of them as null.

use serde::de::{self, Deserializer, Visitor};

/// At most 40 characters of a value, for a message.
fn shown(v: &str) -> String {
    let mut s: String = v.chars().take(40).collect();
    if s.len() < v.len() {
        s.push('…');
    }
    s
}

/// An integer that may come as a number (integer or float), a numeric string, or null.
pub(super) fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an integer, a numeric string or null")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(i64::try_from(v).ok())
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok((v.is_finite() && v.abs() < 9.0e18).then_some(v as i64))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            let v = v.trim();
            if v.is_empty() {
                return Ok(None);
            }
            v.parse::<i64>()
                .ok()
                .or_else(|| {
                    v.parse::<f64>()
                        .ok()
                        .and_then(|f| self.visit_f64::<E>(f).ok()?)
                })
                .map(Some)
                .ok_or_else(|| E::custom(format!("expected a number, found \"{}\"", shown(v))))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(V)
        }
    }
    d.deserialize_any(V)
}

/// A boolean that may come as `true`/`false`, 0/1, `"true"`/`"false"`, or null.
pub(super) fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a boolean or null")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v != 0))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v != 0))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" => Ok(Some(false)),
                "" => Ok(None),
                _ => Err(E::custom(format!(
                    "expected a boolean, found \"{}\"",
                    shown(v)
                ))),
            }
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(V)
        }
    }
    d.deserialize_any(V)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Row {
        #[serde(default, deserialize_with = "super::lenient_i64")]
        n: Option<i64>,
        #[serde(default, deserialize_with = "super::lenient_bool")]
        b: Option<bool>,
    }

    fn row(json: &str) -> Result<(Option<i64>, Option<bool>), String> {
        serde_json::from_str::<Row>(json)
            .map(|r| (r.n, r.b))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn numbers_and_booleans_in_every_spelling() {
        assert_eq!(row(r#"{"n":12,"b":true}"#), Ok((Some(12), Some(true))));
        assert_eq!(row(r#"{"n":12.7,"b":0}"#), Ok((Some(12), Some(false))));
        assert_eq!(
            row(r#"{"n":" 42 ","b":"TRUE"}"#),
            Ok((Some(42), Some(true)))
        );
        assert_eq!(row(r#"{"n":"1e3","b":"0"}"#), Ok((Some(1000), Some(false))));
        assert_eq!(row(r#"{"n":null,"b":null}"#), Ok((None, None)));
        assert_eq!(row(r#"{"n":"","b":""}"#), Ok((None, None)));
        assert_eq!(row(r#"{}"#), Ok((None, None)));
        assert_eq!(row(r#"{"n":18446744073709551615}"#), Ok((None, None)));
        assert_eq!(row(r#"{"n":1e300}"#), Ok((None, None)));
        assert!(
            row(r#"{"n":"lots"}"#)
                .unwrap_err()
                .contains("expected a number")
        );
        assert!(
            row(r#"{"b":"maybe"}"#)
                .unwrap_err()
                .contains("expected a boolean")
        );
    }
}
