use super::*;

const TF_PLAN: &str = include_str!("../../testdata/terraform-1.11.4-plan.jsonl");
const TF_APPLY: &str = include_str!("../../testdata/terraform-1.11.4-apply.jsonl");
const TF_PLAN_ERROR: &str = include_str!("../../testdata/terraform-1.11.4-plan-error.jsonl");
const TOFU_PLAN: &str = include_str!("../../testdata/tofu-1.12.6-plan.jsonl");
const TOFU_PLAN_ERROR: &str = include_str!("../../testdata/tofu-1.12.6-plan-error.jsonl");

fn read(text: &str) -> Vec<Line> {
    text.lines().map(classify).collect()
}

fn kinds(lines: &[Line]) -> Vec<&str> {
    lines
        .iter()
        .map(|l| match &l.kind {
            Kind::Text => "text",
            Kind::Command => "command",
            Kind::Palette => "palette",
            Kind::Message => "message",
            Kind::Diagnostic(_) => "diagnostic",
            Kind::Change { drift: false, .. } => "change",
            Kind::Change { drift: true, .. } => "drift",
            Kind::Summary(_) => "summary",
        })
        .collect()
}

fn addresses(group: &ChangeGroup) -> Vec<&str> {
    group.changes.iter().map(|c| c.address.as_str()).collect()
}

#[test]
fn every_line_of_a_terraform_plan_reads_as_its_message_and_level() {
    let lines = read(TF_PLAN);
    assert_eq!(lines[0].text, "Terraform 1.11.4");
    assert_eq!(lines[0].level, Some(Level::Info));
    assert_eq!(lines[0].ui_type.as_deref(), Some("version"));
    assert_eq!(
        lines[1].text,
        "terraform_data.c: Refreshing state... [id=7657ba3a-c3f4-2281-eda6-f034a8d0c490]"
    );
    assert_eq!(lines[1].kind, Kind::Message);
    assert!(lines
        .iter()
        .all(|l| !l.text.is_empty() && l.level.is_some()));
    assert_eq!(
        kinds(&lines)[7..],
        [
            "change",
            "change",
            "change",
            "change",
            "summary",
            "message",
            "diagnostic"
        ]
    );
}

#[test]
fn planned_changes_carry_their_address_action_and_reason() {
    let lines = read(TF_PLAN);
    let Kind::Change { change, drift } = &lines[9].kind else {
        panic!("not a change: {:?}", lines[9]);
    };
    assert!(!drift);
    assert_eq!(change.address, "terraform_data.b");
    assert_eq!(change.action, Action::Replace);
    assert_eq!(change.reason.as_deref(), Some("cannot_update"));
    assert_eq!(lines[9].text, "terraform_data.b: Plan to replace");
}

#[test]
fn planned_changes_are_grouped_by_action_in_plan_order() {
    let lines = read(TF_PLAN);
    let groups = group_changes(&lines);
    let summary: Vec<(String, Vec<&str>)> =
        groups.iter().map(|g| (g.heading(), addresses(g))).collect();
    assert_eq!(
        summary,
        [
            ("Create".to_owned(), vec!["terraform_data.d"]),
            ("Update in place".to_owned(), vec!["terraform_data.a"]),
            ("Replace".to_owned(), vec!["terraform_data.b"]),
            ("Destroy".to_owned(), vec!["terraform_data.c"]),
        ]
    );
}

#[test]
fn an_apply_that_announces_its_plan_again_lists_each_resource_once() {
    let lines = read(TF_APPLY);
    let groups = group_changes(&lines);
    let total: usize = groups.iter().map(|g| g.changes.len()).sum();
    assert_eq!(total, 4, "{groups:?}");
    // Both together (a plan step's lines and an apply's) still once each.
    let both: Vec<Line> = read(TF_PLAN).into_iter().chain(lines).collect();
    assert_eq!(group_changes(&both), groups);
}

