//! All integration tests of the crate in one binary (one link). `TEST_LOG=1`
//! shows the checker's tracing output (see `docs/testing.md`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod compare;
mod fuzz;
mod http_limits;
mod http_rules;
mod pure_rules;
mod server;
mod tls;

use palette_oidc_check::{Report, Status, RULE_IDS};

/// Every rule in table order (then only `tls-cert-expiry`), `ok` matching
/// the statuses; then the rule's status, with the report on failure.
#[track_caller]
pub fn assert_rule(report: &Report, id: &str, status: Status, detail_has: &str) {
    assert_well_formed(report);
    let rule = report
        .rule(id)
        .unwrap_or_else(|| panic!("{id} missing in {report:#?}"));
    assert_eq!(rule.status, status, "{id}: {rule:?}\n{:#?}", report.rules);
    assert!(
        rule.detail.contains(detail_has),
        "{id} detail {:?} lacks {detail_has:?}",
        rule.detail
    );
}

#[track_caller]
pub fn assert_well_formed(report: &Report) {
    let ids: Vec<&str> = report.rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(&ids[..RULE_IDS.len()], RULE_IDS);
    assert!(ids[RULE_IDS.len()..]
        .iter()
        .all(|id| *id == palette_oidc_check::TLS_CERT_EXPIRY));
    assert_eq!(
        report.ok,
        report.rules.iter().all(|r| r.status != Status::Fail)
    );
    for r in &report.rules {
        assert!(r.detail.chars().count() <= palette_oidc_check::MAX_DETAIL_CHARS);
        assert!(!r.detail.contains('\n'));
    }
}

#[track_caller]
pub fn assert_all_pass(report: &Report) {
    assert_well_formed(report);
    let not_pass: Vec<_> = report
        .rules
        .iter()
        .filter(|r| r.status != Status::Pass)
        .collect();
    assert!(not_pass.is_empty(), "{not_pass:#?}");
    assert!(report.ok);
}
