//! The `/` filter: field prefixes (`artist:`, `album:`, `in:PLAYLIST`, `year:1990..1999`,
//! `added:2024`, `removed`) and the rest matched fuzzily with nucleo.

use nucleo::pattern::{CaseMatching, Normalization, Pattern};
use nucleo::{Matcher, Utf32Str, Utf32String};

use crate::store::browse::Row;

/// A parsed filter line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    /// The words without a prefix, matched fuzzily against name, artists and album.
    pub fuzzy: String,
    pub artist: Vec<String>,
    pub album: Vec<String>,
    /// `in:`: a playlist name the track is in (substring, any case).
    pub playlist: Vec<String>,
    /// `year:1990..1999` or `year:1994` (inclusive).
    pub year: Option<(i32, i32)>,
    /// `added:2024` or `added:2024-11`: a prefix of the date it was liked / played / changed.
    pub added: Option<String>,
    /// `removed`: only what is no longer in the library (otherwise it is hidden).
    pub removed: bool,
}

/// Words, with `"double quoted"` parts kept together (`artist:"daft punk"`).
fn words(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in raw.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn parse_years(v: &str) -> Option<(i32, i32)> {
    match v.split_once("..") {
        Some((a, b)) => {
            let a = if a.is_empty() {
                i32::MIN
            } else {
                a.parse().ok()?
            };
            let b = if b.is_empty() {
                i32::MAX
            } else {
                b.parse().ok()?
            };
            Some((a.min(b), a.max(b)))
        }
        None => v.parse().ok().map(|y| (y, y)),
    }
}

impl Filter {
    /// Parse a filter line. A prefix with a value that does not parse (`year:19`) is taken as
    /// not yet typed and ignored.
    pub fn parse(raw: &str) -> Filter {
        let mut f = Filter::default();
        let mut fuzzy = Vec::new();
        for w in words(raw) {
            let lower = w.to_lowercase();
            if lower == "removed" {
                f.removed = true;
            } else if let Some(v) = lower.strip_prefix("artist:") {
                if !v.is_empty() {
                    f.artist.push(v.to_string());
                }
            } else if let Some(v) = lower.strip_prefix("album:") {
                if !v.is_empty() {
                    f.album.push(v.to_string());
                }
            } else if let Some(v) = lower.strip_prefix("in:") {
                if !v.is_empty() {
                    f.playlist.push(v.to_string());
                }
            } else if let Some(v) = lower.strip_prefix("year:") {
                f.year = parse_years(v).or(f.year);
            } else if let Some(v) = lower.strip_prefix("added:") {
                if !v.is_empty() {
                    f.added = Some(v.to_string());
                }
            } else {
                fuzzy.push(w);
            }
        }
        f.fuzzy = fuzzy.join(" ");
        f
    }

    /// Whether a row passes the prefixes (not the fuzzy part). `hide_removed`: what left the
    /// library is shown only with `removed`.
    fn fields_match(&self, row: &Row, hide_removed: bool) -> bool {
        if self.removed && row.removed.is_none() {
            return false;
        }
        if hide_removed && !self.removed && row.removed.is_some() {
            return false;
        }
        let has = |field: &str, wanted: &[String]| {
            wanted.is_empty() || {
                let field = field.to_lowercase();
                wanted.iter().all(|w| field.contains(w.as_str()))
            }
        };
        if !has(&row.artist, &self.artist) || !has(&row.album, &self.album) {
            return false;
        }
        if !self.playlist.is_empty() {
            let names = row.playlists.to_lowercase();
            if !self
                .playlist
                .iter()
                .all(|w| names.split('\u{1f}').any(|n| n.contains(w.as_str())))
            {
                return false;
            }
        }
        if let Some((a, b)) = self.year
            && !row.year.is_some_and(|y| y >= a && y <= b)
        {
            return false;
        }
        if let Some(p) = &self.added
            && !row
                .added
                .as_deref()
                .is_some_and(|a| a.starts_with(p.as_str()))
        {
            return false;
        }
        true
    }
}

impl Filter {
    /// Every row this filter passes also passes `prev` (it only adds to its fuzzy part, with
    /// none of nucleo's operators that could widen it): the rows `prev` showed are enough.
    pub fn narrows(&self, prev: &Filter) -> bool {
        !prev.fuzzy.is_empty()
            && self.fuzzy.starts_with(&prev.fuzzy)
            && !self.fuzzy.contains(['!', '^', '$', '\'', '\\'])
            && self.artist == prev.artist
            && self.album == prev.album
            && self.playlist == prev.playlist
            && self.year == prev.year
            && self.added == prev.added
            && self.removed == prev.removed
    }
}

/// Where `needle` (lower case) is in `hay`, ignoring case: without allocating for ASCII text.
fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    let Some(&first) = needle.as_bytes().first() else {
        return Some(0);
    };
    if hay.is_ascii() && needle.is_ascii() {
        let n = needle.len();
        hay.as_bytes().windows(n).position(|w| {
            w[0].to_ascii_lowercase() == first && w.eq_ignore_ascii_case(needle.as_bytes())
        })
    } else {
        hay.to_lowercase().find(needle)
    }
}

