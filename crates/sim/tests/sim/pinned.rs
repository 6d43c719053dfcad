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
    let mut covers: Vec<_> = lib.covers.iter().map(|(id, c)| (id, &c.hash)).collect();
    covers.sort();
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
        ("covers", digest(&[&covers])),
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
    library: &'static [(&'static str, &'static str)],
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
        "    Pinned {{\n        params: params({}, {}, {}),\n        library: &[\n{parts}        ],\n        \
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
        library: &[
            ("users", "306f8a4fe9325d1c875bf2ba1a0be7898988475bf53b44d667ba49dd8fe6ba0d"),
            ("artists", "746dd7c3cb0d9bf3eb6efa8714982c36491ec593a8311236fdb590e2a3fdacce"),
            ("albums", "d816e75cc47ae6e22adb2d77897ff68834e267eda0173278f940bc50dc4b86d5"),
            ("tracks", "ff28bd61cb5c26633b1fa7e473c2ec7a832442fea29ed9f3b4da9760cf03e821"),
            ("saved", "56d3059e8a9d40863d55dccd22f8523eb58344a49552689cec18c341b98bd40b"),
            ("podcasts", "8dc46b6e88beaa25ecd3dc8a035a1efd4158b21861d3f98836284eebc6a1dfc8"),
            ("playlists", "83ee30186cd8ad1f6462235305f80a67f0ac7af43795a582378d51c3faa25e5d"),
            ("plays", "2436eb0f8f92153f92196261481de7b85bf3a7f8f667f6371144a19e025e943d"),
            ("collections", "9e8978a7f2d08df8180b5f536939814e89cd65a6b31575fa7babc4379be08688"),
            ("indexes", "82751d7f2e8c38c53377287d8bb0c76e08735dcc3e116091c73eba0281acf2b6"),
            ("covers", "b75d674eb2c5baf744b97546d86836612db9953fd1254ce168340c83c3b17962"),
            ("truth", "1114317a177e38475ca5e0d005092a5400af3dde7eaa173edbad43b09bc8a8b2"),
        ],
        export: "6f23490ec8501067e4faa940ef3b8cceb05d8fffca8763a6e5ef01b0646ec831",
        summary: ExportSummary { extended_rows: 486, account_rows: 123, api_plays: 80 },
    },
    Pinned {
        params: params(42, 180, 12),
        library: &[
            ("users", "306f8a4fe9325d1c875bf2ba1a0be7898988475bf53b44d667ba49dd8fe6ba0d"),
            ("artists", "d0b416ecc5980a22c2122c6246af0e499576182426895df61d2f7776f0af6ee1"),
            ("albums", "5f59c62bca8e37e0c4bdf725911328c5e3105e0fc8cc26464e181cfd3f3a3440"),
            ("tracks", "8884c5ca24e6ea9e6900c1fe92736580f418c3982a6b0131fe0c1c636c546852"),
            ("saved", "b18c44b42a18c572c75cfcfe721c070b816d1612ccb242df46148e82e445103a"),
            ("podcasts", "81098fa434ccae727eb69d6c71c5db83585539a46c48ea9c60492360334dc8de"),
            ("playlists", "751ee7051e2e8de892ba816b3f17d6f44e14f2e5c72580c3ea33cc051726e91a"),
            ("plays", "d7da5970a84be5c1c298f2ea952aa108e2daf6941bce35a52198489f33a6eec6"),
            ("collections", "4d03912f7eecfc3b8fd64645243960a1b0c7cd1a98ef745dc85b4b817bd6b553"),
            ("indexes", "4e874efe158d15d2c67f7e060fc8a133449d7411fe906c594fae2c1ae5319edb"),
            ("covers", "9df30e105d772f37f511d9c9c4db75b66554b87fb4360a581b61c91ccbd540a8"),
            ("truth", "e59d9e1c8323909aeea2bf3bcd7466001243dc855131cde09af5a3b8c4ac8d20"),
        ],
        export: "615a8a3b86eba8a8afec5084cbda94414c6fed5dca6a6110fc4e2f4aa6cd2ad5",
        summary: ExportSummary { extended_rows: 486, account_rows: 123, api_plays: 80 },
    },
    Pinned {
        params: params(7, 500, 3),
        library: &[
            ("users", "895ff8556f91efb37809a2267ad77c4a626258ce85a93e9f4a48a30ce65923d6"),
            ("artists", "d0f1df355ece97e3e1984e3d7caece79bd567f08ed4b1c8a363d3d735275e8d1"),
            ("albums", "cde6d52bfd6b5356b26faeb8fa00e0d5819fa6592734bff880767d40849070bf"),
            ("tracks", "fe1adb12b82a9cbd4bf329c6a29c51564e93b6caffe61fef507dd2e4ce91d11f"),
            ("saved", "5e5541723c05d09e5c7d1c3006c6363652f89e4040e23b3e0668bbb8967ad47c"),
            ("podcasts", "426daa2a3b7a7ceb35b6b22a31b15dbc0f3a7f7594d030362954d6c467499518"),
            ("playlists", "197ac7d3d6170ddd9c30b33764fc3b3f289860abc59f0601ecce3243346a5936"),
            ("plays", "f84469157355d91269a861245d34cb5335c30320c73fa1eda58d20eb1319c95c"),
            ("collections", "c806153ce50b86dd4ff6f8a1df204f1d0cc7b17765334cf179fea585afe79f58"),
            ("indexes", "7549fdb1ef2c2fac756252c37c47e70724a3746ba1c69f4b713a6d5a08aaa0e8"),
            ("covers", "37517e5f3dc66819f61f5a7bb8ace1921282415f10551d2defa5c3eb0985b570"),
            ("truth", "9fd352c430596f449d8929d1281859106eeba18fe8a85c2c4e95426c45671c25"),
        ],
        export: "3c230f7e2376df110b3651901ff44f46c3b34f3a3b63916ad92c44f77f3369ff",
        summary: ExportSummary { extended_rows: 486, account_rows: 123, api_plays: 80 },
    },
    Pinned {
        params: params(1, 0, 0),
        library: &[
            ("users", "6dd1ea95f9d46d16e1e55d3ff000970da9d0761c95011f7388ca73b9a5ce2477"),
            ("artists", "5f059cd6e1009dddef5add6606f607ce51997b8defc703509352d9651281a153"),
            ("albums", "7ae78af59726b989184178460c19f2f5d85e5ad2c0152545e7c358fa3b5c7eda"),
            ("tracks", "8164103c85d0654895b661c2429914c1912365c7e64c9acd266790f8f39caa37"),
            ("saved", "37517e5f3dc66819f61f5a7bb8ace1921282415f10551d2defa5c3eb0985b570"),
            ("podcasts", "1afdc80b5ff13303158548bf655a900cb821ac044347d066ab08827050429a7c"),
            ("playlists", "37517e5f3dc66819f61f5a7bb8ace1921282415f10551d2defa5c3eb0985b570"),
            ("plays", "0beaa48f8ff37e00006c1af0f794123c761219c5ba245c70efb393a93223c2f4"),
            ("collections", "5d897691e1db7e064fc9a17b438f900843215a56136dc110d581fcb468e55252"),
            ("indexes", "1a7612982c05016b700ed74ea9dd8dd2deee77216c10da4c4895719c8e519025"),
            ("covers", "37517e5f3dc66819f61f5a7bb8ace1921282415f10551d2defa5c3eb0985b570"),
            ("truth", "f7f9cf5cd3ef56b60227e282e594354de318823f453c070b3f662a0e60afc398"),
        ],
        export: "e16ea32ef7404df46b942a89e57317f0677fe067376e444c2a2c34b594b7762a",
        summary: ExportSummary { extended_rows: 486, account_rows: 123, api_plays: 80 },
    },
];

#[test]
fn the_same_seed_generates_the_pinned_library_and_export() {
    assert_eq!(PINNED.len(), 4);
    // Every pin is checked before failing, so that one run names every change.
    let mut failures = Vec::new();
    for pin in PINNED {
        let lib = generate(pin.params);
        let library = library_digests(&lib);
        let (export, summary) = export_digest(&lib);
        let expected: Vec<(&str, String)> = pin
            .library
            .iter()
            .map(|(k, v)| (*k, v.to_string()))
            .collect();
        // A part missing from the pin counts as changed.
        let mut changed: Vec<&str> = library
            .iter()
            .filter(|part| !expected.contains(part))
            .map(|part| part.0)
            .collect();
        if export != pin.export || summary != pin.summary {
            changed.push("export");
        }
        if !changed.is_empty() {
            failures.push(format!(
                "{:?} generated another {} than pinned; now:\n{}",
                pin.params,
                changed.join(", "),
                as_source(pin.params, &library, &export, summary)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
