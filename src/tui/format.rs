//! Numbers, durations and cut text as shown on screen. A leaf: plain functions.

use std::time::Duration;

use ratatui::text::Line;

/// `1234567` → `1,234,567`.
pub fn fmt_count(n: u64) -> String {
    spotsync_core::plan::group(n)
}

/// Counts in little room: `9,999`, `12.3k`, `1.2M`.
pub fn fmt_compact(n: u64) -> String {
    if n < 10_000 {
        fmt_count(n)
    } else if n < 1_000_000 {
        format!("{:.1}k", n as f64 / 1000.0)
    } else {
        format!("{:.1}M", n as f64 / 1_000_000.0)
    }
}

/// Items per second.
pub fn fmt_rate(r: f64) -> String {
    if r >= 100.0 {
        format!("{r:.0}/s")
    } else if r >= 1.0 {
        format!("{r:.1}/s")
    } else {
        format!("{:.1}/m", r * 60.0)
    }
}

/// `5s`, `4m 05s`, `13h 42m`, `2d 03h`.
pub fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        3600..86_400 => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d {:02}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// A countdown to the second: `13h 42m 05s`, `4m 05s`, `12s`.
pub fn fmt_countdown(d: Duration) -> String {
    // Round up: "resuming in 0s" only when it is over.
    let s = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 {
        format!("{h}h {m:02}m {sec:02}s")
    } else if m > 0 {
        format!("{m}m {sec:02}s")
    } else {
        format!("{sec}s")
    }
}

/// A progress bar of `width` cells; dots when the fraction is unknown.
pub fn bar(ratio: Option<f64>, width: usize) -> String {
    let Some(r) = ratio else {
        return "·".repeat(width);
    };
    let filled = ((r * width as f64).round() as usize).min(width);
    let mut s = "█".repeat(filled);
    s.push_str(&"░".repeat(width - filled));
    s
}

/// `s` cut to `max` columns, ending in `…` when cut.
pub fn ellipsize_right(s: &str, max: usize) -> String {
    let width = Line::from(s).width();
    if width <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = Line::from(c.to_string()).width();
        if used + w + 1 > max {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// `s` cut to `max` columns, ending in `…` when cut: after the last whole word when that keeps
/// at least half of the room (a trailing comma or dash goes too), else inside the word. For
/// names in list columns, where a word cut in half reads as another word.
pub fn ellipsize_words(s: &str, max: usize) -> String {
    if Line::from(s).width() <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    // The longest start that leaves a column for the ellipsis.
    let mut used = 0;
    let mut end = 0;
    for (i, c) in s.char_indices() {
        let w = Line::from(c.to_string()).width();
        if used + w + 1 > max {
            break;
        }
        used += w;
        end = i + c.len_utf8();
    }
    let head = &s[..end];
    let at_boundary = s[end..].starts_with(char::is_whitespace);
    let cut = if at_boundary {
        head
    } else {
        match head.rfind(char::is_whitespace) {
            Some(i) if Line::from(&head[..i]).width() * 2 >= max => &head[..i],
            _ => head,
        }
    };
    let cut = if cut.len() < head.len() || at_boundary {
        cut.trim_end_matches(|c: char| c.is_whitespace() || ",;:-–—(".contains(c))
    } else {
        cut
    };
    // A cut that leaves nothing but punctuation keeps the characters instead.
    let cut = if cut.is_empty() { head } else { cut };
    format!("{cut}…")
}

/// Each cell cut to its column's width (`widths`, as the table lays them out) with
/// [`ellipsize_words`].
pub fn fit_cells(cells: Vec<String>, widths: &[usize]) -> Vec<String> {
    cells
        .into_iter()
        .zip(widths.iter().copied().chain(std::iter::repeat(usize::MAX)))
        .map(|(c, w)| ellipsize_words(&c, w))
        .collect()
}

/// `s` cut at the start to `max` characters, beginning with `…` when cut (paths keep their end).
pub fn ellipsize_left(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let skip = n - max + 1;
    format!("…{}", s.chars().skip(skip).collect::<String>())
}
