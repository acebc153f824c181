//! The layer blueprint: which layers exist, what each depends on, where its
//! workspace lives. Validated once, at start, with errors that name the
//! offending layer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One layer of the blueprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerSpec {
    pub name: String,
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Workspace path under the infrastructure directory; placeholders
    /// `{env}` and `{tier}`.
    pub workspace: String,
    /// Copied into the workspace when it is missing; relative paths are
    /// under the infrastructure directory. Default: `scaffold/<name>`.
    #[serde(default)]
    pub scaffold: Option<PathBuf>,
    /// Applications (manifest entries) this layer deploys.
    #[serde(default)]
    pub applications: Vec<String>,
    /// Longest a run of this layer (all its commands) may take.
    #[serde(with = "secs")]
    pub timeout: Duration,
}

mod secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_secs)
    }
}

/// Why a blueprint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlueprintError {
    #[error("layer {0:?} is defined twice")]
    Duplicate(String),
    #[error("layer {layer:?} depends on unknown layer {missing:?}")]
    UnknownDependency { layer: String, missing: String },
    #[error("layers depend on each other in a cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
    #[error("layer {layer:?}: workspace template {template:?}: {reason}")]
    BadTemplate {
        layer: String,
        template: String,
        reason: String,
    },
    #[error("unknown layer {0:?}")]
    UnknownLayer(String),
    #[error("the blueprint is not valid TOML: {0}")]
    Syntax(String),
}

/// A validated blueprint, in dependency order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blueprint {
    /// Topological order: every layer after the layers it depends on.
    ordered: Vec<LayerSpec>,
}

impl Blueprint {
    /// Validates `layers`: unique names, known dependencies, no cycles, and
    /// workspace templates that are relative, without `..`, and use only
    /// `{env}` and `{tier}`.
    pub fn new(layers: Vec<LayerSpec>) -> Result<Self, BlueprintError> {
        let mut by_name = BTreeMap::new();
        for layer in &layers {
            if by_name.insert(layer.name.clone(), layer).is_some() {
                return Err(BlueprintError::Duplicate(layer.name.clone()));
            }
            super::template::validate(&layer.workspace).map_err(|reason| {
                BlueprintError::BadTemplate {
                    layer: layer.name.clone(),
                    template: layer.workspace.clone(),
                    reason,
                }
            })?;
        }
        for layer in &layers {
            if let Some(missing) = layer.depends_on.iter().find(|d| !by_name.contains_key(*d)) {
                return Err(BlueprintError::UnknownDependency {
                    layer: layer.name.clone(),
                    missing: missing.clone(),
                });
            }
        }
        let mut ordered = Vec::with_capacity(layers.len());
        let mut state: BTreeMap<&str, bool> = BTreeMap::new(); // false: visiting, true: done
        for layer in &layers {
            visit(layer, &by_name, &mut state, &mut Vec::new(), &mut ordered)?;
        }
        Ok(Self { ordered })
    }

    /// Every layer, each after the layers it depends on.
    pub fn order(&self) -> &[LayerSpec] {
        &self.ordered
    }

    /// Every layer, each before the layers it depends on (for destroy).
    pub fn reverse_order(&self) -> Vec<&LayerSpec> {
        self.ordered.iter().rev().collect()
    }

    pub fn get(&self, name: &str) -> Option<&LayerSpec> {
        self.ordered.iter().find(|l| l.name == name)
    }

    /// The named layers in dependency order (reverse for destroy).
    pub fn select(
        &self,
        names: &[String],
        reverse: bool,
    ) -> Result<Vec<&LayerSpec>, BlueprintError> {
        if let Some(unknown) = names.iter().find(|n| self.get(n).is_none()) {
            return Err(BlueprintError::UnknownLayer(unknown.clone()));
        }
        let wanted: BTreeSet<&str> = names.iter().map(String::as_str).collect();
        let mut picked: Vec<&LayerSpec> = self
            .ordered
            .iter()
            .filter(|l| wanted.contains(l.name.as_str()))
            .collect();
        if reverse {
            picked.reverse();
        }
        Ok(picked)
    }

