//! A playlist cover fit for upload: Spotify takes a base64 JPEG of at most 256 KB, so an
//! archived cover larger than that is re-encoded (lower quality, then smaller) until it fits.
//! The bytes came from a server: decoding is bounded and never panics.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageReader, Limits};

/// The largest side decoded (a cover is at most a few thousand pixels wide).
const MAX_SIDE: u32 = 8_000;
/// The most memory a decode may take.
const MAX_ALLOC: u64 = 256 << 20;

/// Length of the base64 text of `n` bytes.
pub fn base64_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8, 0xFF])
}

fn decode(bytes: &[u8]) -> Option<DynamicImage> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    reader.decode().ok()
}

/// The JPEG to upload for `bytes`: as it is when it is a JPEG whose base64 fits in
/// `max_base64`, else re-encoded (quality 85 down to 40, then three quarters the size, up to
/// six times) until it fits; `None` when it cannot be read or made to fit.
pub fn fit(bytes: &[u8], max_base64: usize) -> Option<Vec<u8>> {
    if is_jpeg(bytes) && base64_len(bytes.len()) <= max_base64 {
        return Some(bytes.to_vec());
    }
    let mut img = decode(bytes)?;
    for _ in 0..6 {
        let rgb = img.to_rgb8();
        for quality in [85, 70, 55, 40] {
            let mut out = Vec::new();
            rgb.write_with_encoder(JpegEncoder::new_with_quality(&mut out, quality))
                .ok()?;
            if base64_len(out.len()) <= max_base64 {
                return Some(out);
            }
        }
        let (w, h) = (img.width() * 3 / 4, img.height() * 3 / 4);
        if w == 0 || h == 0 {
            return None;
        }
        img = img.resize_exact(w, h, FilterType::Triangle);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noisy_jpeg(side: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(side, side, |x, y| {
            let v = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) as u8;
            image::Rgb([v, v.rotate_left(3), v.rotate_left(5)])
        });
        let mut out = Vec::new();
        img.write_with_encoder(JpegEncoder::new_with_quality(&mut out, 100))
            .unwrap();
        out
    }

    #[test]
    fn a_cover_too_large_is_re_encoded_to_fit_and_a_small_one_kept() {
        let big = noisy_jpeg(640);
        assert!(base64_len(big.len()) > 256 * 1024, "{}", big.len());
        let fitted = fit(&big, 256 * 1024).unwrap();
        assert!(base64_len(fitted.len()) <= 256 * 1024);
        assert!(is_jpeg(&fitted));
        assert!(decode(&fitted).is_some());
        let small = noisy_jpeg(64);
        assert_eq!(fit(&small, 256 * 1024).unwrap(), small);
    }

    #[test]
    fn garbage_is_refused_without_a_panic() {
        assert_eq!(fit(b"not an image", 10), None);
        assert_eq!(fit(&[0xFF, 0xD8, 0xFF, 0, 1, 2], 4), None);
        assert_eq!(fit(&[], 0), None);
    }
}
