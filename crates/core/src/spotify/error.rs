//! Classification of everything that can go wrong with a request, so the engine knows whether to
//! wait, retry, record, or stop and ask the user to log in again.

use std::time::Duration;

/// A failed request, classified.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// 429: the 30-second window (`quota == false`) or the daily quota (`QUOTA_EXCEEDED`).
    #[error("rate limited by Spotify{}{}", if *.quota { " (daily quota exceeded)" } else { "" },
        .retry_after.map(|d| format!(", retry after {}s", d.as_secs())).unwrap_or_default())]
    RateLimited {
        retry_after: Option<Duration>,
        quota: bool,
    },
    /// The server answered, or may have, but not usefully: 5xx, 408, a timeout, a body cut off
    /// or unreadable. Worth retrying; when it outlasts the retries, only this request's phase
    /// fails.
    #[error("temporary failure: {0}")]
    Transient(String),
    /// No answer could come: the connection could not be made (refused, no route, the name
    /// does not resolve) or was closed before any answer. Worth retrying; when it outlasts the
    /// retries, the engine ends the run (every later request would knock on the same door).
    #[error("Spotify could not be reached: {0}")]
    Unreachable(String),
    /// 401 that a token refresh did not cure (or a token that cannot be refreshed).
    #[error("Spotify did not accept the authorization ({0}): run `spotsync auth`")]
    Unauthorized(String),
    /// The access token cannot be sent (a character HTTP cannot carry): log in again.
    #[error("{0}")]
    UnusableToken(#[from] crate::spotify::credentials::UnusableToken),
    /// The refresh token was refused (expired or revoked): log in again.
    #[error("Spotify refused the stored authorization ({0}): run `spotsync auth` to log in again")]
    InvalidGrant(String),
    /// 403: not available to this app or user.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404 (or 410): no such resource, or not available to this app.
    #[error("not found: {0}")]
    NotFound(String),
    /// Anything else (4xx we do not expect, a bad URL...).
    #[error("{0}")]
    Other(String),
}

impl ApiError {
    /// True for errors that mean "the user must authorize again".
    pub fn is_auth(&self) -> bool {
        matches!(
            self,
            ApiError::Unauthorized(_) | ApiError::InvalidGrant(_) | ApiError::UnusableToken(_)
        )
    }

    /// True for errors worth sending the same request again.
    pub fn is_retryable(&self) -> bool {
        matches!(self, ApiError::Transient(_) | ApiError::Unreachable(_))
    }
}

/// What an error body says, if it is readable.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ErrorInfo {
    pub message: Option<String>,
    pub reason: Option<String>,
    /// The accounts service's error code (`invalid_grant`...).
    pub code: Option<String>,
}

/// Parse Spotify's error body (Web API or accounts service shape). Unknown shapes (HTML, empty,
/// truncated, other JSON) give defaults; messages are cleaned with [`clean_message`].
pub fn parse_error_body(body: &str) -> ErrorInfo {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else {
        return ErrorInfo::default();
    };
    let text = |v: Option<&serde_json::Value>| v.and_then(|x| x.as_str()).map(clean_message);
    match v.get("error") {
        // Web API: `{"error":{"status":429,"message":"...","reason":"QUOTA_EXCEEDED"}}`.
        Some(e @ serde_json::Value::Object(_)) => ErrorInfo {
            message: text(e.get("message")),
            reason: text(e.get("reason")),
            code: None,
        },
        // Accounts service: `{"error":"invalid_grant","error_description":"..."}`.
        Some(serde_json::Value::String(code)) => ErrorInfo {
            message: text(v.get("error_description")),
            reason: None,
            code: Some(clean_message(code)),
        },
        _ => ErrorInfo::default(),
    }
}

/// The longest wait a `Retry-After` can ask for. Spotify's daily quota answers with up to a day
/// (e.g. `79892`); anything longer is read as "a day" so that one absurd header cannot stop
/// syncing for years (the gate caps its holds the same way).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(86_400);

/// Parse a `Retry-After` header value (seconds; an HTTP date is also accepted).
///
/// Total over every string: `None` (then the "missing `Retry-After`" rule applies) for empty,
/// negative, non-numeric, NaN or infinite values and unparseable dates; a date in the past
/// means zero; any value above [`MAX_RETRY_AFTER`] (however large) is capped to it.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    parse_retry_after_at(value, chrono::Utc::now())
}