    /// The blueprint of the write-up, over the shipped `examples/infra` tree:
    /// `k8s` → `core` → `iam` → `jimm`, and `cos-integration` after `k8s`.
    pub fn default_layers() -> Vec<LayerSpec> {
        let layer =
            |name: &str, deps: &[&str], workspace: &str, apps: &[&str], minutes: u64| LayerSpec {
                name: name.to_owned(),
                depends_on: deps.iter().map(|d| (*d).to_owned()).collect(),
                workspace: workspace.to_owned(),
                scaffold: None,
                applications: apps.iter().map(|a| (*a).to_owned()).collect(),
                timeout: Duration::from_secs(minutes * 60),
            };
        vec![
            layer(
                "k8s",
                &[],
                "environments/k8s/prodstack/6/{tier}/{env}",
                &[],
                60,
            ),
            layer(
                "core",
                &["k8s"],
                "environments/juju/prodstack/6/{tier}/{env}-core",
                &["postgresql", "vault", "openfga", "traefik"],
                45,
            ),
            layer(
                "iam",
                &["core"],
                "environments/juju/prodstack/6/{tier}/{env}-iam",
                &[
                    "kratos",
                    "hydra",
                    "identity-platform-login-ui",
                    "hook-service",
                ],
                45,
            ),
            layer(
                "jimm",
                &["iam"],
                "environments/juju/prodstack/6/{tier}/{env}-jimm",
                &["jimm"],
                30,
            ),
            layer(
                "cos-integration",
                &["k8s"],
                "environments/juju/prodstack/6/{tier}/{env}-cos",
                &["opentelemetry-collector"],
                30,
            ),
        ]
    }

    pub fn default_blueprint() -> Result<Self, BlueprintError> {
        Self::new(Self::default_layers())
    }

    /// A blueprint without layers.
    pub fn empty() -> Self {
        Self {
            ordered: Vec::new(),
        }
    }

    /// A blueprint from its TOML form: one `[[layer]]` table per layer with
    /// `name`, `depends_on`, `workspace`, `scaffold`, `applications` and
    /// `timeout` (seconds), validated as [`Blueprint::new`] does.
    pub fn from_toml(text: &str) -> Result<Self, BlueprintError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            layer: Vec<LayerSpec>,
        }
        let file: File =
            toml::from_str(text).map_err(|e| BlueprintError::Syntax(e.message().to_owned()))?;
        Self::new(file.layer)
    }

    /// The named layers to build, in blueprint order: all of them when none
    /// are named; otherwise the named ones, which must exist and include
    /// what they depend on. Errors name the `layers` field.
    pub fn choose(&self, requested: &[String]) -> Result<Vec<String>, domain::ValidationError> {
        if requested.is_empty() {
            return Ok(self.ordered.iter().map(|l| l.name.clone()).collect());
        }
        let invalid = |m: String| domain::ValidationError::new("layers", m);
        if let Some(name) = requested.iter().find(|n| self.get(n).is_none()) {
            let known: Vec<_> = self.ordered.iter().map(|l| l.name.as_str()).collect();
            return Err(invalid(format!(
                "unknown layer {name:?} (known: {})",
                known.join(", ")
            )));
        }
        let chosen: Vec<&LayerSpec> = self
            .ordered
            .iter()
            .filter(|l| requested.contains(&l.name))
            .collect();
        for layer in &chosen {
            if let Some(missing) = layer.depends_on.iter().find(|d| !requested.contains(d)) {
                return Err(invalid(format!(
                    "{} depends on {missing}, which is not selected",
                    layer.name
                )));
            }
        }
        Ok(chosen.iter().map(|l| l.name.clone()).collect())
    }
}

