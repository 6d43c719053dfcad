//! Playlist covers: custom covers (JPEG bytes and their hash), the mosaic of a playlist without
//! one, the `images` array that points at them on the image CDN (see `cdn`).
//!
//! The JPEGs are real baseline JPEGs, written here: each 8×8 block one colour, so that only
//! DC coefficients are coded.

use std::sync::Arc;

use sha2::{Digest, Sha256};

/// A custom cover: its JPEG bytes and their SHA-256 in hex.
#[derive(Clone, PartialEq, Eq)]
pub struct Cover {
    pub hash: String,
    pub bytes: Arc<[u8]>,
}

impl std::fmt::Debug for Cover {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Cover({}, {} bytes)", self.hash, self.bytes.len())
    }
}

impl Cover {
    pub fn new(bytes: Vec<u8>) -> Cover {
        Cover {
            hash: hex(&Sha256::digest(&bytes)),
            bytes: bytes.into(),
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The mosaic of the playlist `id`: four colours from the id.
pub fn mosaic_jpeg(id: &[u8]) -> Vec<u8> {
    let d = Sha256::digest(id);
    let colours = [0, 3, 6, 9].map(|i| [d[i], d[i + 1], d[i + 2]]);
    quadrants_jpeg(colours, 8, b"")
}

/// The `images` array of a playlist (`id`, whether it has items): its custom cover (sizes
/// unknown: `null`, as Spotify sends them for custom covers), else its mosaic once it has
/// items, else nothing. `cdn` is the server's root URL.
pub fn images_json(
    cdn: &str,
    id: &str,
    has_items: bool,
    custom: Option<&Cover>,
) -> serde_json::Value {
    use serde_json::json;
    match custom {
        Some(c) => {
            json!([{"url": format!("{cdn}__cdn/image/{}", c.hash), "height": null, "width": null}])
        }
        None if !has_items => json!([]),
        None => json!([{"url": format!("{cdn}__cdn/mosaic/{id}"), "height": 64, "width": 64}]),
    }
}

// --- a baseline JPEG of coloured squares ------------------------------------------------------

/// The standard luminance DC table's code lengths (K.3 of the JPEG standard), symbols 0..=11.
const DC_BITS: [u8; 16] = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];

/// Canonical Huffman codes `(code, length)` for the symbols 0..=11 of [`DC_BITS`].
fn dc_codes() -> [(u16, u8); 12] {
    let mut out = [(0u16, 0u8); 12];
    let (mut code, mut sym) = (0u16, 0usize);
    for (i, &n) in DC_BITS.iter().enumerate() {
        for _ in 0..n {
            out[sym] = (code, i as u8 + 1);
            code += 1;
            sym += 1;
        }
        code <<= 1;
    }
    out
}

struct BitWriter {
    out: Vec<u8>,
    acc: u32,
    n: u8,
}

impl BitWriter {
    fn put(&mut self, bits: u16, len: u8) {
        for k in (0..len).rev() {
            self.acc = (self.acc << 1) | u32::from((bits >> k) & 1);
            self.n += 1;
            if self.n == 8 {
                let byte = self.acc as u8;
                self.out.push(byte);
                if byte == 0xFF {
                    self.out.push(0); // byte stuffing
                }
                self.acc = 0;
                self.n = 0;
            }
        }
    }
    fn finish(mut self) -> Vec<u8> {
        while self.n != 0 {
            self.put(1, 1);
        }
        self.out
    }
}

fn segment(out: &mut Vec<u8>, marker: u8, body: &[u8]) {
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(body);
}

/// RGB → the JPEG's Y, Cb, Cr (JFIF).
fn ycbcr([r, g, b]: [u8; 3]) -> [i32; 3] {
    let (r, g, b) = (f64::from(r), f64::from(g), f64::from(b));
    [
        0.299 * r + 0.587 * g + 0.114 * b,
        128.0 - 0.168_736 * r - 0.331_264 * g + 0.5 * b,
        128.0 + 0.5 * r - 0.418_688 * g - 0.081_312 * b,
    ]
    .map(|v| v.round().clamp(0.0, 255.0) as i32)
}

/// A square JPEG of `blocks`×`blocks` 8×8 blocks, its four quadrants in `colours` (top left,
/// top right, bottom left, bottom right), with `comment` in COM segments (which may make the
/// file as large as wanted without changing the picture).
pub fn quadrants_jpeg(colours: [[u8; 3]; 4], blocks: u16, comment: &[u8]) -> Vec<u8> {
    let blocks = blocks.clamp(2, 512);
    let px = blocks * 8;
    let mut out = vec![0xFF, 0xD8];
    segment(
        &mut out,
        0xE0,
        b"JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00",
    );
    for chunk in comment.chunks(65_000) {
        segment(&mut out, 0xFE, chunk);
    }
    let mut dqt = vec![0u8];
    dqt.extend_from_slice(&[1u8; 64]);
    segment(&mut out, 0xDB, &dqt);
    let mut sof = vec![8];
    sof.extend_from_slice(&px.to_be_bytes());
    sof.extend_from_slice(&px.to_be_bytes());
    sof.extend_from_slice(&[3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]);
    segment(&mut out, 0xC0, &sof);
    let mut dht = vec![0x00];
    dht.extend_from_slice(&DC_BITS);
    dht.extend(0u8..12);
    // The AC table holds one code: end of block.
    dht.push(0x10);
    dht.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00]);
    segment(&mut out, 0xC4, &dht);
    segment(&mut out, 0xDA, &[3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0]);
    let codes = dc_codes();
    let mut w = BitWriter {
        out: Vec::new(),
        acc: 0,
        n: 0,
    };
    let mut pred = [0i32; 3];
    let half = blocks / 2;
    for by in 0..blocks {
        for bx in 0..blocks {
            let q = usize::from(by >= half) * 2 + usize::from(bx >= half);
            let ycc = ycbcr(colours[q]);
            for c in 0..3 {
                // The DC coefficient of a flat block is 8 × (value − 128).
                let dc = 8 * (ycc[c] - 128);
                let diff = dc - pred[c];
                pred[c] = dc;
                let cat = (32 - diff.unsigned_abs().leading_zeros()) as usize;
                let (code, len) = codes[cat];
                w.put(code, len);
                if cat > 0 {
                    let v = if diff < 0 { diff - 1 } else { diff };
                    w.put((v as u16) & ((1u16 << cat) - 1), cat as u8);
                }
                w.put(0, 1); // end of block
            }
        }
    }
    out.extend(w.finish());
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// Whether `bytes` are a JPEG: start of image, well-formed segments up to a frame and a scan,
/// end of image.
pub fn is_jpeg(bytes: &[u8]) -> bool {
    if bytes.len() < 4 || bytes[..2] != [0xFF, 0xD8] || bytes[bytes.len() - 2..] != [0xFF, 0xD9] {
        return false;
    }
    let (mut i, mut frame) = (2usize, false);
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xFF {
            return false;
        }
        let marker = bytes[i + 1];
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        if len < 2 || i + 2 + len > bytes.len() {
            return false;
        }
        frame |= matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF);
        if marker == 0xDA {
            return frame;
        }
        i += 2 + len;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_jpegs_are_well_formed_and_differ_by_colour() {
        let a = quadrants_jpeg([[255, 0, 0], [0, 255, 0], [0, 0, 255], [9, 9, 9]], 8, b"");
        let b = quadrants_jpeg([[0, 0, 255], [0, 255, 0], [0, 0, 255], [9, 9, 9]], 8, b"");
        assert!(is_jpeg(&a) && is_jpeg(&b));
        assert_ne!(a, b);
        let big = quadrants_jpeg([[1, 2, 3]; 4], 8, &[b'x'; 300_000]);
        assert!(is_jpeg(&big) && big.len() > 300_000);
        assert!(!is_jpeg(b"\xFF\xD8not a jpeg\xFF\xD9"));
        assert!(!is_jpeg(&a[..a.len() - 1]));
        assert_eq!(dc_codes()[0], (0b00, 2));
        assert_eq!(dc_codes()[11], (0b1_1111_1110, 9));
    }
}
