//! README.md's configuration table documents every key, so the docs cannot
//! drift from the table.

use crate::config::keys::{KEYS, READ_ELSEWHERE};

/// README.md's configuration table, as (TOML cell, environment cell) token
/// lists; `_CLIENT_ID` after `PALETTE_OIDC_INTROSPECTION_URL` is short for
/// `PALETTE_OIDC_INTROSPECTION_CLIENT_ID`.
fn readme_rows() -> Vec<(Vec<String>, Vec<String>)> {
    let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"));
    let ticked = |cell: &str| -> Vec<String> {
        cell.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    };
    readme
        .lines()
        .skip_while(|line| !line.starts_with("| setting | TOML key | environment |"))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').collect();
            (ticked(cells[2]), ticked(cells[3]))
        })
        .collect()
}

fn documented(var: &str, tokens: &[String]) -> bool {
    tokens.iter().any(|token| {
        token == var
            || (token.starts_with('_')
                && var.strip_suffix(token.as_str()).is_some_and(|stem| {
                    tokens
                        .iter()
                        .any(|full| full.starts_with(&format!("{stem}_")))
                }))
    })
}

#[test]
fn the_readme_table_documents_every_key_and_variable() {
    let rows = readme_rows();
    assert!(rows.len() > 10, "README.md's configuration table not found");
    for entry in KEYS {
        for var in std::iter::once(entry.env()).chain(entry.aliases().iter().copied()) {
            assert!(
                rows.iter().any(|(_, vars)| documented(var, vars)),
                "README.md's configuration table lacks {var}"
            );
        }
        if !entry.secret() {
            assert!(
                rows.iter()
                    .any(|(keys, _)| keys.iter().any(|k| k == entry.name())),
                "README.md's configuration table lacks the TOML key {}",
                entry.name()
            );
        }
    }
    for (keys, vars) in &rows {
        for key in keys {
            assert!(
                KEYS.iter().any(|e| e.name() == key),
                "README.md documents an unknown TOML key {key}"
            );
        }
        for var in vars.iter().filter(|v| v.starts_with("PALETTE_")) {
            let known = KEYS.iter().any(|e| e.env() == var)
                || READ_ELSEWHERE.iter().any(|(known, _)| known == var);
            assert!(known, "README.md documents an unknown variable {var}");
        }
    }
}

#[test]
fn abbreviations_expand_only_against_a_full_name_in_the_same_cell() {
    let cell: Vec<String> = ["PALETTE_OPENFGA_URL", "_STORE_ID"]
        .map(str::to_owned)
        .into();
    assert!(documented("PALETTE_OPENFGA_URL", &cell));
    assert!(documented("PALETTE_OPENFGA_STORE_ID", &cell));
    assert!(!documented("PALETTE_OIDC_STORE_ID", &cell));
    assert!(!documented("PALETTE_OPENFGA_MODEL_ID", &cell));
}
