//! The saved albums of the replayed account, exported: each with when it was saved and the
//! track list its recording carried.

use spotsync::cli::SimMode;

use crate::mirror::library_id;
use crate::replay::full_sync;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_saved_albums_are_exported_with_their_track_lists() {
    let Some(s) = full_sync(SimMode::Dev).await else {
        return;
    };
    assert_eq!(s.out.code, Some(0), "stderr: {}", s.out.stderr);
    let out_dir = s.env.dir.path().join("export");
    let out = s
        .env
        .run(
            &s.sim,
            &[
                "export",
                "albums",
                "--format",
                "json",
                "--out",
                out_dir.to_str().unwrap(),
            ],
        )
        .await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let file = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("a JSON file");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    let albums = doc["albums"].as_array().expect("albums");
    for saved in &s.account.saved_albums {
        let recorded = &saved["album"];
        let id = recorded["id"].as_str().unwrap();
        let a = albums
            .iter()
            .find(|a| a["id"] == id)
            .unwrap_or_else(|| panic!("saved album {id} exported"));
        assert_eq!(a["saved_at"], saved["added_at"], "album {id}");
        let want: Vec<String> = recorded["tracks"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| library_id(t).unwrap())
            .collect();
        let got: Vec<String> = a["tracks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, want, "album {id}: its track list");
    }
}