/// What the fuzzy part is matched against: the name and the artists (the album is for
/// `album:`; a shorter haystack keeps a keystroke on 100,000 rows fast).
pub fn haystack(row: &Row) -> Utf32String {
    Utf32String::from(format!("{} {}", row.name, row.artist).as_str())
}

/// The rows that pass `filter`: in `order`, or best match first when there is a fuzzy part
/// (equal scores keep `order`).
pub fn apply(
    filter: &Filter,
    rows: &[Row],
    hay: &[Utf32String],
    order: &[usize],
    hide_removed: bool,
    within: Option<&[usize]>,
) -> Vec<usize> {
    // Only these rows can match (they matched a filter this one narrows).
    let mask = within.map(|w| {
        let mut m = vec![false; rows.len()];
        for &i in w {
            if let Some(b) = m.get_mut(i) {
                *b = true;
            }
        }
        m
    });
    let passes = |i: usize| {
        mask.as_ref()
            .is_none_or(|m| m.get(i).copied().unwrap_or(false))
            && rows
                .get(i)
                .is_some_and(|r| filter.fields_match(r, hide_removed))
    };
    if filter.fuzzy.is_empty() {
        return order.iter().copied().filter(|&i| passes(i)).collect();
    }
    let pattern = Pattern::parse(&filter.fuzzy, CaseMatching::Smart, Normalization::Smart);
    // Only several words need the bonus: one word typed whole already scores best.
    let typed = filter
        .fuzzy
        .contains(' ')
        .then(|| filter.fuzzy.to_lowercase());
    let score = |chunk: &[usize]| -> Vec<(u32, usize)> {
        let mut matcher = Matcher::default();
        chunk
            .iter()
            .filter_map(|&i| {
                let h: Utf32Str<'_> = hay.get(i)?.slice(..);
                let score = pattern.score(h, &mut matcher)?;
                // The words are matched one by one anywhere; a name that holds them as typed
                // (or starts with them) is what was looked for.
                let name = rows.get(i).map_or("", |r| r.name.as_str());
                let bonus = match typed.as_deref().and_then(|t| find_ci(name, t)) {
                    Some(0) => 20_000,
                    Some(_) => 10_000,
                    None => 0,
                };
                Some((score.saturating_add(bonus), i))
            })
            .collect()
    };
    let candidates: Vec<usize> = order.iter().copied().filter(|&i| passes(i)).collect();
    // Many rows: scored on every core, in order-keeping chunks (a keystroke at 100,000 rows).
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let mut scored: Vec<(u32, usize)> = if threads > 1 && candidates.len() >= PARALLEL_FROM {
        let size = candidates.len().div_ceil(threads);
        std::thread::scope(|s| {
            let handles: Vec<_> = candidates
                .chunks(size)
                .map(|chunk| s.spawn(move || score(chunk)))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        })
    } else {
        score(&candidates)
    };
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    scored.into_iter().map(|(_, i)| i).collect()
}

