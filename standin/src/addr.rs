//! Resource addresses such as `module.iam.juju_application.kratos` or
//! `openstack_compute_instance_v2.worker[2]`.

use serde_json::{json, Value};

#[derive(Debug, PartialEq)]
pub struct Addr {
    /// `module.iam` (empty for the root module).
    pub module: String,
    /// The address without the module path: `juju_application.kratos`.
    pub resource: String,
    pub rtype: String,
    pub name: String,
    /// `null`, a number or a string.
    pub key: Value,
    /// Implied provider local name: `juju`, `openstack`, `terraform`.
    pub provider: String,
}

/// Split off `module.NAME[KEY]` segments, then `TYPE.NAME[KEY]`.
pub fn parse(addr: &str) -> Addr {
    let mut rest = addr;
    let mut module_end = 0;
    while let Some(after) = rest.strip_prefix("module.") {
        let seg_len = segment_len(after);
        let consumed = "module.".len() + seg_len;
        module_end += consumed;
        rest = &rest[consumed..];
        match rest.strip_prefix('.') {
            Some(r) => {
                rest = r;
                module_end += 1;
            }
            None => break,
        }
    }
    let module = addr[..module_end].trim_end_matches('.').to_string();
    let resource = rest.to_string();
    let (rtype, tail) = rest.split_once('.').unwrap_or((rest, ""));
    let (name, key) = match tail.find('[') {
        Some(i) => (&tail[..i], parse_key(&tail[i..])),
        None => (tail, Value::Null),
    };
    let provider = rtype.split('_').next().unwrap_or(rtype).to_string();
    Addr {
        module,
        resource,
        rtype: rtype.to_string(),
        name: name.to_string(),
        key,
        provider,
    }
}

/// Length of `NAME` or `NAME[KEY]` at the start of `s` (a key may hold dots).
fn segment_len(s: &str) -> usize {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '.' if depth == 0 => return i,
            _ => {}
        }
    }
    s.len()
}

fn parse_key(bracketed: &str) -> Value {
    let inner = bracketed.trim_start_matches('[').trim_end_matches(']');
    if let Ok(n) = inner.parse::<i64>() {
        return json!(n);
    }
    json!(inner.trim_matches('"'))
}

/// Provider source address, as in `show -json`'s `provider_name`.
pub fn provider_source(local: &str) -> String {
    match local {
        "juju" => "registry.opentofu.org/juju/juju".into(),
        "openstack" => "registry.opentofu.org/terraform-provider-openstack/openstack".into(),
        "terraform" => "terraform.io/builtin/terraform".into(),
        other => format!("registry.opentofu.org/hashicorp/{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_resources_split_into_parts() {
        let a = parse("module.iam.juju_application.kratos");
        assert_eq!(a.module, "module.iam");
        assert_eq!(a.resource, "juju_application.kratos");
        assert_eq!(a.rtype, "juju_application");
        assert_eq!(a.name, "kratos");
        assert_eq!(a.key, Value::Null);
        assert_eq!(a.provider, "juju");
    }

    #[test]
    fn keys_and_nested_modules_are_parsed() {
        let a = parse("module.k8s[\"a.b\"].module.net.openstack_compute_instance_v2.worker[2]");
        assert_eq!(a.module, "module.k8s[\"a.b\"].module.net");
        assert_eq!(a.resource, "openstack_compute_instance_v2.worker[2]");
        assert_eq!(a.name, "worker");
        assert_eq!(a.key, json!(2));
        let b = parse("terraform_data.this[\"x\"]");
        assert_eq!(b.module, "");
        assert_eq!(b.key, json!("x"));
        assert_eq!(b.provider, "terraform");
    }
}
