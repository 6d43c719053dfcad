//! Estimates of what tracks not read yet bring to enrich: distinct albums and artists grow with
//! the tracks by Heaps' law, from the best sample at hand.

use super::*;

/// What estimates of the albums and artists new tracks bring grow from: the mirror (its
/// catalog is already stored), else the probe's sample (part of the tracks to read), else an
/// assumed sample.
pub(super) fn growth_sample(s: &Snapshot) -> (TrackSample, bool, &'static str) {
    let c = s.catalog;
    if c.tracks >= u64::from(PAGE) {
        let sample = TrackSample {
            tracks: c.tracks,
            albums: c.albums,
            artists: c.artists,
        };
        return (
            sample,
            true,
            "grown from the mirror's albums and artists per track",
        );
    }
    if let Some(x) = s
        .probe
        .as_ref()
        .and_then(|p| p.sample)
        .filter(|x| x.tracks > 0)
    {
        return (x, false, "grown from the first page of saved tracks");
    }
    (
        DEFAULT_SAMPLE,
        false,
        "assumed: no sample of the library yet",
    )
}

/// Distinct items (`distinct` among `sampled` tracks) that `incoming` tracks bring, by Heaps'
/// law with exponent `beta`: on top of the sample when it is `stored` already, else in all
/// (the sample is part of the incoming tracks). At most one per incoming track and item of the
/// sample's tracks.
pub(crate) fn heaps(sampled: u64, distinct: u64, incoming: u64, stored: bool, beta: f64) -> u64 {
    if sampled == 0 || incoming == 0 {
        return 0;
    }
    let (n, d) = (sampled as f64, distinct as f64);
    let est = if stored {
        d * ((n + incoming as f64) / n).powf(beta) - d
    } else {
        d * (incoming.max(sampled) as f64 / n).powf(beta)
    };
    let per_track = (d / n).max(1.0);
    let cap = incoming as f64 * per_track;
    est.clamp(0.0, cap).round() as u64
}
