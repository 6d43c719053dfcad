//! The hot path: saved-track pages written straight into the response buffer.
//!
//! Produces the same JSON as the serde structs in [`super::render`] (a unit test compares
//! them), but writes keys and the known-safe values (ids, links on the server's own address,
//! dates) without escaping; only names go through JSON string escaping.

use std::io::Write;

use super::model::Library;
use super::render::{Ctx, Ts};

const MARKETS_JSON: &[u8] = br#"["CA","DE","ES","FR","GB","JP","SE","US"]"#;

struct W<'a> {
    out: &'a mut Vec<u8>,
    base: &'a [u8],
}

impl W<'_> {
    fn raw(&mut self, b: &[u8]) {
        self.out.extend_from_slice(b);
    }
    fn esc(&mut self, s: &str) {
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *self.out, s);
    }
    fn num(&mut self, n: impl itoa_like::Num) {
        n.write_to(self.out);
    }
    /// `"spotify":"https://open.spotify.com/{kind}/{id}"},"href":"{base}{kind}s/{id}","id":"{id}"`
    fn links(&mut self, kind: &[u8], id: &[u8]) {
        self.raw(br#""external_urls":{"spotify":"https://open.spotify.com/"#);
        self.raw(kind);
        self.raw(b"/");
        self.raw(id);
        self.raw(br#""},"href":""#);
        let base = self.base;
        self.raw(base);
        self.raw(kind);
        self.raw(b"s/");
        self.raw(id);
        self.raw(br#"","id":""#);
        self.raw(id);
        self.raw(b"\"");
    }
    fn uri(&mut self, kind: &[u8], id: &[u8]) {
        self.raw(br#""uri":"spotify:"#);
        self.raw(kind);
        self.raw(b":");
        self.raw(id);
        self.raw(b"\"");
    }
    fn artists(&mut self, lib: &Library, ids: &[u32]) {
        self.raw(b"[");
        for (i, &a) in ids.iter().enumerate() {
            if i > 0 {
                self.raw(b",");
            }
            let a = &lib.artists[a as usize];
            self.raw(b"{");
            self.links(b"artist", &a.id);
            self.raw(br#","name":"#);
            self.esc(&a.name);
            self.raw(br#","type":"artist","#);
            self.uri(b"artist", &a.id);
            self.raw(b"}");
        }
        self.raw(b"]");
    }
    fn images(&mut self, id: &[u8]) {
        self.raw(b"[");
        for (i, (px, prefix)) in [
            (&b"640"[..], &b"ab67616d0000b273"[..]),
            (b"300", b"ab67616d00001e02"),
            (b"64", b"ab67616d00004851"),
        ]
        .into_iter()
        .enumerate()
        {
            if i > 0 {
                self.raw(b",");
            }
            self.raw(br#"{"url":"https://i.scdn.co/image/"#);
            self.raw(prefix);
            self.raw(id);
            self.raw(br#"","height":"#);
            self.raw(px);
            self.raw(br#","width":"#);
            self.raw(px);
            self.raw(b"}");
        }
        self.raw(b"]");
    }
}

/// Same JSON as `render::track_full`.
fn track_full(w: &mut W<'_>, c: &Ctx<'_>, t: u32) {
    let lib = c.lib;
    let t = &lib.tracks[t as usize];
    let al = &lib.albums[t.album as usize];
    w.raw(br#"{"album":{"album_type":""#);
    w.raw(al.album_type.as_str().as_bytes());
    w.raw(br#"","total_tracks":"#);
    w.num(al.tracks.len() as u64);
    if c.extended {
        w.raw(br#","available_markets":"#);
        w.raw(MARKETS_JSON);
    }
    w.raw(b",");
    w.links(b"album", &al.id);
    w.raw(br#","images":"#);
    w.images(&al.id);
    w.raw(br#","name":"#);
    w.esc(&al.name);
    w.raw(br#","release_date":""#);
    w.raw(al.release_date.as_bytes());
    w.raw(br#"","release_date_precision":""#);
    w.raw(al.precision.as_str().as_bytes());
    w.raw(br#"","type":"album","#);
    w.uri(b"album", &al.id);
    w.raw(br#","artists":"#);
    w.artists(lib, &al.artists);
    w.raw(br#","is_playable":true},"artists":"#);
    w.artists(lib, &t.artists);
    if c.extended {
        w.raw(br#","available_markets":"#);
        w.raw(MARKETS_JSON);
    }
    w.raw(br#","disc_number":"#);
    w.num(u64::from(t.disc_number));
    w.raw(br#","duration_ms":"#);
    w.num(u64::from(t.duration_ms));
    w.raw(if t.explicit {
        br#","explicit":true"#
    } else {
        br#","explicit":false"#
    });
    w.raw(br#","external_ids":{"isrc":""#);
    w.raw(&t.isrc);
    w.raw(br#""},"#);
    w.links(b"track", &t.id);
    w.raw(br#","is_local":false,"is_playable":true,"name":"#);
    w.esc(&t.name);
    if c.extended {
        w.raw(br#","popularity":"#);
        w.num(u64::from(t.popularity));
    }
    w.raw(br#","preview_url":null,"track_number":"#);
    w.num(u64::from(t.track_number));
    w.raw(br#","type":"track","#);
    w.uri(b"track", &t.id);
    w.raw(b"}");
}

/// `GET /me/tracks` page.
pub fn saved_page(c: &Ctx<'_>, offset: usize, limit: usize) -> Vec<u8> {
    let lib = c.lib;
    let total = lib.saved.len();
    let end = (offset + limit).min(total);
    let slice = lib.saved.get(offset..end).unwrap_or(&[]);
    let mut out = Vec::with_capacity(2300 * slice.len() + 512);
    let url = format!("{}me/tracks", c.base);
    let link = |o: usize| format!("{url}?offset={o}&limit={limit}");
    let mut w = W {
        out: &mut out,
        base: c.base.as_bytes(),
    };
    w.raw(br#"{"href":"#);
    w.esc(&link(offset));
    w.raw(br#","items":["#);
    for (i, s) in slice.iter().enumerate() {
        if i > 0 {
            w.raw(b",");
        }
        w.raw(br#"{"added_at":""#);
        let _ = write!(w.out, "{}", Ts(s.added_at));
        w.raw(br#"","track":"#);
        track_full(&mut w, c, s.track);
        w.raw(b"}");
    }
    w.raw(br#"],"limit":"#);
    w.num(limit as u64);
    w.raw(br#","next":"#);
    if offset + limit < total {
        w.esc(&link(offset + limit));
    } else {
        w.raw(b"null");
    }
    w.raw(br#","offset":"#);
    w.num(offset as u64);
    w.raw(br#","previous":"#);
    if offset > 0 {
        w.esc(&link(offset.saturating_sub(limit)));
    } else {
        w.raw(b"null");
    }
    w.raw(br#","total":"#);
    w.num(total as u64);
    w.raw(b"}");
    out
}

/// Decimal integers without going through `fmt`.
mod itoa_like {
    pub trait Num {
        fn write_to(self, out: &mut Vec<u8>);
    }
    impl Num for u64 {
        fn write_to(self, out: &mut Vec<u8>) {
            let mut buf = [0u8; 20];
            let mut i = buf.len();
            let mut n = self;
            loop {
                i -= 1;
                buf[i] = b'0' + (n % 10) as u8;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            out.extend_from_slice(&buf[i..]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{GenParams, generate};
    use crate::render;

    #[test]
    fn same_json_as_the_serde_renderer() {
        let lib = generate(GenParams {
            seed: 3,
            tracks: 400,
            playlists: 2,
        });
        for extended in [false, true] {
            let c = Ctx {
                lib: &lib,
                base: "http://127.0.0.1:1234/v1/",
                cdn: "http://127.0.0.1:1234/",
                extended,
                own: true,
            };
            for (offset, limit) in [(0, 50), (50, 50), (390, 20), (500, 10)] {
                let fast: serde_json::Value =
                    serde_json::from_slice(&saved_page(&c, offset, limit)).unwrap();
                let slow: serde_json::Value =
                    serde_json::from_slice(&render::saved_page(&c, offset, limit)).unwrap();
                assert_eq!(fast, slow, "offset {offset}, extended {extended}");
            }
        }
    }
}
