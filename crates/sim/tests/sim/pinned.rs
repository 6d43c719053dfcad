//! The generated library and its data export, pinned: the same seed and sizes give exactly these
//! bytes. A change to the generator that moves a single random draw changes a digest here, so a
//! refactoring of the generator proves it changed nothing; a deliberate change of the library
//! updates the table below (and says so in its commit).

use std::fmt::Debug;
use std::io::Read;

use sha2::{Digest, Sha256};
use spotsync_sim::export_zip::{ExportSummary, write_export_zip};
use spotsync_sim::generate::{GenParams, generate};
use spotsync_sim::model::Library;

/// The SHA-256 of `parts`, each written as Rust's `Debug` prints it, in hex.
fn digest(parts: &[&dyn Debug]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(format!("{p:?}\n").as_bytes());
    }
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The digest of each part of the library, so a failure names the part that changed.
fn library_digests(lib: &Library) -> Vec<(&'static str, String)> {
    let indexes: Vec<_> = [&lib.track_index, &lib.album_index, &lib.artist_index]
        .iter()
        .map(|m| {
            let mut v: Vec<_> = m.iter().collect();
            v.sort();
            v
        })
        .collect();
    vec![
        ("users", digest(&[&lib.users, &lib.account_id])),
        ("artists", digest(&[&lib.artists])),
        ("albums", digest(&[&lib.albums])),
        ("tracks", digest(&[&lib.tracks])),
        ("saved", digest(&[&lib.saved])),
        ("podcasts", digest(&[&lib.shows, &lib.episodes])),
        ("playlists", digest(&[&lib.playlists])),
        ("plays", digest(&[&lib.plays])),
        (
            "collections",
            digest(&[
                &lib.audiobooks,
                &lib.saved_albums,
                &lib.followed_artists,
                &lib.saved_shows,
                &lib.saved_episodes,
                &lib.saved_audiobooks,
                &lib.top_artists,
                &lib.top_tracks,
            ]),
        ),
        ("indexes", digest(&[&indexes])),
        (
            "truth",
            hex(&Sha256::digest(
                serde_json::to_vec(&lib.truth()).expect("truth serializes"),
            )),
        ),
    ]
}

/// The export's entries (name and uncompressed bytes, in archive order) and its summary. The
/// archive's own bytes are compared between two writes, not pinned: the compressor is another
/// crate's business.
fn export_digest(lib: &Library) -> (String, ExportSummary) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let (a, b) = (dir.path().join("a.zip"), dir.path().join("b.zip"));
    let summary = write_export_zip(lib, &a).expect("export written");
    assert_eq!(write_export_zip(lib, &b).expect("export written"), summary);
    let bytes = std::fs::read(&a).expect("export read");
    assert_eq!(
        bytes,
        std::fs::read(&b).expect("export read"),
        "same bytes twice"
    );
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
    let mut h = Sha256::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).expect("entry");
        let mut content = Vec::new();
        entry.read_to_end(&mut content).expect("entry read");
        let name = entry.name().expect("entry name").to_string();
        h.update(format!("{name} {}\n", content.len()).as_bytes());
        h.update(&content);
    }
    (hex(&h.finalize()), summary)
}

struct Pinned {
    params: GenParams,
    library: [(&'static str, &'static str); 11],
    export: &'static str,
    summary: ExportSummary,
}

const fn params(seed: u64, tracks: usize, playlists: usize) -> GenParams {
    GenParams {
        seed,
        tracks,
        playlists,
    }
}

/// What `pin` would read if the generator's output were pinned today (Rust source, to paste
/// into [`PINNED`] after a deliberate change).
fn as_source(p: GenParams, library: &[(&str, String)], export: &str, s: ExportSummary) -> String {
    let parts: String = library
        .iter()
        .map(|(k, v)| format!("            (\"{k}\", \"{v}\"),\n"))
        .collect();
    format!(
        "    Pinned {{\n        params: params({}, {}, {}),\n        library: [\n{parts}        ],\n        \
         export: \"{export}\",\n        summary: ExportSummary {{ extended_rows: {}, account_rows: {}, \
         api_plays: {} }},\n    }},",
        p.seed, p.tracks, p.playlists, s.extended_rows, s.account_rows, s.api_plays
    )
}

