//! Reading a response body with bounds: a misbehaving server cannot make spotsync hold an
//! endless body or wait for it forever.

use std::time::Duration;

/// The most of an error body that is read (the rest is ignored): enough for any error JSON
/// Spotify sends, and a bound on what a misbehaving server can make us hold.
pub const MAX_ERROR_BODY: usize = 64 * 1024;

/// Read at most `cap` bytes of `resp`'s body, within 10 seconds, as (lossy) UTF-8. Whatever
/// goes wrong (timeout, dropped connection) gives what was read so far.
pub(crate) async fn read_body_capped(mut resp: reqwest::Response, cap: usize) -> String {
    let mut buf: Vec<u8> = Vec::new();
    let read = async {
        while let Ok(Some(chunk)) = resp.chunk().await {
            let room = cap.saturating_sub(buf.len());
            buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if buf.len() >= cap {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(10), read).await;
    String::from_utf8_lossy(&buf).into_owned()
}