fn visit<'a>(
    layer: &'a LayerSpec,
    by_name: &BTreeMap<String, &'a LayerSpec>,
    state: &mut BTreeMap<&'a str, bool>,
    path: &mut Vec<String>,
    ordered: &mut Vec<LayerSpec>,
) -> Result<(), BlueprintError> {
    match state.get(layer.name.as_str()) {
        Some(true) => return Ok(()),
        Some(false) => {
            let start = path.iter().position(|n| *n == layer.name).unwrap_or(0);
            let mut cycle = path[start..].to_vec();
            cycle.push(layer.name.clone());
            return Err(BlueprintError::Cycle(cycle));
        }
        None => {}
    }
    state.insert(&layer.name, false);
    path.push(layer.name.clone());
    for dep in &layer.depends_on {
        if let Some(dep) = by_name.get(dep) {
            visit(dep, by_name, state, path, ordered)?;
        }
    }
    path.pop();
    state.insert(&layer.name, true);
    ordered.push(layer.clone());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, deps: &[&str]) -> LayerSpec {
        LayerSpec {
            name: name.into(),
            depends_on: deps.iter().map(|d| (*d).into()).collect(),
            workspace: format!("environments/{name}/{{env}}"),
            scaffold: None,
            applications: vec![],
            timeout: Duration::from_secs(60),
        }
    }

    fn names(layers: &[&LayerSpec]) -> Vec<String> {
        layers.iter().map(|l| l.name.clone()).collect()
    }

    #[test]
    fn a_blueprint_reads_from_toml_and_is_validated() {
        let text = r#"
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
        let bp = Blueprint::from_toml(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(bp.choose(&[]).unwrap_or_default(), ["net", "app"]);
        let lonely = bp.choose(&["app".to_owned()]).err().map(|e| e.message);
        assert_eq!(
            lonely.as_deref(),
            Some("app depends on net, which is not selected")
        );
        let cyclic = text.replace("depends_on = [\"net\"]", "depends_on = [\"app\"]");
        assert!(matches!(
            Blueprint::from_toml(&cyclic),
            Err(BlueprintError::Cycle(_))
        ));
        assert!(matches!(
            Blueprint::from_toml("[[layer]]\nname = 1"),
            Err(BlueprintError::Syntax(_))
        ));
    }

    #[test]
    fn default_blueprint_orders_layers_after_their_dependencies() {
        let bp = Blueprint::default_blueprint().unwrap_or_else(|e| panic!("{e}"));
        let order: Vec<&LayerSpec> = bp.order().iter().collect();
        assert_eq!(
            names(&order),
            ["k8s", "core", "iam", "jimm", "cos-integration"]
        );
        assert_eq!(
            names(&bp.reverse_order()),
            ["cos-integration", "jimm", "iam", "core", "k8s"]
        );
    }

    #[test]
    fn cycles_are_refused_with_the_layers_named() {
        let err = Blueprint::new(vec![
            spec("a", &["c"]),
            spec("b", &["a"]),
            spec("c", &["b"]),
        ])
        .err();
        assert_eq!(
            err,
            Some(BlueprintError::Cycle(vec![
                "a".into(),
                "c".into(),
                "b".into(),
                "a".into()
            ]))
        );
    }

    #[test]
    fn unknown_dependencies_and_duplicates_are_refused() {
        let err = Blueprint::new(vec![spec("a", &["zz"])]).err();
        assert_eq!(
            err,
            Some(BlueprintError::UnknownDependency {
                layer: "a".into(),
                missing: "zz".into()
            })
        );
        let err = Blueprint::new(vec![spec("a", &[]), spec("a", &[])]).err();
        assert_eq!(err, Some(BlueprintError::Duplicate("a".into())));
    }

    #[test]
    fn bad_workspace_templates_are_refused() {
        for template in ["/abs/{env}", "x/../{env}", "x/{colour}"] {
            let mut layer = spec("a", &[]);
            layer.workspace = template.into();
            let err = Blueprint::new(vec![layer]).err();
            assert!(
                matches!(err, Some(BlueprintError::BadTemplate { .. })),
                "{template}: {err:?}"
            );
        }
    }

    #[test]
    fn selection_keeps_dependency_order_or_reverses_it() {
        let bp = Blueprint::default_blueprint().unwrap_or_else(|e| panic!("{e}"));
        let want = vec!["iam".to_owned(), "k8s".to_owned()];
        assert_eq!(
            names(&bp.select(&want, false).unwrap_or_default()),
            ["k8s", "iam"]
        );
        assert_eq!(
            names(&bp.select(&want, true).unwrap_or_default()),
            ["iam", "k8s"]
        );
        assert!(bp.select(&["nope".to_owned()], false).is_err());
    }
}