/// The libraries the simulator's users see: `spotsync simulate`'s and the demo's default (42,
/// 2000, 20), the tests' small one (42, 180, 12), another seed with a few playlists, and the
/// empty edge.
#[rustfmt::skip]
const PINNED: &[Pinned] = &[
    Pinned {
        params: params(42, 2000, 20),
        library: [
            ("users", "306f8a4fe9325d1c875bf2ba1a0be7898988475bf53b44d667ba49dd8fe6ba0d"),
            ("artists", "746dd7c3cb0d9bf3eb6efa8714982c36491ec593a8311236fdb590e2a3fdacce"),
            ("albums", "554eb0796b47de6175906d469cb6c8e65e8a707abe4677c40d4a0b73a97cd3bd"),
            ("tracks", "784f3af55266fee7de87386177791813ca3c65f8453710e1af1085b867dcba46"),
            ("saved", "56d3059e8a9d40863d55dccd22f8523eb58344a49552689cec18c341b98bd40b"),
            ("podcasts", "8dc46b6e88beaa25ecd3dc8a035a1efd4158b21861d3f98836284eebc6a1dfc8"),
            ("playlists", "83ee30186cd8ad1f6462235305f80a67f0ac7af43795a582378d51c3faa25e5d"),
            ("plays", "2436eb0f8f92153f92196261481de7b85bf3a7f8f667f6371144a19e025e943d"),
            ("collections", "780a926d8e400cceb41093f396fb91b32e9bc2cffb897662c04680d0fd470166"),
            ("indexes", "77d0992ce7546467d18e519845294665acb2c34e9437a98e9ad3097e0c3ceb34"),
            ("truth", "e90d338cf167605efa5472fda7b6f4703e7834be2209f80099001333a2bb46d7"),
        ],
        export: "76b025fa52192a05b0af0289ca44d05191ca6bd1855b3dfc8f62ffe638174362",
        summary: ExportSummary { extended_rows: 486, account_rows: 123, api_plays: 80 },
    },
    Pinned {
        params: params(42, 180, 12),
        library: [
            ("users", "306f8a4fe9325d1c875bf2ba1a0be7898988475bf53b44d667ba49dd8fe6ba0d"),
            ("artists", "d0b416ecc5980a22c2122c6246af0e499576182426895df61d2f7776f0af6ee1"),
            ("albums", "f5768ad0ee000ee617bff47210753ad3af68554abc1e29c88f5eee4121f8bfb8"),
            ("tracks", "57c178385191994afdf640386c18a5f4f76ba8dcf49e3d2be350b25b5e7fe423"),
            ("saved", "b18c44b42a18c572c75cfcfe721c070b816d1612ccb242df46148e82e445103a"),
            ("podcasts", "81098fa434ccae727eb69d6c71c5db83585539a46c48ea9c60492360334dc8de"),
            ("playlists", "751ee7051e2e8de892ba816b3f17d6f44e14f2e5c72580c3ea33cc051726e91a"),
            ("plays", "d7da5970a84be5c1c298f2ea952aa108e2daf6941bce35a52198489f33a6eec6"),
            ("collections", "8b1a6a45f5c6079a528c4f2a5d7dc9459ec9b05ace6cf06c9680d33e4e60bc45"),
            ("indexes", "b001e575bb98f86dea64e7d8a198118441d58de0404f66c0eba23e952e2604e9"),
            ("truth", "60695478848bbe42449d15f0a2e11251420069600db0ebf4943e2f0df53319de"),
        ],
        export: "392c0bffed984759a8e1cf2832475630db4f9c05edb1182f41ed98963c9c4783",
        summary: ExportSummary { extended_rows: 486, account_rows: 123, api_plays: 80 },
    },
    Pinned {
        params: params(7, 500, 3),
        library: [
            ("users", "895ff8556f91efb37809a2267ad77c4a626258ce85a93e9f4a48a30ce65923d6"),
            ("artists", "d0f1df355ece97e3e1984e3d7caece79bd567f08ed4b1c8a363d3d735275e8d1"),
            ("albums", "c74829719e9c43ea13694dbd310b5fc6fd355dc6fca09ddb7e6e85278fdc8004"),
            ("tracks", "b9fb25a0f4e78a7ee0b6decbe08fe0253485269764b02ac782a647ffa8ab8b3c"),
            ("saved", "5e5541723c05d09e5c7d1c3006c6363652f89e4040e23b3e0668bbb8967ad47c"),
            ("podcasts", "426daa2a3b7a7ceb35b6b22a31b15dbc0f3a7f7594d030362954d6c467499518"),
            ("playlists", "197ac7d3d6170ddd9c30b33764fc3b3f289860abc59f0601ecce3243346a5936"),
            ("plays", "f84469157355d91269a861245d34cb5335c30320c73fa1eda58d20eb1319c95c"),
            ("collections", "ed3ae73c21bd0802ee51561222d29e299ece69bd18bcc549742746fc8be0a496"),
            ("indexes", "e5d292e1209beea918570484cf8936eb818d4bc2f91573299232700389d685bd"),
            ("truth", "5f8775fe419ebe6909a09171a4879085ef22d0a70db1694e4e1f7881d359af40"),
        ],
        export: "75767d0b80262e11cf27a5642037f698e62dfd6a503509a44c581a731be433f8",
        summary: ExportSummary { extended_rows: 486, account_rows: 123, api_plays: 80 },
    },
    Pinned {
        params: params(1, 0, 0),
        library: [
            ("users", "6dd1ea95f9d46d16e1e55d3ff000970da9d0761c95011f7388ca73b9a5ce2477"),
            ("artists", "5f059cd6e1009dddef5add6606f607ce51997b8defc703509352d9651281a153"),
            ("albums", "85b25cc12b9270af0d3f532a4b0b66ae2f04cfa80408d8d0ce0aedb9fd7a0688"),
            ("tracks", "d86b1b9d9f19b079a954a2343a9a2cec775434ae3a7d1ae843db285f51a28324"),
            ("saved", "37517e5f3dc66819f61f5a7bb8ace1921282415f10551d2defa5c3eb0985b570"),
            ("podcasts", "1afdc80b5ff13303158548bf655a900cb821ac044347d066ab08827050429a7c"),
            ("playlists", "37517e5f3dc66819f61f5a7bb8ace1921282415f10551d2defa5c3eb0985b570"),
            ("plays", "0beaa48f8ff37e00006c1af0f794123c761219c5ba245c70efb393a93223c2f4"),
            ("collections", "4f607b8895ce18ec0d362a801771a06850f6bb85667c5a2ac66d59768b8e8a04"),
            ("indexes", "2b3bee92a80f56206e95f26826c8d36aad0a51b9fcabb649464a557885d1fb8c"),
            ("truth", "7c506220c8d33cbb6290e7d313d942c38cefd2e901be7213b23ef8509dc0665d"),
        ],
        export: "d444d3500c9c161a1d67c28c21de77a94a06371a746fedd9869f79fa89b9d622",
        summary: ExportSummary { extended_rows: 486, account_rows: 123, api_plays: 80 },
    },
];

#[test]
fn the_same_seed_generates_the_pinned_library_and_export() {
    assert_eq!(PINNED.len(), 4);
    for pin in PINNED {
        let lib = generate(pin.params);
        let library = library_digests(&lib);
        let (export, summary) = export_digest(&lib);
        let expected: Vec<(&str, String)> = pin
            .library
            .iter()
            .map(|(k, v)| (*k, v.to_string()))
            .collect();
        let mut changed: Vec<&str> = library
            .iter()
            .zip(&expected)
            .filter(|(a, b)| a != b)
            .map(|(a, _)| a.0)
            .collect();
        if export != pin.export || summary != pin.summary {
            changed.push("export");
        }
        assert!(
            changed.is_empty(),
            "{:?} generated another {} than pinned; now:\n{}",
            pin.params,
            changed.join(", "),
            as_source(pin.params, &library, &export, summary)
        );
    }
}
