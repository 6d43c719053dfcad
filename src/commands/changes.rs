//! `spotsync changes`: the change journal.

use color_eyre::eyre::{Result, eyre};

use super::*;
use crate::cli::{ChangesArgs, GlobalArgs};
use crate::exit;

fn parse_since(s: &str) -> Result<String> {
    super::dates::parse_date("--since", s, super::dates::DayEdge::Start).map_err(|e| eyre!(e))
}

/// `spotsync changes`.
pub async fn run(global: &GlobalArgs, args: &ChangesArgs) -> Result<i32> {
    let (paths, _config) = setup(global)?;
    let since = args.since.as_deref().map(parse_since).transpose()?;
    let filter = spotsync_core::store::journal::ChangeFilter {
        since,
        run: args.run,
        limit: args.limit,
    };
    let db = paths.db;
    let changes = blocking(move || {
        let Some(conn) = spotsync_core::store::open_read_only(&db)? else {
            return Ok(None);
        };
        Ok(Some(conn.sql().changes(&filter)?))
    })
    .await?;
    let Some(changes) = changes else {
        if args.json {
            outln!("[]");
        } else {
            outln!("No sync yet.");
        }
        return Ok(exit::OK);
    };
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&changes)?);
        return Ok(exit::OK);
    }
    if changes.is_empty() {
        outln!("No changes recorded.");
    }
    for c in &changes {
        let what = c.describe();
        outln!(
            "{}  #{:<4} {:<11} {:<24} {}",
            c.changed_at,
            c.sync_history_id.map(|i| i.to_string()).unwrap_or_default(),
            c.entity_type.replace('_', " "),
            what,
            c.label()
        );
    }
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;

    #[test]
    fn since_accepts_dates_and_rfc3339_times() {
        assert_eq!(parse_since("2026-11-20").unwrap(), "2026-11-20T00:00:00Z");
        assert_eq!(
            parse_since("2026-11-20T12:00:00+02:00").unwrap(),
            "2026-11-20T10:00:00Z"
        );
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-02-30",
            "20261120",
            "-1",
        ] {
            let e = parse_since(bad).unwrap_err().to_string();
            assert!(e.contains("--since"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn since_never_panics() {
        let edges = [
            "9999-12-31T23:59:59-23:59",
            "0000-01-01T00:00:00+23:59",
            "+262143-12-31",
            "-262144-01-01",
            "2026-11-20T24:00:00Z",
            "2026-11-20T23:59:60Z",
            "2026-11-20T12:00:00.999999999999999999Z",
            "\u{0}\u{ffff}",
            "２０２６-１１-２０",
        ];
        for s in edges {
            drop(parse_since(s));
        }
        let alphabet: Vec<char> = "0123456789-+:TZtz. _\u{e9}\u{1f600}".chars().collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(14);
        for _ in 0..20_000 {
            let len = rng.random_range(0..32);
            let s: String = (0..len)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())])
                .collect();
            drop(parse_since(&s));
        }
    }
}
