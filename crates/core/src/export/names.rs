//! File names that are safe on every OS: unicode kept; `/ \ : * ? " < > |` and control characters
//! replaced; no trailing dot or space, no leading dot, no reserved Windows device name; length
//! capped; duplicates numbered (case-insensitively, for macOS and Windows).

use std::collections::HashSet;

/// The longest file-name stem, in bytes. With " (9999)" and the longest extension (".m3u8",
/// ".jspf", ".xspf") a name stays under the 255-byte limit of common file systems.
pub const MAX_STEM_BYTES: usize = 200;

const REPLACEMENT: char = '_';

fn forbidden(c: char) -> bool {
    matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') || c.is_control()
}

const RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// A safe stem (no extension) for `name`; `Untitled` when nothing usable is left.
pub fn sanitize(name: &str) -> String {
    let replaced: String = name
        .chars()
        .map(|c| if forbidden(c) { REPLACEMENT } else { c })
        .collect();
    let mut s = truncate(replaced.trim(), MAX_STEM_BYTES).to_string();
    // Windows drops trailing dots and spaces; a leading dot hides the file on Unix.
    while s.ends_with(|c: char| c == '.' || c.is_whitespace()) {
        s.pop();
    }
    if s.starts_with('.') {
        s.replace_range(0..1, "_");
    }
    if s.is_empty() {
        return "Untitled".to_string();
    }
    let base_len = s.split('.').next().unwrap_or_default().trim_end().len();
    if RESERVED
        .iter()
        .any(|r| r.eq_ignore_ascii_case(&s[..base_len]))
    {
        s.insert(base_len, '_');
    }
    s
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Hands out unique file names within one export directory.
#[derive(Debug, Default)]
pub struct Namer {
    taken: HashSet<String>,
}

impl Namer {
    pub fn new() -> Namer {
        Namer::default()
    }

    /// A unique `stem.ext` for `name`: the second `Mix.csv` becomes `Mix (2).csv`.
    pub fn name(&mut self, name: &str, ext: &str) -> String {
        let stem = sanitize(name);
        let mut n = 1u64;
        loop {
            let candidate = if n == 1 {
                format!("{stem}.{ext}")
            } else {
                format!("{stem} ({n}).{ext}")
            };
            if self.taken.insert(candidate.to_lowercase()) {
                return candidate;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn examples() {
        assert_eq!(sanitize("AC/DC: Best?"), "AC_DC_ Best_");
        assert_eq!(sanitize("Ünïcødé 🎵 ネコ"), "Ünïcødé 🎵 ネコ");
        assert_eq!(sanitize("tab\there\nnew"), "tab_here_new");
        assert_eq!(sanitize("  "), "Untitled");
        assert_eq!(sanitize(".."), "Untitled");
        assert_eq!(sanitize(".hidden"), "_hidden");
        assert_eq!(sanitize("dots..."), "dots");
        assert_eq!(sanitize("con"), "con_");
        assert_eq!(sanitize("LPT1.txt"), "LPT1_.txt");
        assert_eq!(sanitize("console"), "console");
        let long = "é".repeat(300);
        let s = sanitize(&long);
        assert_eq!(s.len(), MAX_STEM_BYTES);
        assert!(long.starts_with(&s));
    }

    #[test]
    fn duplicates_are_numbered_case_insensitively() {
        let mut n = Namer::new();
        assert_eq!(n.name("Mix", "csv"), "Mix.csv");
        assert_eq!(n.name("mix", "csv"), "mix (2).csv");
        assert_eq!(n.name("Mix", "m3u8"), "Mix.m3u8");
        assert_eq!(n.name("Mi/x", "csv"), "Mi_x.csv");
        assert_eq!(n.name("Mi:x", "csv"), "Mi_x (2).csv");
        assert_eq!(n.name("Mix (2)", "csv"), "Mix (2) (2).csv");
    }

    proptest! {
        #[test]
        fn sanitized_names_are_safe(name in any::<String>()) {
            let s = sanitize(&name);
            prop_assert!(!s.is_empty());
            prop_assert!(s.len() <= MAX_STEM_BYTES + 1);
            prop_assert!(!s.chars().any(forbidden), "{s:?}");
            prop_assert!(!s.ends_with('.') && !s.ends_with(' '));
            prop_assert!(!s.starts_with('.') && s.trim() == s);
            prop_assert!(s != "." && s != "..");
            let base = s.split('.').next().unwrap_or_default().trim_end().to_string();
            prop_assert!(!RESERVED.iter().any(|r| r.eq_ignore_ascii_case(&base)));
            // Sanitizing is idempotent.
            prop_assert_eq!(sanitize(&s), s.clone());
        }

        #[test]
        fn safe_names_are_kept(name in "[\\p{L}\\p{N}][\\p{L}\\p{N} _()&'!,-]{0,40}[\\p{L}\\p{N}]") {
            prop_assume!(!RESERVED.iter().any(|r| r.eq_ignore_ascii_case(&name)));
            prop_assert_eq!(sanitize(&name), name);
        }

        #[test]
        fn numbered_names_are_unique(names in proptest::collection::vec(".{0,8}", 0..40)) {
            let mut n = Namer::new();
            let mut seen = HashSet::new();
            for name in &names {
                let f = n.name(name, "csv");
                prop_assert!(f.ends_with(".csv"));
                prop_assert!(f.len() <= 255);
                prop_assert!(seen.insert(f.to_lowercase()), "{f} twice");
            }
        }
    }
}
