//! The module layering of this crate, checked: the leaves import nothing of
//! the crate, `metrics` nothing but leaves, and `auth` never the router or
//! the state it is mounted on (so `auth` and `http` cannot import each
//! other again).

use std::path::{Path, PathBuf};

fn sources(under: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(under);
    if root.is_file() {
        return vec![root];
    }
    let mut found = Vec::new();
    let mut pending = vec![root];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for path in entries.flatten().map(|e| e.path()) {
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                found.push(path);
            }
        }
    }
    found
}

/// Lines of code (not comments) in `under` that name one of `forbidden`.
fn offenders(under: &str, forbidden: &[&str]) -> Vec<String> {
    let mut lines = Vec::new();
    for path in sources(under) {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for line in text.lines() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            if forbidden.iter().any(|f| code.contains(f)) {
                lines.push(format!("{}: {code}", path.display()));
            }
        }
    }
    lines
}

#[test]
fn the_error_request_id_and_forwarded_modules_are_leaves() {
    for leaf in ["error.rs", "request_id.rs", "forwarded.rs"] {
        let found = offenders(leaf, &["crate::"]);
        assert!(found.is_empty(), "{found:#?}");
    }
}

#[test]
fn metrics_import_nothing_of_the_server() {
    let found = offenders("metrics", &["crate::", "axum"]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn auth_never_imports_the_router_or_the_app_state() {
    let found = offenders("auth", &["crate::http", "crate::state", "AppState"]);
    assert!(found.is_empty(), "{found:#?}");
}
