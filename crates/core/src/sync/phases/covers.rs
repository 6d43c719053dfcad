//! Playlist covers archived at sync time: the listing notes each own playlist's custom cover
//! URL (a new row only when it changed); after the listing, each cover not archived yet is
//! fetched from the image CDN (no Web API request, not counted) and kept by its SHA-256, so a
//! restore can upload it again. A cover that cannot be fetched is tried again next sync.

use chrono::Utc;
use sha2::{Digest, Sha256};

use super::PhaseCtx;
use crate::spotify::cdn;
use crate::store::ts;
use crate::sync::outcome::Stop;

/// The SHA-256 of `bytes` in hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Fetch and keep every cover noted and not archived yet.
pub(super) async fn archive(ctx: &mut PhaseCtx<'_>) -> Result<(), Stop> {
    let todo = ctx.read(|q| q.covers_to_archive()).await?;
    if todo.is_empty() {
        return Ok(());
    }
    let http = reqwest::Client::new();
    let mut kept = 0usize;
    for (row, url) in todo {
        ctx.boundary().await?;
        match cdn::fetch_image(&http, &url).await {
            Ok(bytes) => {
                let sha = sha256_hex(&bytes);
                let now = ts(Utc::now());
                ctx.write(move |tx| tx.archive_cover(row, &sha, &bytes, &now))
                    .await?;
                kept += 1;
            }
            Err(e) => tracing::warn!("playlist cover not archived ({e}); tried again next sync"),
        }
    }
    tracing::info!("playlist covers archived: {kept}");
    Ok(())
}