/// [`parse_retry_after`] with the current time given (for HTTP dates).
pub fn parse_retry_after_at(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if v.bytes().all(|b| b.is_ascii_digit()) {
        // All digits: only an overflow makes `parse` fail, and that is "very long".
        let secs = v.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER));
    }
    if let Ok(secs) = v.parse::<f64>() {
        if !secs.is_finite() || secs.is_sign_negative() {
            return None;
        }
        let capped = secs.min(MAX_RETRY_AFTER.as_secs_f64());
        return Duration::try_from_secs_f64(capped).ok();
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let d = at.with_timezone(&chrono::Utc).signed_duration_since(now);
    Some(d.to_std().unwrap_or(Duration::ZERO).min(MAX_RETRY_AFTER))
}

/// The longest error message kept from a server's body (characters).
pub const MAX_MESSAGE_CHARS: usize = 300;

/// A server's error message made fit for logs, the database and a terminal: control
/// characters (escape sequences, newlines) become spaces and the text is cut to
/// [`MAX_MESSAGE_CHARS`] characters (with `…`).
pub fn clean_message(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(MAX_MESSAGE_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if s.chars().nth(MAX_MESSAGE_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// Classify a non-2xx answer of the Web API. Total over every status, `Retry-After` and body:
/// a 429 is the daily quota only when the body's `reason` says `QUOTA_EXCEEDED`, otherwise the
/// rolling window; its wait is capped to [`MAX_RETRY_AFTER`]. Unknown statuses are
/// [`ApiError::Other`].
pub fn classify_status(status: u16, retry_after: Option<Duration>, body: &str) -> ApiError {
    let retry_after = retry_after.map(|d| d.min(MAX_RETRY_AFTER));
    let info = parse_error_body(body);
    let msg = info
        .message
        .clone()
        .unwrap_or_else(|| format!("HTTP {status}"));
    match status {
        429 => ApiError::RateLimited {
            retry_after,
            quota: info.reason.as_deref() == Some("QUOTA_EXCEEDED"),
        },
        401 => ApiError::Unauthorized(msg),
        403 => ApiError::Forbidden(msg),
        404 | 410 => ApiError::NotFound(msg),
        408 | 500..=599 => ApiError::Transient(format!("HTTP {status}: {msg}")),
        _ => ApiError::Other(format!("HTTP {status}: {msg}")),
    }
}

/// Classify a non-2xx answer of the accounts service's token endpoint (a refresh).
pub fn classify_token_status(status: u16, body: &str) -> ApiError {
    let info = parse_error_body(body);
    let detail = info
        .message
        .clone()
        .or(info.code.clone())
        .unwrap_or_else(|| format!("HTTP {status}"));
    if info.code.as_deref() == Some("invalid_grant") {
        return ApiError::InvalidGrant(detail);
    }
    match status {
        429 => ApiError::RateLimited {
            retry_after: None,
            quota: false,
        },
        408 | 500..=599 => ApiError::Transient(format!("token refresh: HTTP {status}: {detail}")),
        _ => ApiError::Unauthorized(format!("token refresh failed: {detail}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quota_is_told_apart_from_window() {
        let q = classify_status(
            429,
            Some(Duration::from_secs(79_892)),
            r#"{"error":{"status":429,"message":"quota","reason":"QUOTA_EXCEEDED"}}"#,
        );
        assert_eq!(
            q,
            ApiError::RateLimited {
                retry_after: Some(Duration::from_secs(79_892)),
                quota: true
            }
        );
        let w = classify_status(429, None, "not json");
        assert_eq!(
            w,
            ApiError::RateLimited {
                retry_after: None,
                quota: false
            }
        );
    }

    #[test]
    fn statuses() {
        assert!(matches!(
            classify_status(403, None, r#"{"error":{"status":403,"message":"no"}}"#),
            ApiError::Forbidden(m) if m == "no"
        ));
        assert!(matches!(
            classify_status(410, None, ""),
            ApiError::NotFound(_)
        ));
        assert!(matches!(
            classify_status(503, None, ""),
            ApiError::Transient(_)
        ));
        assert!(matches!(
            classify_status(401, None, ""),
            ApiError::Unauthorized(_)
        ));
        assert!(matches!(classify_status(400, None, ""), ApiError::Other(_)));
    }

    #[test]
    fn invalid_grant() {
        let e = classify_token_status(
            400,
            r#"{"error":"invalid_grant","error_description":"Refresh token revoked"}"#,
        );
        assert_eq!(e, ApiError::InvalidGrant("Refresh token revoked".into()));
        assert!(e.is_auth());
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("1.5"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after(""), None);
        assert_eq!(parse_retry_after("-5"), None);
        assert_eq!(parse_retry_after("NaN"), None);
        assert_eq!(parse_retry_after("inf"), None);
        assert_eq!(parse_retry_after("-0"), None);
    }

    #[test]
    fn absurd_retry_after_is_capped_not_a_panic() {
        for v in [
            "18446744073709551615",
            "99999999999999999999999999",
            "1e300",
            "1.7976931348623157e308",
            "86401",
        ] {
            assert_eq!(parse_retry_after(v), Some(MAX_RETRY_AFTER), "{v}");
        }
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-20T12:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(
            parse_retry_after_at("Fri, 20 Nov 2026 12:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after_at("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after_at("Fri, 31 Dec 9999 23:59:59 GMT", now),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(
            classify_status(429, Some(Duration::MAX), ""),
            ApiError::RateLimited {
                retry_after: Some(MAX_RETRY_AFTER),
                quota: false
            }
        );
    }

    #[test]
    fn odd_error_bodies() {
        // Mistyped fields do not hide the reason.
        assert_eq!(
            classify_status(
                429,
                None,
                r#"{"error":{"status":"x","message":5,"reason":"QUOTA_EXCEEDED"}}"#
            ),
            ApiError::RateLimited {
                retry_after: None,
                quota: true
            }
        );
        // A huge message with escape sequences is cleaned and cut.
        let body = format!(
            r#"{{"error":{{"status":403,"message":"\u001b[31m{}"}}}}"#,
            "x".repeat(10_000)
        );
        let ApiError::Forbidden(m) = classify_status(403, None, &body) else {
            panic!("expected Forbidden")
        };
        assert!(!m.contains('\u{1b}'));
        assert_eq!(m.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert_eq!(parse_error_body("<html>"), ErrorInfo::default());
        assert_eq!(parse_error_body("[1,2]"), ErrorInfo::default());
        assert_eq!(parse_error_body(r#"{"error":null}"#), ErrorInfo::default());
    }

    fn header_value() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<u64>().prop_map(|n| n.to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<f64>().prop_map(|f| f.to_string()),
            "[0-9]{1,40}",
            "[ -~]{0,40}",
            ".{0,20}",
            Just("Fri, 31 Dec 9999 23:59:59 GMT".to_string()),
            Just("Thu, 01 Jan 1970 00:00:00 GMT".to_string()),
        ]
    }

    fn body() -> impl Strategy<Value = String> {
        let json_leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>().prop_map(serde_json::Value::from),
            ".{0,12}".prop_map(serde_json::Value::from),
        ];
        let json = json_leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("error".to_string()),
                        Just("message".to_string()),
                        Just("reason".to_string()),
                        Just("error_description".to_string()),
                        "[a-z]{1,6}"
                    ],
                    inner,
                    0..4
                )
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        });
        prop_oneof![
            json.prop_map(|v| v.to_string()),
            ".{0,64}",
            Just(String::new()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn classifier_is_total(status in any::<u16>(), header in header_value(), body in body()) {
            let retry_after = parse_retry_after(&header);
            if let Some(d) = retry_after {
                prop_assert!(d <= MAX_RETRY_AFTER);
            }
            let e = classify_status(status, retry_after, &body);
            if let ApiError::RateLimited { retry_after: Some(d), .. } = &e {
                prop_assert!(*d <= MAX_RETRY_AFTER);
            }
            prop_assert_eq!(matches!(e, ApiError::RateLimited { .. }), status == 429);
            let t = classify_token_status(status, &body);
            // Messages never carry control characters.
            let text = format!("{e} {t}");
            prop_assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{}", text);
        }

        #[test]
        fn quota_and_window_bodies_are_told_apart(
            secs in any::<u64>(),
            message in ".{0,40}",
            quota in any::<bool>(),
            header_present in any::<bool>(),
        ) {
            let reason = if quota { "QUOTA_EXCEEDED" } else { "RATE_LIMITED" };
            let body = serde_json::json!({
                "error": {"status": 429, "message": message, "reason": reason}
            })
            .to_string();
            let header = header_present.then(|| secs.to_string());
            let retry_after = header.as_deref().and_then(parse_retry_after);
            prop_assert_eq!(
                classify_status(429, retry_after, &body),
                ApiError::RateLimited {
                    retry_after: header_present
                        .then(|| Duration::from_secs(secs).min(MAX_RETRY_AFTER)),
                    quota,
                }
            );
        }
    }
}
