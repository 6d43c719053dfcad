//! The config file: template, values, edits.

use super::*;

#[test]
fn template_is_the_default_config() {
    let c: Config = toml::from_str(CONFIG_TEMPLATE).unwrap();
    assert_eq!(c, Config::default());
    // Every key of the default config appears, commented, with its default value.
    let uncommented: String = CONFIG_TEMPLATE
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(kv)
                if kv.split_once(" = ").is_some_and(|(k, _)| {
                    k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                }) =>
            {
                kv
            }
            _ => l,
        })
        .filter(|l| !l.contains("client_id = \"\""))
        .collect::<Vec<_>>()
        .join("\n");
    let c: Config = toml::from_str(&uncommented).unwrap();
    assert_eq!(c, Config::default());
    // ...and no key of the config is left undocumented.
    let defaults = toml::to_string(&Config::default()).unwrap();
    for line in defaults.lines().filter(|l| l.contains(" = ")) {
        assert!(CONFIG_TEMPLATE.contains(&format!("# {line}")), "{line}");
    }
    assert!(CONFIG_TEMPLATE.contains("# client_id = "));
}

#[test]
fn redirect_uris() {
    assert!(check_redirect_uri(DEFAULT_REDIRECT_URI).is_ok());
    assert!(check_redirect_uri("http://[::1]:9000/cb").is_ok());
    assert!(check_redirect_uri("https://example.org/cb").is_ok());
    let e = check_redirect_uri("http://localhost:8888/callback").unwrap_err();
    assert!(
        e.contains("localhost") && e.contains(DEFAULT_REDIRECT_URI),
        "{e}"
    );
    assert!(check_redirect_uri("http://example.org/cb").is_err());
    assert!(check_redirect_uri("not a url").is_err());
}

#[test]
fn invalid_values_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "[daemon]\nevery = \"soon\"\n").unwrap();
    let e = Config::load(&path).unwrap_err().to_string();
    assert!(e.contains("daemon.every"), "{e}");
    std::fs::write(&path, "redirect_uri = \"http://localhost:8888/callback\"\n").unwrap();
    let e = Config::load(&path).unwrap_err().to_string();
    assert!(e.contains("redirect_uri") && e.contains("127.0.0.1"), "{e}");
    std::fs::write(&path, "clientid = \"x\"\n").unwrap();
    let e = Config::load(&path).unwrap_err().to_string();
    assert!(e.contains("clientid"), "{e}");
    assert!(Config::load(&dir.path().join("absent.toml")).is_ok());
}

#[test]
fn enrich_key_parses_and_refuses_unknown_targets() {
    use spotsync_core::sync::EnrichTarget;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let load = |text: &str| {
        std::fs::write(&path, text).unwrap();
        Config::load(&path)
    };
    assert_eq!(load("[sync]\nenrich = []\n").unwrap().sync.enrich, []);
    assert_eq!(
        load("[sync]\nenrich = [\"albums\"]\n").unwrap().sync.enrich,
        [EnrichTarget::Albums]
    );
    let e = load("[sync]\nenrich = [\"genres\"]\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("enrich")
            && e.contains("genres")
            && e.contains("artists")
            && e.contains("albums"),
        "{e}"
    );
    let e = load("[sync]\nenrich = \"artists\"\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("enrich") && e.contains("sequence"), "{e}");
    // A list of phases that `enrich` empties entirely says so.
    let e = load("[sync]\nphases = [\"artists\"]\nenrich = [\"albums\"]\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("sync.phases") && e.contains("\"artists\"") && e.contains("sync.enrich"),
        "{e}"
    );
    assert!(load("[sync]\nphases = [\"albums\", \"artists\"]\nenrich = []\n").is_err());
    assert!(load("[sync]\nphases = [\"albums\", \"artists\"]\nenrich = [\"albums\"]\n").is_ok());
    assert!(load("[sync]\nphases = [\"albums\", \"plays\"]\nenrich = []\n").is_ok());
    // An empty list of phases names every phase there is.
    let e = load("[sync]\nphases = []\n").unwrap_err().to_string();
    for p in Phase::ALL {
        assert!(e.contains(&format!("\"{}\"", p.as_str())), "{p}: {e}");
    }
}

#[test]
fn save_client_id_writes_template_then_edits_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/config.toml");
    let c = save_client_id(&path, "abc123").unwrap();
    assert_eq!(c.client_id.as_deref(), Some("abc123"));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("# requests_per_window = 60"));

    std::fs::write(
        &path,
        "# mine\nclient_id = \"old\"\n[sync]\nrequests_per_window = 10\n",
    )
    .unwrap();
    let c = save_client_id(&path, "new1").unwrap();
    assert_eq!(c.client_id.as_deref(), Some("new1"));
    assert_eq!(c.sync.requests_per_window, 10);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("# mine\n") && !text.contains("old"),
        "{text}"
    );

    std::fs::write(&path, "[sync]\nrequests_per_window = 10\n").unwrap();
    let c = save_client_id(&path, "third").unwrap();
    assert_eq!(c.client_id.as_deref(), Some("third"));
    assert_eq!(c.sync.requests_per_window, 10);

    assert!(save_client_id(&path, "not an id").is_err());
    assert_eq!(
        Config::load(&path).unwrap().client_id.as_deref(),
        Some("third")
    );
}