/// From how many candidate rows the fuzzy scoring is spread over threads.
const PARALLEL_FROM: usize = 8_192;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_words() {
        let f = Filter::parse(r#"night artist:"daft punk" year:1990..1999 in:Road removed"#);
        assert_eq!(f.fuzzy, "night");
        assert_eq!(f.artist, vec!["daft punk".to_string()]);
        assert_eq!(f.playlist, vec!["road".to_string()]);
        assert_eq!(f.year, Some((1990, 1999)));
        assert!(f.removed);
        assert_eq!(Filter::parse("year:1994").year, Some((1994, 1994)));
        assert_eq!(Filter::parse("year:19x").year, None);
        assert_eq!(Filter::parse("added:2024").added.as_deref(), Some("2024"));
    }

    #[test]
    fn narrowing_only_when_typing_on() {
        let p = |s: &str| Filter::parse(s);
        assert!(p("nig").narrows(&p("ni")));
        assert!(p("night lo").narrows(&p("night")));
        assert!(p("artist:x nig").narrows(&p("artist:x ni")));
        assert!(!p("ni").narrows(&p("nig")), "a shorter pattern widens");
        assert!(!p("ni").narrows(&p("")), "nothing typed before: all rows");
        assert!(
            !p("ni removed").narrows(&p("ni remove")),
            "a prefix changed"
        );
        assert!(!p("ni year:1990").narrows(&p("ni year:199")));
        assert!(
            !p("!nig").narrows(&p("!ni")),
            "a negation widens as it grows"
        );
        assert!(!p("ni$x").narrows(&p("ni$")));
    }

    #[test]
    fn many_rows_are_scored_in_parallel_in_the_same_order() {
        let words = ["night", "light", "nine", "moon", "neon", "gold"];
        let rows: Vec<Row> = (0..3 * PARALLEL_FROM)
            .map(|i| Row {
                id: i.to_string(),
                name: format!("{} {}", words[i % 6], words[(i / 6) % 6]),
                artist: format!("artist {}", i % 97),
                ..Row::default()
            })
            .collect();
        let hay: Vec<Utf32String> = rows.iter().map(haystack).collect();
        let order: Vec<usize> = (0..rows.len()).rev().collect();
        let got = apply(&Filter::parse("nigt"), &rows, &hay, &order, true, None);
        // The same, one row at a time.
        let pattern = Pattern::parse("nigt", CaseMatching::Smart, Normalization::Smart);
        let mut m = Matcher::default();
        let mut want: Vec<(u32, usize)> = order
            .iter()
            .filter_map(|&i| pattern.score(hay[i].slice(..), &mut m).map(|s| (s, i)))
            .collect();
        want.sort_by_key(|s| std::cmp::Reverse(s.0));
        let want: Vec<usize> = want.into_iter().map(|(_, i)| i).collect();
        assert!(want.len() > PARALLEL_FROM);
        assert_eq!(got, want);
    }

    #[test]
    fn narrowed_result_equals_a_full_filter() {
        let rows: Vec<Row> = [
            "Night Moves",
            "Nightcall",
            "Midnight City",
            "Nine",
            "Neon Nights",
        ]
        .iter()
        .enumerate()
        .map(|(i, n)| Row {
            id: i.to_string(),
            name: n.to_string(),
            ..Row::default()
        })
        .collect();
        let hay: Vec<Utf32String> = rows.iter().map(haystack).collect();
        let order: Vec<usize> = (0..rows.len()).collect();
        let mut shown = apply(&Filter::parse("n"), &rows, &hay, &order, true, None);
        let mut typed = String::from("n");
        for c in "ight".chars() {
            typed.push(c);
            let f = Filter::parse(&typed);
            let full = apply(&f, &rows, &hay, &order, true, None);
            shown = apply(&f, &rows, &hay, &order, true, Some(&shown));
            assert_eq!(shown, full, "after {typed:?}");
        }
        assert_eq!(shown.len(), 4);
    }
}