#[test]
fn drift_is_grouped_apart_and_first_and_no_ops_are_left_out() {
    // terraform_data never drifts: these follow the documented format
    // (internal/command/views/json/change.go) with a juju resource.
    let drift = r#"{"@level":"info","@message":"module.iam.juju_application.hydra: Drift detected (update)","@module":"terraform.ui","@timestamp":"2026-12-02T01:15:11.643604Z","change":{"resource":{"addr":"module.iam.juju_application.hydra","module":"module.iam","resource":"juju_application.hydra","implied_provider":"juju","resource_type":"juju_application","resource_name":"hydra","resource_key":null},"action":"update"},"type":"resource_drift"}"#;
    let noop = r#"{"@level":"info","@message":"a.b: Plan to noop","change":{"resource":{"addr":"a.b"},"action":"noop"},"type":"planned_change"}"#;
    let moved = r#"{"@level":"info","@message":"a.new: Plan to move","change":{"resource":{"addr":"a.new"},"previous_resource":{"addr":"a.old"},"action":"move"},"type":"planned_change"}"#;
    let lines: Vec<Line> = read(TF_PLAN)
        .into_iter()
        .chain([classify(drift), classify(noop), classify(moved)])
        .collect();
    let groups = group_changes(&lines);
    assert!(groups[0].drift);
    assert_eq!(groups[0].action, Action::Update);
    assert_eq!(
        groups[0].heading(),
        "Changed outside Terraform: Update in place"
    );
    assert_eq!(addresses(&groups[0]), ["module.iam.juju_application.hydra"]);
    assert!(groups.iter().all(|g| g.action != Action::Noop));
    let moves = groups.iter().find(|g| g.action == Action::Move);
    assert_eq!(
        moves.map(|g| g.changes[0].previous_address.as_deref()),
        Some(Some("a.old"))
    );
    assert_eq!(Action::parse("forget"), Action::parse("remove"));
    assert_eq!(Action::parse("no-op"), Action::Noop);
    assert_eq!(Action::parse("dance"), Action::Other("dance".into()));
}

#[test]
fn a_change_summary_keeps_its_counts_and_text() {
    let lines = read(TF_APPLY);
    let last = last_summary(&lines).map(|l| (&l.text, &l.kind));
    let Some((text, Kind::Summary(summary))) = last else {
        panic!("no summary");
    };
    assert_eq!(
        text,
        "Apply complete! Resources: 2 added, 1 changed, 2 destroyed."
    );
    assert_eq!(
        *summary,
        Summary {
            operation: "apply".into(),
            add: 2,
            change: 1,
            remove: 2,
            import: 0
        }
    );
    assert_eq!(last_summary(&read("plain\n")), None);
}

#[test]
fn a_warning_has_its_severity_summary_and_detail() {
    let lines = read(TF_PLAN);
    let Some(Kind::Diagnostic(d)) = lines.last().map(|l| &l.kind) else {
        panic!("no diagnostic");
    };
    assert_eq!(d.severity, Severity::Warning);
    assert_eq!(d.summary, "Value for undeclared variable");
    assert!(d.detail.starts_with("The root module does not declare"));
    assert_eq!((d.address.as_ref(), d.range.as_ref()), (None, None));
    assert_eq!(
        lines.last().map(Line::severity),
        Some(Some(Severity::Warning))
    );
    assert_eq!(count_problems(&lines), (0, 1));
}

