//! Images from Spotify's image CDN (`i.scdn.co` and the like): playlist covers archived at sync
//! time. Not the Web API: no token, no quota, not counted; bounded in size and time.

use std::time::Duration;

/// The largest image read (a cover is a few hundred KB).
pub const MAX_IMAGE: usize = 8 << 20;

/// Why an image could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum CdnError {
    #[error("cannot fetch {0}")]
    Http(String),
    #[error("{0} answered {1}")]
    Status(String, u16),
    #[error("{0} is larger than {MAX_IMAGE} bytes")]
    TooLarge(String),
}

/// GET the image at `url`: its bytes.
pub async fn fetch_image(http: &reqwest::Client, url: &str) -> Result<Vec<u8>, CdnError> {
    let mut resp = http
        .get(url)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .map_err(|e| CdnError::Http(e.without_url().to_string()))?;
    if !resp.status().is_success() {
        return Err(CdnError::Status(url.to_string(), resp.status().as_u16()));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| CdnError::Http(e.without_url().to_string()))?
    {
        if bytes.len() + chunk.len() > MAX_IMAGE {
            return Err(CdnError::TooLarge(url.to_string()));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}
