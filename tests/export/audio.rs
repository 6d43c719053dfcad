//! Real audio files of four formats, made by the test: a minimal valid stream built byte by
//! byte (MP3 frames with a Xing header, a FLAC STREAMINFO, Ogg Vorbis headers and pages, an
//! MP4 sound track), then tagged with lofty, as any tagger would.
#![allow(dead_code)]

use std::path::Path;

use lofty::config::WriteOptions;
use lofty::prelude::*;
use lofty::tag::{ItemKey, Tag, TagType};

/// The four formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Mp3,
    Flac,
    Ogg,
    M4a,
}

impl Kind {
    pub fn ext(self) -> &'static str {
        match self {
            Kind::Mp3 => "mp3",
            Kind::Flac => "flac",
            Kind::Ogg => "ogg",
            Kind::M4a => "m4a",
        }
    }
}

/// Write a tagged file of `kind` lasting `seconds` at `path`.
pub fn write(path: &Path, kind: Kind, seconds: f64, artist: &str, title: &str, isrc: Option<&str>) {
    let (bytes, tag_type) = match kind {
        Kind::Mp3 => (mp3(seconds), TagType::Id3v2),
        Kind::Flac => (flac(seconds), TagType::VorbisComments),
        Kind::Ogg => (ogg_vorbis(seconds), TagType::VorbisComments),
        Kind::M4a => (m4a(seconds), TagType::Mp4Ilst),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(path, bytes).unwrap();
    let mut tag = Tag::new(tag_type);
    tag.set_artist(artist.to_string());
    tag.set_title(title.to_string());
    if let Some(isrc) = isrc {
        tag.insert_text(ItemKey::Isrc, isrc.to_string());
    }
    tag.save_to_path(path, WriteOptions::default()).unwrap();
}

fn be32(v: u32) -> [u8; 4] {
    v.to_be_bytes()
}

/// MPEG-1 Layer III, 44.1 kHz, 128 kb/s: a Xing frame giving the frame count, then two silent frames.
pub fn mp3(seconds: f64) -> Vec<u8> {
    let frames = (seconds * 44_100.0 / 1152.0).round() as u32;
    let frame_len = 417usize; // 144 * 128000 / 44100
    let header = [0xFF, 0xFB, 0x90, 0x44]; // MPEG1 L3, 128k, 44.1k, no padding, joint stereo
    let mut out = Vec::new();
    let mut xing = vec![0u8; frame_len];
    xing[..4].copy_from_slice(&header);
    xing[36..40].copy_from_slice(b"Xing");
    xing[40..44].copy_from_slice(&be32(0x3)); // frames + bytes
    xing[44..48].copy_from_slice(&be32(frames));
    xing[48..52].copy_from_slice(&be32(frames * frame_len as u32));
    out.extend_from_slice(&xing);
    for _ in 0..2 {
        let mut f = vec![0u8; frame_len];
        f[..4].copy_from_slice(&header);
        out.extend_from_slice(&f);
    }
    out
}

/// FLAC: the marker and a STREAMINFO block (44.1 kHz, stereo, 16 bits) saying how many samples.
pub fn flac(seconds: f64) -> Vec<u8> {
    let samples = (seconds * 44_100.0).round() as u64;
    let mut out = b"fLaC".to_vec();
    out.extend_from_slice(&[0x80, 0, 0, 34]); // last block, STREAMINFO, 34 bytes
    out.extend_from_slice(&4096u16.to_be_bytes());
    out.extend_from_slice(&4096u16.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // min/max frame size unknown
    // 20 bits rate, 3 bits channels-1, 5 bits bps-1, 36 bits samples
    let packed: u64 = (44_100u64 << 44) | (1u64 << 41) | (15u64 << 36) | (samples & 0xF_FFFF_FFFF);
    out.extend_from_slice(&packed.to_be_bytes());
    out.extend_from_slice(&[0u8; 16]); // MD5 unknown
    out
}

fn crc_ogg(data: &[u8]) -> u32 {
    let mut crc = 0u32;
    for &b in data {
        crc ^= u32::from(b) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04C1_1DB7
            } else {
                crc << 1
            };
        }
    }
    crc
}

