//! The site's static files as cargo-leptos built them, resolved once at
//! start: which names the pages link (`pkg/palette.<hash>.js`, `.wasm`,
//! `.css` when the build hashed them, `hash-files = true` in Cargo.toml;
//! `pkg/palette.js`, … when it did not), and which of those names are
//! content-addressed and so cached for good (`http::cache`).
//!
//! cargo-leptos writes the hashes to `hash.txt` beside the server
//! executable (`target/release/hash.txt`), and Leptos's `HydrationScripts`
//! reads that file on every render. Palette finds it here instead
//! (`PALETTE_HASH_FILE`, else beside the executable), checks that every
//! file it names is in the site, and hands Leptos its absolute path, so the
//! working directory never matters and a hash file from another build is
//! an error at start rather than pages that link files that do not exist.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::Config;

/// `output-name` in Cargo.toml's `[[workspace.metadata.leptos]]`.
pub const OUTPUT_NAME: &str = "palette";
/// `site-pkg-dir`: where the wasm, its JS and the CSS are, below the site root.
pub const PKG_DIR: &str = "pkg";
/// cargo-leptos's default `hash-file-name`.
const HASH_FILE_NAME: &str = "hash.txt";

/// Why the site's assets cannot be served as the hash file says.
#[derive(Debug, thiserror::Error)]
pub enum AssetsError {
    #[error("cannot read the hash file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the hash file {path} has no `{kind}:` line (cargo-leptos writes js, wasm and css)")]
    Missing { path: PathBuf, kind: &'static str },
    #[error(
        "the hash file {hash_file} names {file}, which is not in the site; the hash file and \
         the site come from different builds (rebuild with `cargo leptos build --release`, or \
         point PALETTE_HASH_FILE and PALETTE_SITE_ROOT at the same build)"
    )]
    NotInSite { hash_file: PathBuf, file: PathBuf },
}

/// The files the pages link, by their path below `/pkg/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assets {
    /// The hash file the names come from (absolute), when the build hashed them.
    hash_file: Option<PathBuf>,
    stylesheet: String,
    /// Paths below `/pkg/` whose names carry their content's hash.
    hashed: BTreeSet<String>,
}

impl Assets {
    /// The names of an unhashed build (`cargo leptos watch`, or none at all).
    pub fn unhashed() -> Self {
        Self {
            hash_file: None,
            stylesheet: format!("{OUTPUT_NAME}.css"),
            hashed: BTreeSet::new(),
        }
    }

    /// The assets of the site under `config.site_root`, with the names in
    /// the hash file (`config.hash_file`, else `hash.txt` beside the
    /// executable) when there is one.
    pub fn load(config: &Config) -> Result<Self, AssetsError> {
        let hash_file = match &config.hash_file {
            Some(path) => Some(path.clone()),
            // cargo-leptos tells a server it runs whether it hashed the
            // names; `LEPTOS_HASH_FILES=false cargo leptos watch` leaves an
            // earlier build's hash file behind, naming files it replaced.
            None if std::env::var("LEPTOS_HASH_FILES").is_ok_and(|v| v == "false") => None,
            None => beside_executable(),
        };
        let Some(hash_file) = hash_file.filter(|path| config.hash_file.is_some() || path.exists())
        else {
            return Ok(Self::unhashed());
        };
        let hash_file = std::path::absolute(&hash_file).unwrap_or(hash_file);
        let text = std::fs::read_to_string(&hash_file).map_err(|source| AssetsError::Read {
            path: hash_file.clone(),
            source,
        })?;
        let assets = Self::from_hashes(&text, &hash_file)?;
        let pkg = config.site_root.join(PKG_DIR);
        for file in &assets.hashed {
            let path = pkg.join(file);
            if !path.is_file() {
                return Err(AssetsError::NotInSite {
                    hash_file,
                    file: path,
                });
            }
        }
        Ok(assets)
    }

