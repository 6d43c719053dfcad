//! Human durations (`90s`, `10m`, `1h30m`, `1h 30min`) as the config file and command line
//! write them, read by `humantime`.
//!
//! A number always needs its unit: `"5"` is refused (it could mean seconds or minutes), and
//! `"0"` alone means zero. Parsing is total: every string gives a duration or an error naming
//! the problem, never a panic. A duration longer than [`MAX_DURATION`] is refused (no schedule
//! or wait of spotsync needs more, and callers can add it to an `Instant` or a date without
//! overflowing).

use std::time::Duration;

/// The longest duration accepted: 10 years (3650 days).
pub const MAX_DURATION: Duration = Duration::from_secs(3650 * 86_400);

/// Parse `90s`, `10m`, `2h`, `1d`, `500ms`, `1h30m`, `1h 30min` (humantime's units: `ms`, `s`,
/// `m`/`min`, `h`, `d`, `w`…; `M` is a month). A bare number other than `0` is an error.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let too_long = || format!("duration {s:?} is too long (at most 3650d)");
    let d = humantime::parse_duration(s).map_err(|e| match e {
        humantime::DurationError::UnknownUnit { unit, value, .. } if unit.is_empty() => format!(
            "{s:?} has no unit: write e.g. \"{value}s\" or \"{value}m\" (units: ms, s, m, h, d)"
        ),
        humantime::DurationError::NumberOverflow => too_long(),
        humantime::DurationError::Empty => "empty duration: write e.g. \"30s\" or \"10m\"".into(),
        other => format!("invalid duration {s:?} ({other}): write e.g. 30s, 10m, 2h or 1h30m"),
    })?;
    if d > MAX_DURATION {
        return Err(too_long());
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(
            parse_duration("1h 30min").unwrap(),
            Duration::from_secs(5400)
        );
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert!(parse_duration("10x").is_err());
        assert!(parse_duration("1h30").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("h").is_err());
    }

    #[test]
    fn a_number_needs_its_unit() {
        for s in ["5", "90", " 30 "] {
            let e = parse_duration(s).unwrap_err();
            assert!(e.contains("no unit") && e.contains("s\""), "{s}: {e}");
        }
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        for s in [
            "99999999999999999999d",
            "18446744073709551615d",
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
            prop_assert_eq!(parse_duration(&format!("{secs}s")), Ok(Duration::from_secs(secs)));
            prop_assert_eq!(parse_duration(&format!(" {m}m ")), Ok(Duration::from_secs(m * 60)));
            if secs > 0 {
                prop_assert!(parse_duration(&secs.to_string()).is_err());
            }
        }
    }
}
