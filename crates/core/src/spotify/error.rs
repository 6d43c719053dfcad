//! Classification of everything that can go wrong with a request, so the engine knows whether to
//! wait, retry, record, or stop and ask the user to log in again.

use std::time::Duration;

use serde::Deserialize;

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
    /// 5xx, timeouts, dropped connections, unreadable bodies: worth retrying.
    #[error("temporary failure: {0}")]
    Transient(String),
    /// 401 that a token refresh did not cure (or a token that cannot be refreshed).
    #[error("Spotify did not accept the authorization ({0}): run `spotsync auth`")]
    Unauthorized(String),
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
        matches!(self, ApiError::Unauthorized(_) | ApiError::InvalidGrant(_))
    }
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: ErrorField,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ErrorField {
    /// Web API: `{"error":{"status":429,"message":"...","reason":"QUOTA_EXCEEDED"}}`.
    Api {
        #[serde(default)]
        message: Option<String>,
        #[serde(default)]
        reason: Option<String>,
    },
    /// Accounts service: `{"error":"invalid_grant","error_description":"..."}`.
    Code(String),
}

/// What an error body says, if it is readable.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ErrorInfo {
    pub message: Option<String>,
    pub reason: Option<String>,
    /// The accounts service's error code (`invalid_grant`...).
    pub code: Option<String>,
}

/// Parse Spotify's error body (Web API or accounts service shape). Unknown shapes give defaults.
pub fn parse_error_body(body: &str) -> ErrorInfo {
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(ErrorBody {
            error: ErrorField::Api { message, reason },
        }) => ErrorInfo {
            message,
            reason,
            code: None,
        },
        Ok(ErrorBody {
            error: ErrorField::Code(code),
        }) => {
            let message = serde_json::from_str::<serde_json::Value>(body)
                .ok()
                .and_then(|v| {
                    v.get("error_description")
                        .and_then(|d| d.as_str())
                        .map(str::to_string)
                });
            ErrorInfo {
                message,
                reason: None,
                code: Some(code),
            }
        }
        Err(_) => ErrorInfo::default(),
    }
}

/// Parse a `Retry-After` header value (seconds; an HTTP date is also accepted).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        return Some(Duration::from_secs_f64(secs));
    }
    chrono::DateTime::parse_from_rfc2822(v).ok().map(|t| {
        let d = t.with_timezone(&chrono::Utc) - chrono::Utc::now();
        d.to_std().unwrap_or(Duration::ZERO)
    })
}

/// Classify a non-2xx answer of the Web API.
pub fn classify_status(status: u16, retry_after: Option<Duration>, body: &str) -> ApiError {
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
        assert_eq!(parse_retry_after("soon"), None);
    }
}
