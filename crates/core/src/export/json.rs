//! The JSON backup: one versioned document holding the whole library (or the parts asked for),
//! in a stable order, suitable for `jq`. Unknown values are `null`.

use serde::Serialize;

use super::ExportError;
use super::model::{Account, Album, Artist, Library, Skipped, TrackList};

/// `"format"` of the document.
pub const FORMAT: &str = "spotsync-export";
/// `"version"` of the document's layout; bumped only when a reader would misread a new one.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    format: &'static str,
    version: u32,
    /// When the export was made.
    exported_at: Option<&'a str>,
    /// The spotsync that made it.
    spotsync_version: &'static str,
    /// The date the export shows the library at (`null`: as mirrored now).
    as_of: Option<&'a str>,
    account: &'a Account,
    #[serde(skip_serializing_if = "Option::is_none")]
    liked_songs: Option<&'a TrackList>,
    #[serde(skip_serializing_if = "Option::is_none")]
    playlists: Option<&'a [TrackList]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    albums: Option<&'a [Album]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    artists: Option<&'a [Artist]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    listening_history: Option<&'a TrackList>,
    #[serde(skip_serializing_if = "<[Skipped]>::is_empty")]
    skipped_playlists: &'a [Skipped],
}

/// The document, pretty-printed, with a final newline.
pub fn document(lib: &Library) -> Result<Vec<u8>, ExportError> {
    let doc = Document {
        format: FORMAT,
        version: VERSION,
        exported_at: lib.exported_at.as_deref(),
        spotsync_version: env!("CARGO_PKG_VERSION"),
        as_of: lib.as_of.as_deref(),
        account: &lib.account,
        liked_songs: lib.liked.as_ref(),
        playlists: lib.playlists.as_deref(),
        albums: lib.albums.as_deref(),
        artists: lib.artists.as_deref(),
        listening_history: lib.plays.as_ref(),
        skipped_playlists: &lib.skipped,
    };
    let mut out = serde_json::to_vec_pretty(&doc)?;
    out.push(b'\n');
    Ok(out)
}
