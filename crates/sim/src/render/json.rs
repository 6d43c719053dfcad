//! The building blocks of every payload: links on the server's own address, `spotify:` URIs,
//! timestamps and cover art, serialized without intermediate strings.

use std::fmt::{self, Display};

use chrono::{Datelike, Timelike};
use serde::Serialize;
use serde::ser::SerializeSeq;

/// Serializes any `Display` as a JSON string without an intermediate `String`.
pub struct Disp<T>(pub T);
impl<T: Display> Serialize for Disp<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// Serialize the concatenation of `parts` as one JSON string, without allocating for the
/// short strings (links, URIs) that make up most of a page.
fn concat_str<S: serde::Serializer>(s: S, parts: &[&str]) -> Result<S::Ok, S::Error> {
    let total: usize = parts.iter().map(|p| p.len()).sum();
    if total <= 256 {
        let mut buf = [0u8; 256];
        let mut i = 0;
        for p in parts {
            buf[i..i + p.len()].copy_from_slice(p.as_bytes());
            i += p.len();
        }
        s.serialize_str(std::str::from_utf8(&buf[..i]).unwrap_or(""))
    } else {
        s.serialize_str(&parts.concat())
    }
}

/// `{base}{kind}s/{id}`
pub struct Href<'a>(pub &'a str, pub &'static str, pub &'a str);
impl Serialize for Href<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        concat_str(s, &[self.0, self.1, "s/", self.2])
    }
}

/// `spotify:{kind}:{id}`
pub struct SpUri<'a>(pub &'static str, pub &'a str);
impl Serialize for SpUri<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        concat_str(s, &["spotify:", self.0, ":", self.1])
    }
}

/// `https://open.spotify.com/{kind}/{id}`
pub struct OpenUrl<'a>(pub &'static str, pub &'a str);
impl Serialize for OpenUrl<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        concat_str(s, &["https://open.spotify.com/", self.0, "/", self.1])
    }
}

/// Unix seconds as `2026-11-20T12:00:00Z`.
pub struct Ts(pub i64);
impl Ts {
    fn write(&self, out: &mut [u8; 20]) {
        let d = chrono::DateTime::from_timestamp(self.0, 0).unwrap_or_default();
        let put = |out: &mut [u8; 20], at: usize, width: usize, mut v: u32| {
            for k in (0..width).rev() {
                out[at + k] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        *out = *b"0000-00-00T00:00:00Z";
        put(out, 0, 4, d.year().clamp(0, 9999) as u32);
        put(out, 5, 2, d.month());
        put(out, 8, 2, d.day());
        put(out, 11, 2, d.hour());
        put(out, 14, 2, d.minute());
        put(out, 17, 2, d.second());
    }
}
impl Serialize for Ts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut b = [0u8; 20];
        self.write(&mut b);
        s.serialize_str(std::str::from_utf8(&b).unwrap_or(""))
    }
}
impl Display for Ts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut b = [0u8; 20];
        self.write(&mut b);
        f.write_str(std::str::from_utf8(&b).unwrap_or(""))
    }
}

#[derive(Serialize)]
pub struct ExtUrls<'a> {
    spotify: OpenUrl<'a>,
}
pub(crate) fn ext<'a>(kind: &'static str, id: &'a str) -> ExtUrls<'a> {
    ExtUrls {
        spotify: OpenUrl(kind, id),
    }
}

/// Three sizes of cover art derived from the id (Spotify's size prefixes).
pub struct Images<'a>(pub &'a str);
impl Serialize for Images<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Image<'a> {
            url: ImageUrl<'a>,
            height: u32,
            width: u32,
        }
        struct ImageUrl<'a>(&'static str, &'a str);
        impl Serialize for ImageUrl<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                concat_str(s, &["https://i.scdn.co/image/", self.0, self.1])
            }
        }
        let mut seq = s.serialize_seq(Some(3))?;
        for (px, prefix) in [
            (640, "ab67616d0000b273"),
            (300, "ab67616d00001e02"),
            (64, "ab67616d00004851"),
        ] {
            seq.serialize_element(&Image {
                url: ImageUrl(prefix, self.0),
                height: px,
                width: px,
            })?;
        }
        seq.end()
    }
}
