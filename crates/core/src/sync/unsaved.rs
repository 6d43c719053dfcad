//! Finding un-saved tracks without reading every page: a pure bisection over a page source.
//!
//! Both lists are newest first and Spotify's is ours minus the removed ones, so the drift
//! `d(i)` (our position of Spotify's item `i`, minus `i`) never decreases and grows by one per
//! removal: only ranges where it grows need reading.

use std::collections::HashMap;

/// Which of `ours` (the saved tracks we hold, newest first) are gone from Spotify's list of
/// `total` items. `theirs(i)` gives the id at position `i` of Spotify's list (`None` when that
/// item has no id); its errors are passed through (the engine uses one to say "this page is not
/// fetched yet", fetches it and asks again).
///
/// `Ok(None)` when the lists do not line up (something was added too, or reordered): then only
/// a full walk can tell.
pub(crate) fn find_unsaved<E>(
    ours: &[String],
    total: u64,
    theirs: &mut impl FnMut(u64) -> Result<Option<String>, E>,
) -> Result<Option<Vec<String>>, E> {
    let pos: HashMap<&str, i64> = ours
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i as i64))
        .collect();
    let Ok(total) = i64::try_from(total) else {
        return Ok(None);
    };
    let r = ours.len() as i64 - total;
    if r <= 0 {
        return Ok(None);
    }
    let mut drift = |i: i64| -> Result<Option<i64>, E> {
        if i < 0 {
            return Ok(Some(0));
        }
        if i >= total {
            return Ok(Some(r));
        }
        let id = theirs(i as u64)?;
        Ok(id.and_then(|id| pos.get(id.as_str()).map(|p| p - i)))
    };
    let mut removed = Vec::new();
    let mut stack = vec![(-1i64, total)];
    while let Some((lo, hi)) = stack.pop() {
        let (Some(dlo), Some(dhi)) = (drift(lo)?, drift(hi)?) else {
            return Ok(None);
        };
        if dlo < 0 || dhi < dlo || dhi > r {
            return Ok(None);
        }
        if dlo == dhi {
            continue;
        }
        if hi - lo == 1 {
            let (from, to) = ((lo + dlo + 1) as usize, (hi + dhi) as usize);
            if from > to || to > ours.len() {
                return Ok(None);
            }
            removed.extend(ours[from..to].iter().cloned());
            continue;
        }
        let mid = lo + (hi - lo) / 2;
        stack.push((mid, hi));
        stack.push((lo, mid));
    }
    Ok((removed.len() as i64 == r).then_some(removed))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    const PAGE: u64 = 50;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("t{i:05}")).collect()
    }

    /// Run the bisection against `theirs` as an in-memory page source; returns the result and
    /// the pages read.
    fn run(ours: &[String], theirs: &[String]) -> (Option<Vec<String>>, BTreeSet<u64>) {
        let mut pages = BTreeSet::new();
        let res: Result<_, ()> = find_unsaved(ours, theirs.len() as u64, &mut |i| {
            pages.insert(i / PAGE);
            Ok(theirs.get(i as usize).cloned())
        });
        (res.unwrap(), pages)
    }

    #[test]
    fn finds_removals_reading_few_pages() {
        // (library size, removed positions, most pages it may read)
        let table: &[(usize, &[usize], usize)] = &[
            (1000, &[0], 6),
            (1000, &[999], 6),
            (1000, &[500], 7),
            (1000, &[10, 11, 12], 7),
            (1000, &[3, 480, 990], 15),
            (5000, &[0, 2500, 4999], 22),
            (60, &[49, 50], 2),
            (2, &[0, 1], 0),
        ];
        for &(n, removed, max_pages) in table {
            let ours = ids(n);
            let theirs: Vec<String> = ours
                .iter()
                .enumerate()
                .filter(|(i, _)| !removed.contains(i))
                .map(|(_, id)| id.clone())
                .collect();
            let (found, pages) = run(&ours, &theirs);
            let mut found = found.unwrap_or_else(|| panic!("n={n} {removed:?}: no answer"));
            found.sort();
            let want: Vec<String> = removed.iter().map(|&i| ours[i].clone()).collect();
            assert_eq!(found, want, "n={n} {removed:?}");
            assert!(
                pages.len() <= max_pages,
                "n={n} {removed:?}: read {} pages",
                pages.len()
            );
        }
    }

    #[test]
    fn lists_that_do_not_line_up_give_no_answer() {
        let ours = ids(200);
        // Nothing removed: nothing to find.
        assert_eq!(run(&ours, &ours).0, None);
        // One removed, and an id we do not hold where the bisection looks first (the middle).
        let mut theirs: Vec<String> = ours.clone();
        theirs.remove(10);
        theirs[99] = "unknown".into();
        assert_eq!(run(&ours, &theirs).0, None);
        // Our list is shorter than theirs: nothing can have been removed.
        assert_eq!(run(&ours[1..], &ours).0, None);
        // Reordered where the bisection looks.
        let mut theirs = ours[..199].to_vec();
        theirs.swap(50, 99);
        assert_eq!(run(&ours, &theirs).0, None);
        // An item without an id where the bisection needs one.
        let mut theirs: Vec<Option<String>> = ours[1..].iter().cloned().map(Some).collect();
        for t in theirs.iter_mut() {
            *t = None;
        }
        let res: Result<_, ()> = find_unsaved(&ours, theirs.len() as u64, &mut |i| {
            Ok(theirs[i as usize].clone())
        });
        assert_eq!(res.unwrap(), None);
    }

    #[test]
    fn source_errors_pass_through() {
        let ours = ids(100);
        let res = find_unsaved(&ours, 99, &mut |i| Err::<Option<String>, u64>(i / PAGE));
        assert!(res.is_err());
    }
}