#[test]
fn an_error_has_its_range_and_highlighted_snippet() {
    for (fixture, file, line) in [
        (TF_PLAN_ERROR, "err.tf", 1),
        (TOFU_PLAN_ERROR, "main.tf", 2),
    ] {
        let lines = read(fixture);
        let error = lines.iter().find_map(|l| match &l.kind {
            Kind::Diagnostic(d) if d.severity == Severity::Error => Some(d),
            _ => None,
        });
        let Some(d) = error else {
            panic!("no error in {fixture}");
        };
        assert_eq!(d.summary, "Reference to undeclared resource");
        assert_eq!(d.location(), Some(format!("{file} line {line}, column 41")));
        let Some(snippet) = &d.snippet else {
            panic!("no snippet");
        };
        assert_eq!(
            snippet.context.as_deref(),
            Some(r#"resource "terraform_data" "e""#)
        );
        assert_eq!(snippet.start_line, line);
        assert_eq!(
            snippet.parts(),
            (
                r#"resource "terraform_data" "e" { input = "#,
                "terraform_data.missing",
                ".output }"
            )
        );
    }
}

#[test]
fn opentofus_plain_text_before_its_json_is_shown_as_it_is() {
    let lines = read(TOFU_PLAN);
    assert_eq!(
        kinds(&lines),
        ["text", "text", "text", "text", "message", "change", "summary"]
    );
    assert_eq!(
        lines[1].text,
        "Warning: Unable to open CLI configuration file"
    );
    assert_eq!(lines[1].level, None);
    assert_eq!(lines[4].text, "OpenTofu 1.12.6");
    let Kind::Summary(summary) = &lines[6].kind else {
        panic!("no summary");
    };
    assert_eq!((summary.add, summary.operation.as_str()), (1, "plan"));
}

#[test]
fn palettes_own_lines_and_other_json_are_not_json_ui() {
    let lines = read(
        "$ tofu -chdir=/w/teal-k8s plan -input=false -json -out=palette.tfplan\n\
         palette: tofu apply exited with 1: Saved plan is stale\n\
         {\"not\": \"the json ui\"}\n\
         {broken\n\
         Initializing the backend...",
    );
    assert_eq!(
        kinds(&lines),
        ["command", "palette", "text", "text", "text"]
    );
    assert_eq!(lines[2].text, r#"{"not": "the json ui"}"#);
}

#[test]
fn the_stand_ins_failed_apply_names_the_resource() {
    // As tofu-standin prints a failing resource (standin/src/ui.rs).
    let line = r#"{"@level":"error","@message":"Error: Simulated failure (tofu stand-in)","@module":"terraform.ui","@timestamp":"2026-12-02T01:00:00.000000Z","diagnostic":{"severity":"error","summary":"Simulated failure (tofu stand-in)","detail":"module.iam.juju_application.hydra: the stand-in was told to fail here","address":"module.iam.juju_application.hydra"},"type":"diagnostic"}"#;
    let read = classify(line);
    let Kind::Diagnostic(d) = &read.kind else {
        panic!("not a diagnostic");
    };
    assert_eq!(
        d.address.as_deref(),
        Some("module.iam.juju_application.hydra")
    );
    assert_eq!(d.location(), None);
    assert_eq!(count_problems([&read]), (1, 0));
}

#[test]
fn a_search_is_case_insensitive_and_looks_into_diagnostics() {
    let lines = read(TF_PLAN_ERROR);
    let needle = |t: &str| Needle::new(t).unwrap_or_else(|| panic!("{t:?} is a search"));
    let hits = |t: &str| lines.iter().filter(|l| l.matches(&needle(t))).count();
    assert_eq!(hits("TERRAFORM 1.11"), 1);
    assert_eq!(hits("has not been declared"), 1, "the detail");
    assert_eq!(hits("err.tf"), 1, "the file");
    assert_eq!(hits("no such text"), 0);
    assert_eq!(Needle::new("  "), None);
    assert!(needle("ÉTÉ").found_in("un été"));
    let plan = read(TF_PLAN);
    let changes = plan
        .iter()
        .filter(|l| l.matches(&needle("terraform_data.b")))
        .count();
    assert_eq!(changes, 3, "refresh start and complete, and the change");
}

#[test]
fn snippet_offsets_that_do_not_fit_leave_the_code_whole() {
    let snippet = Snippet {
        context: None,
        code: "é = 1".into(),
        start_line: 1,
        highlight: 1..40,
    };
    assert_eq!(snippet.parts(), ("é = 1", "", ""));
    let snippet = Snippet {
        highlight: 1..3,
        ..snippet
    };
    assert_eq!(snippet.parts(), ("é = 1", "", ""), "inside a character");
}

#[test]
fn levels_read_as_terraform_writes_them() {
    for level in [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
    ] {
        assert_eq!(Level::parse(level.as_str()), level);
    }
    assert_eq!(Level::parse("loud"), Level::Info);
}
