//! The layer blueprint is configuration: `PALETTE_BLUEPRINT` names a TOML
//! file, and the create form, the engine's validation and the runner all
//! use it.

use server::{Config, ServeOptions, Server};

const TWO_LAYERS: &str = r#"
[[layer]]
name = "net"
workspace = "net/{env}"
timeout = 60

[[layer]]
name = "app"
depends_on = ["net"]
workspace = "app/{env}"
applications = ["hydra"]
timeout = 60
"#;

async fn start(blueprint: &std::path::Path) -> Result<Server, server::StartError> {
    let db = testkit::sqlite();
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: Some(db.url.clone().into()),
        dev_login: true,
        blueprint: Some(blueprint.to_owned()),
        ..Config::default()
    };
    // The database file lives as long as the test process.
    std::mem::forget(db);
    Server::build(&config, &ServeOptions::default()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_configured_blueprint_is_what_environments_are_built_from() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blueprint.toml");
    std::fs::write(&path, TWO_LAYERS).unwrap();
    let server = start(&path).await.unwrap();
    let names: Vec<String> = server
        .engine()
        .layers()
        .into_iter()
        .map(|l| l.name)
        .collect();
    assert_eq!(names, ["net", "app"]);
    let addr = server.local_addr().unwrap();
    tokio::spawn(server.run(std::future::pending()));
    let layers: serde_json::Value = reqwest::get(format!("http://{addr}/_fn/list_layers"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(layers[1]["name"], "app");
    assert_eq!(layers[1]["depends_on"][0], "net");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blueprint_that_does_not_validate_stops_the_start_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cyclic.toml");
    std::fs::write(
        &path,
        TWO_LAYERS.replace(
            "workspace = \"net/{env}\"",
            "workspace = \"net/{env}\"\ndepends_on = [\"app\"]",
        ),
    )
    .unwrap();
    let err = start(&path)
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("cyclic.toml") && err.contains("cycle"),
        "{err}"
    );
    let missing = start(&dir.path().join("nowhere.toml"))
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(missing.contains("nowhere.toml"), "{missing}");
}
