//! Property tests: arbitrary documents, key sets and bytes never make rule
//! evaluation panic, and detail lines stay one bounded line.

use palette_oidc_check::{
    cert, discovery_url, evaluate_discovery, evaluate_discovery_body, evaluate_issuer_format,
    evaluate_jwks, evaluate_jwks_body, Policy, RuleResult, MAX_DETAIL_CHARS,
};
use proptest::prelude::*;
use serde_json::{Map, Value};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,400}".prop_map(Value::String),
        prop_oneof![
            Just("RS256"),
            Just("none"),
            Just("ES256"),
            Just("HS256"),
            Just("EdDSA"),
            Just("code"),
            Just("openid"),
            Just("S256"),
            Just("public"),
            Just("RSA"),
            Just("EC"),
            Just("OKP"),
            Just("P-256"),
            Just("Ed25519"),
            Just("sig"),
            Just("AQAB"),
            Just("AQAB=="),
            Just("https://x/"),
            Just("javascript:x"),
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((member_name(), inner), 0..12)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Member names the rules look at, plus arbitrary ones.
fn member_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "issuer",
            "authorization_endpoint",
            "token_endpoint",
            "jwks_uri",
            "response_types_supported",
            "subject_types_supported",
            "id_token_signing_alg_values_supported",
            "scopes_supported",
            "code_challenge_methods_supported",
            "mtls_endpoint_aliases",
            "userinfo_endpoint",
            "keys",
            "kty",
            "kid",
            "use",
            "alg",
            "key_ops",
            "crv",
            "n",
            "e",
            "x",
            "y",
            "d",
            "k",
            "oth",
            "x5c",
            "x5t",
            "x5t#S256",
        ])
        .prop_map(str::to_owned),
        ".{0,20}",
    ]
}

/// A JWKS-shaped value: `keys` holds objects with key-ish members.
fn arb_jwks() -> impl Strategy<Value = Value> {
    let key = prop::collection::vec((member_name(), arb_json()), 0..10)
        .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>()));
    prop::collection::vec(prop_oneof![key, arb_json()], 0..6)
        .prop_map(|keys| serde_json::json!({"keys": keys}))
}

fn assert_bounded(results: &[RuleResult]) {
    for r in results {
        assert!(r.detail.chars().count() <= MAX_DETAIL_CHARS, "{r:?}");
        assert!(!r.detail.chars().any(char::is_control), "{r:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_discovery_documents_never_panic_and_details_stay_bounded(doc in arb_json(), issuer in ".{0,200}", allow_http in any::<bool>()) {
        let policy = Policy { allow_http };
        let results = evaluate_discovery(&issuer, &doc, &policy);
        prop_assert_eq!(results.len(), 7);
        assert_bounded(&results);
        assert_bounded(&[evaluate_issuer_format(&issuer, &policy)]);
        let _ = discovery_url(&issuer);
    }

    #[test]
    fn arbitrary_key_sets_never_panic_and_details_stay_bounded(jwks in arb_jwks(), doc in arb_json()) {
        let results = evaluate_jwks(&jwks, Some(&doc));
        prop_assert_eq!(results.len(), 5);
        assert_bounded(&results);
        assert_bounded(&evaluate_jwks(&doc, None));
    }

    #[test]
    fn arbitrary_bytes_never_panic_body_rules(bytes in prop::collection::vec(any::<u8>(), 0..2048), ct in proptest::option::of(".{0,80}")) {
        let (rule, _) = evaluate_discovery_body(&bytes, ct.as_deref());
        let (jwks_rule, _) = evaluate_jwks_body(&bytes);
        assert_bounded(&[rule, jwks_rule]);
        let _ = cert::not_after_unix(&bytes);
    }

    #[test]
    fn serialized_json_documents_round_trip_through_body_rules(doc in arb_json()) {
        let bytes = doc.to_string().into_bytes();
        let (_, parsed) = evaluate_discovery_body(&bytes, Some("application/json"));
        prop_assert_eq!(parsed.is_some(), doc.is_object());
    }
}