fn ogg_page(kind: u8, granule: u64, seq: u32, packet: &[u8]) -> Vec<u8> {
    let mut segs = Vec::new();
    let mut left = packet.len();
    loop {
        let n = left.min(255);
        segs.push(n as u8);
        left -= n;
        if n < 255 {
            break;
        }
    }
    let mut p = b"OggS".to_vec();
    p.push(0);
    p.push(kind);
    p.extend_from_slice(&granule.to_le_bytes());
    p.extend_from_slice(&0x5350_4f54u32.to_le_bytes());
    p.extend_from_slice(&seq.to_le_bytes());
    p.extend_from_slice(&[0; 4]);
    p.push(segs.len() as u8);
    p.extend_from_slice(&segs);
    p.extend_from_slice(packet);
    let crc = crc_ogg(&p);
    p[22..26].copy_from_slice(&crc.to_le_bytes());
    p
}

/// Ogg Vorbis, 44.1 kHz stereo: identification, comment and setup headers, then a last page
/// whose granule position gives the length.
pub fn ogg_vorbis(seconds: f64) -> Vec<u8> {
    let mut ident = b"\x01vorbis".to_vec();
    ident.extend_from_slice(&0u32.to_le_bytes());
    ident.push(2);
    ident.extend_from_slice(&44_100u32.to_le_bytes());
    ident.extend_from_slice(&0i32.to_le_bytes());
    ident.extend_from_slice(&128_000i32.to_le_bytes());
    ident.extend_from_slice(&0i32.to_le_bytes());
    ident.push(0xB8);
    ident.push(1);
    let mut comment = b"\x03vorbis".to_vec();
    comment.extend_from_slice(&7u32.to_le_bytes());
    comment.extend_from_slice(b"fixture");
    comment.extend_from_slice(&0u32.to_le_bytes());
    comment.push(1);
    let setup = b"\x05vorbis\x00".to_vec();
    let samples = (seconds * 44_100.0).round() as u64;
    let mut out = ogg_page(0x02, 0, 0, &ident);
    // comment and setup packets on one page: lacing for two packets
    out.extend(ogg_page2(0, 1, &[&comment, &setup]));
    out.extend(ogg_page(0x04, samples, 2, &[0u8; 16]));
    out
}

fn ogg_page2(granule: u64, seq: u32, packets: &[&[u8]]) -> Vec<u8> {
    let mut segs = Vec::new();
    let mut body = Vec::new();
    for packet in packets {
        let mut left = packet.len();
        loop {
            let n = left.min(255);
            segs.push(n as u8);
            left -= n;
            if n < 255 {
                break;
            }
        }
        body.extend_from_slice(packet);
    }
    let mut p = b"OggS".to_vec();
    p.push(0);
    p.push(0);
    p.extend_from_slice(&granule.to_le_bytes());
    p.extend_from_slice(&0x5350_4f54u32.to_le_bytes());
    p.extend_from_slice(&seq.to_le_bytes());
    p.extend_from_slice(&[0; 4]);
    p.push(segs.len() as u8);
    p.extend_from_slice(&segs);
    p.extend_from_slice(&body);
    let crc = crc_ogg(&p);
    p[22..26].copy_from_slice(&crc.to_le_bytes());
    p
}

fn atom(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut a = be32(8 + body.len() as u32).to_vec();
    a.extend_from_slice(kind);
    a.extend_from_slice(body);
    a
}

/// MPEG-4 audio (M4A): ftyp, and a moov with one sound track whose mdhd gives the length.
pub fn m4a(seconds: f64) -> Vec<u8> {
    let timescale = 44_100u32;
    let duration = (seconds * 44_100.0).round() as u32;
    let mut mvhd = vec![0u8; 100];
    mvhd[12..16].copy_from_slice(&be32(1000));
    mvhd[16..20].copy_from_slice(&be32((seconds * 1000.0) as u32));
    mvhd[20..24].copy_from_slice(&be32(0x0001_0000));
    mvhd[24..26].copy_from_slice(&[1, 0]);
    mvhd[96..100].copy_from_slice(&be32(2));
    let mut mdhd = vec![0u8; 24];
    mdhd[12..16].copy_from_slice(&be32(timescale));
    mdhd[16..20].copy_from_slice(&be32(duration));
    let mut hdlr = vec![0u8; 25];
    hdlr[8..12].copy_from_slice(b"soun");
    let mdia = atom(
        b"mdia",
        &[atom(b"mdhd", &mdhd), atom(b"hdlr", &hdlr)].concat(),
    );
    let trak = atom(b"trak", &mdia);
    let moov = atom(b"moov", &[atom(b"mvhd", &mvhd), trak].concat());
    let ftyp = atom(b"ftyp", b"M4A \x00\x00\x02\x00M4A isommp42");
    [ftyp, moov, atom(b"mdat", &[0u8; 16])].concat()
}
