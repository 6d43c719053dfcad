//! Access tokens as the accounts service states them: `expires_in` is untrusted server input.

use chrono::{DateTime, TimeDelta, Utc};

/// The shortest access-token life believed. A token endpoint that says `expires_in: 0` (or a
/// negative number) would otherwise make every request refresh first (rspotify treats a token
/// as expired 10 s before its end); a token that is really refused earlier gets a 401, and a
/// 401 refreshes it.
pub const MIN_TOKEN_LIFETIME: TimeDelta = TimeDelta::seconds(60);
/// The longest access-token life believed (Spotify's is one hour): a larger `expires_in`
/// means a refresh after a day, not in a thousand years (or never, past the calendar's end).
pub const MAX_TOKEN_LIFETIME: TimeDelta = TimeDelta::seconds(86_400);

/// Make a token just received from the accounts service sane: its `expires_in` is bounded to
/// [`MIN_TOKEN_LIFETIME`]..=[`MAX_TOKEN_LIFETIME`], and when that changed it (or no expiry could
/// be computed) `expires_at` becomes `now + expires_in`. A sane token is left as it is.
pub fn settle_expiry(token: &mut rspotify::Token, now: DateTime<Utc>) {
    let life = token
        .expires_in
        .clamp(MIN_TOKEN_LIFETIME, MAX_TOKEN_LIFETIME);
    if life != token.expires_in || token.expires_at.is_none() {
        token.expires_in = life;
        token.expires_at = now.checked_add_signed(life);
    }
}