    /// The names in a hash file's text (`js: <hash>` a line, as
    /// cargo-leptos writes it).
    fn from_hashes(text: &str, hash_file: &Path) -> Result<Self, AssetsError> {
        let hash = |kind: &'static str| {
            text.lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(key, _)| key.trim() == kind)
                .map(|(_, value)| value.trim())
                .filter(|value| !value.is_empty())
                .map(|value| format!("{OUTPUT_NAME}.{value}.{kind}"))
                .ok_or_else(|| AssetsError::Missing {
                    path: hash_file.to_owned(),
                    kind,
                })
        };
        let (script, wasm, stylesheet) = (hash("js")?, hash("wasm")?, hash("css")?);
        let hashed = [&script, &wasm, &stylesheet].into_iter().cloned().collect();
        Ok(Self {
            hash_file: Some(hash_file.to_owned()),
            stylesheet,
            hashed,
        })
    }

    /// The hash file for Leptos (`LeptosOptions::hash_file`), absolute,
    /// when the names are hashed.
    pub fn hash_file(&self) -> Option<&Path> {
        self.hash_file.as_deref()
    }

    /// The stylesheet's name below `/pkg/`.
    pub fn stylesheet(&self) -> &str {
        &self.stylesheet
    }

    /// The paths below `/pkg/` whose names carry their content's hash.
    pub fn hashed(&self) -> impl Iterator<Item = &str> {
        self.hashed.iter().map(String::as_str)
    }

    /// Whether `path` (below `/pkg/`) names its content: a new build gives
    /// changed content a new name, so a response for it never goes stale.
    pub fn is_hashed(&self, path: &str) -> bool {
        self.hashed.contains(path)
    }
}

/// `hash.txt` beside the running executable, where cargo-leptos puts it.
fn beside_executable() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.join(HASH_FILE_NAME))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const HASHES: &str = "js: AbC_1\nwasm: dEf-2\ncss: GhI3\n";

    fn site(hashes: &str, files: &[&str]) -> (tempfile::TempDir, Config) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("site/pkg")).unwrap();
        for file in files {
            std::fs::write(dir.path().join("site/pkg").join(file), "x").unwrap();
        }
        std::fs::write(dir.path().join("hash.txt"), hashes).unwrap();
        let config = Config {
            site_root: dir.path().join("site"),
            hash_file: Some(dir.path().join("hash.txt")),
            ..Config::default()
        };
        (dir, config)
    }

    #[test]
    fn the_hash_file_names_the_script_the_wasm_and_the_stylesheet() {
        let (dir, config) = site(
            HASHES,
            &["palette.AbC_1.js", "palette.dEf-2.wasm", "palette.GhI3.css"],
        );
        let assets = Assets::load(&config).unwrap();
        assert_eq!(assets.stylesheet(), "palette.GhI3.css");
        assert!(assets.is_hashed("palette.AbC_1.js"));
        assert!(assets.is_hashed("palette.dEf-2.wasm"));
        assert_eq!(
            assets.hash_file(),
            Some(dir.path().join("hash.txt").as_path())
        );
        assert!(assets.is_hashed("palette.GhI3.css"));
        assert!(!assets.is_hashed("palette.css"));
        assert!(!assets.is_hashed("palette.d.ts"));
    }

    #[test]
    fn a_hash_file_from_another_build_is_refused_at_start() {
        let (_dir, config) = site(HASHES, &["palette.AbC_1.js", "palette.dEf-2.wasm"]);
        let error = Assets::load(&config).unwrap_err();
        assert!(
            matches!(&error, AssetsError::NotInSite { file, .. } if file.ends_with("pkg/palette.GhI3.css")),
            "{error}"
        );
    }

    #[test]
    fn a_hash_file_without_the_stylesheet_is_refused() {
        let (_dir, config) = site("js: a\nwasm: b\n", &[]);
        let error = Assets::load(&config).unwrap_err();
        assert!(
            matches!(error, AssetsError::Missing { kind: "css", .. }),
            "{error}"
        );
    }

    #[test]
    fn a_configured_hash_file_that_is_missing_is_refused() {
        let config = Config {
            hash_file: Some(PathBuf::from("/nonexistent/hash.txt")),
            ..Config::default()
        };
        assert!(matches!(
            Assets::load(&config),
            Err(AssetsError::Read { .. })
        ));
    }

    #[test]
    fn without_a_hash_file_the_names_are_unhashed() {
        // The test binary has no hash.txt beside it.
        let assets = Assets::load(&Config::default()).unwrap();
        assert_eq!(assets, Assets::unhashed());
        assert_eq!(assets.stylesheet(), "palette.css");
        assert_eq!(assets.hash_file(), None);
        assert!(!assets.is_hashed("palette.js"));
    }
}
