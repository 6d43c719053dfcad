//! Human durations (`90s`, `10m`, `1h30m`) as the config file and command line write them.
//!
//! Parsing is total: every string gives a duration or an error naming the problem, never a
//! panic. Numbers and sums are checked, and a duration longer than [`MAX_DURATION`] is refused
//! (no schedule or wait of spotsync needs more, and callers can add it to an `Instant` or a
//! date without overflowing).

use std::time::Duration;

/// The longest duration accepted: 10 years (3650 days).
pub const MAX_DURATION: Duration = Duration::from_secs(3650 * 86_400);

/// Parse `90`, `90s`, `10m`, `2h`, `1d`, `500ms` and combinations like `1h30m`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty duration".into());
    }
    let too_long = || format!("duration {s:?} is too long (at most 3650d)");
    if s.bytes().all(|b| b.is_ascii_digit()) {
        let secs: u64 = s.parse().map_err(|_| too_long())?;
        return checked(Duration::from_secs(secs)).ok_or_else(too_long);
    }
    let mut total = Duration::ZERO;
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let mut unit = c.to_string();
        while let Some(&n) = chars.peek() {
            if n.is_ascii_alphabetic() {
                unit.push(n);
                chars.next();
            } else {
                break;
            }
        }
        if num.is_empty() {
            return Err(format!(
                "invalid duration {s:?}: expected e.g. 30s, 10m, 2h"
            ));
        }
        // Only ASCII digits were collected: a failure here is an overflow.
        let n: u64 = num.parse().map_err(|_| too_long())?;
        num.clear();
        let (per, millis) = match unit.as_str() {
            "ms" => (1, true),
            "s" => (1, false),
            "m" => (60, false),
            "h" => (3600, false),
            "d" => (86_400, false),
            _ => {
                return Err(format!(
                    "invalid duration unit {unit:?} in {s:?}: use ms, s, m, h or d"
                ));
            }
        };
        let part = if millis {
            Duration::from_millis(n)
        } else {
            Duration::from_secs(n.checked_mul(per).ok_or_else(too_long)?)
        };
        total = total
            .checked_add(part)
            .and_then(checked)
            .ok_or_else(too_long)?;
    }
    if !num.is_empty() {
        return Err(format!(
            "invalid duration {s:?}: a number needs a unit (s, m, h, d)"
        ));
    }
    Ok(total)
}

fn checked(d: Duration) -> Option<Duration> {
    (d <= MAX_DURATION).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert!(parse_duration("10x").is_err());
        assert!(parse_duration("1h30").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("h").is_err());
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        for s in [
            "99999999999999999999d",
            "18446744073709551615d",
            "18446744073709551615",
            "99999999999999999999",
            "18446744073709551615s18446744073709551615s",
            "213503982334601h",
            "3651d",
            "18446744073709551615ms18446744073709551615ms18446744073709551615ms",
        ] {
            let e = parse_duration(s).unwrap_err();
            assert!(e.contains("too long"), "{s}: {e}");
        }
        assert_eq!(parse_duration("3650d").unwrap(), MAX_DURATION);
        assert_eq!(parse_duration("3649d24h").unwrap(), MAX_DURATION);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_strings_never_panic(s in ".{0,40}") {
            if let Ok(d) = parse_duration(&s) {
                prop_assert!(d <= MAX_DURATION);
            }
        }

        #[test]
        fn digit_and_unit_soup_never_panics(s in "[0-9]{0,25}(ms|s|m|h|d|x)?([0-9]{0,25}(ms|s|m|h|d))*") {
            if let Ok(d) = parse_duration(&s) {
                prop_assert!(d <= MAX_DURATION);
            }
        }

        #[test]
        fn valid_forms_round_trip(d in 0u64..=3000, h in 0u64..24, m in 0u64..60, s in 0u64..60,
                                  ms in 0u64..1000) {
            let text = format!("{d}d{h}h{m}m{s}s{ms}ms");
            let want = Duration::from_secs(d * 86_400 + h * 3600 + m * 60 + s)
                + Duration::from_millis(ms);
            prop_assert_eq!(parse_duration(&text), Ok(want));
            let secs = d * 86_400 + h * 3600 + m * 60 + s;
            prop_assert_eq!(parse_duration(&secs.to_string()), Ok(Duration::from_secs(secs)));
            prop_assert_eq!(parse_duration(&format!(" {m}m ")), Ok(Duration::from_secs(m * 60)));
        }
    }
}
