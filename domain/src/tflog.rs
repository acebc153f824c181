//! A job's log as Terraform and OpenTofu users read it. Layers run with
//! `-json`, so most lines are Terraform's machine-readable UI (one object a
//! line: `@level`, `@message`, `type` and the type's members); the others
//! are plain text (`init`, stderr, the stand-in without `-json`) or
//! Palette's own (the command it ran, what it says of a step).
//!
//! [`classify`] reads one line; the job page (server-rendered and hydrated
//! alike) shows each line by its [`Kind`], draws diagnostics as boxes,
//! groups planned changes by action ([`group_changes`]) and highlights the
//! change summary. Nothing here fails: a line that is not JSON UI is text.

use std::fmt;

use serde_json::Value;

/// What Palette writes before its own messages in a step's log.
pub const PALETTE_PREFIX: &str = "palette: ";
/// What Palette writes before the command line of each command it runs.
pub const COMMAND_PREFIX: &str = "$ ";

/// A JSON UI line's `@level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    /// `@level` as Terraform writes it; anything else reads as `info`.
    pub fn parse(text: &str) -> Self {
        match text {
            "trace" => Self::Trace,
            "debug" => Self::Debug,
            "warn" | "warning" => Self::Warn,
            "error" => Self::Error,
            _ => Self::Info,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trace => "trace",
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A diagnostic's severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
        }
    }

    /// `Error` or `Warning`, as Terraform heads a diagnostic.
    pub fn title(self) -> &'static str {
        match self {
            Self::Error => "Error",
            Self::Warning => "Warning",
        }
    }
}

/// What a planned change (or drift) does to a resource. The order is the
/// one the job page lists groups in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Create,
    Update,
    Replace,
    Delete,
    Read,
    Move,
    Import,
    /// Removed from the state only (`removed` blocks): Terraform's
    /// `remove`, OpenTofu's `forget`.
    Forget,
    Noop,
    /// An action this version does not know, as Terraform wrote it.
    Other(String),
}

impl Action {
    pub fn parse(text: &str) -> Self {
        match text {
            "create" => Self::Create,
            "update" => Self::Update,
            "replace" => Self::Replace,
            "delete" => Self::Delete,
            "read" => Self::Read,
            "move" => Self::Move,
            "import" => Self::Import,
            "remove" | "forget" => Self::Forget,
            "noop" | "no-op" => Self::Noop,
            other => Self::Other(other.to_owned()),
        }
    }

    /// A word for CSS classes and test ids.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Replace => "replace",
            Self::Delete => "delete",
            Self::Read => "read",
            Self::Move => "move",
            Self::Import => "import",
            Self::Forget => "forget",
            Self::Noop => "noop",
            Self::Other(text) => text,
        }
    }

    /// The heading of a group of planned changes.
    pub fn heading(&self) -> String {
        match self {
            Self::Create => "Create".to_owned(),
            Self::Update => "Update in place".to_owned(),
            Self::Replace => "Replace".to_owned(),
            Self::Delete => "Destroy".to_owned(),
            Self::Read => "Read".to_owned(),
            Self::Move => "Move".to_owned(),
            Self::Import => "Import".to_owned(),
            Self::Forget => "Remove from state".to_owned(),
            Self::Noop => "No change".to_owned(),
            Self::Other(text) => text.clone(),
        }
    }
}

/// A resource a plan changes (`planned_change`), or that changed outside
/// Terraform (`resource_drift`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub address: String,
    pub action: Action,
    /// Why, when Terraform says (`cannot_update`,
    /// `delete_because_no_resource_config`, …).
    pub reason: Option<String>,
    /// Where a moved resource was.
    pub previous_address: Option<String>,
}

/// A place in a configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: u64,
    pub column: u64,
}

/// The part of a file a diagnostic is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    pub filename: String,
    pub start: Pos,
    pub end: Pos,
}

/// The configuration around a diagnostic's range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// The block it is in (`resource "terraform_data" "e"`).
    pub context: Option<String>,
    /// The source line(s).
    pub code: String,
    pub start_line: u64,
    /// The highlighted bytes of `code`.
    pub highlight: std::ops::Range<usize>,
}

impl Snippet {
    /// `code` cut into before, highlighted and after, on character
    /// boundaries (Terraform counts bytes); all of it before when the
    /// offsets do not fit.
    pub fn parts(&self) -> (&str, &str, &str) {
        let code = self.code.as_str();
        let (start, end) = (self.highlight.start, self.highlight.end);
        if start <= end
            && end <= code.len()
            && code.is_char_boundary(start)
            && code.is_char_boundary(end)
        {
            (&code[..start], &code[start..end], &code[end..])
        } else {
            (code, "", "")
        }
    }
}

/// An error or a warning: what Terraform prints in a box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    /// The resource it is about, when there is one.
    pub address: Option<String>,
    pub range: Option<Range>,
    pub snippet: Option<Snippet>,
}

impl Diagnostic {
    /// `main.tf line 2, column 41` when the diagnostic has a range.
    pub fn location(&self) -> Option<String> {
        self.range.as_ref().map(|r| {
            format!(
                "{} line {}, column {}",
                r.filename, r.start.line, r.start.column
            )
        })
    }
}

/// A `change_summary`: the counts of a plan, an apply or a destroy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// `plan`, `apply` or `destroy`.
    pub operation: String,
    pub add: i64,
    pub change: i64,
    pub remove: i64,
    pub import: i64,
}

/// What a log line is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Not JSON UI: shown as it is.
    Text,
    /// A command Palette ran (`$ tofu -chdir=… plan …`).
    Command,
    /// What Palette says of a step (`palette: …`).
    Palette,
    /// A JSON UI message with nothing more to show than its text: `version`,
    /// `apply_start`, `apply_progress`, `outputs`, `log`, …
    Message,
    Diagnostic(Diagnostic),
    /// `planned_change`, or with `drift` a `resource_drift`.
    Change {
        change: Change,
        drift: bool,
    },
    /// `change_summary`.
    Summary(Summary),
}

/// One log line, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// `@message`, or the line itself when it is not JSON UI.
    pub text: String,
    /// `@level` of a JSON UI line.
    pub level: Option<Level>,
    /// The JSON UI `type` (`planned_change`, `apply_progress`, …).
    pub ui_type: Option<String>,
    pub kind: Kind,
}

impl Line {
    fn plain(line: &str, kind: Kind) -> Self {
        Self {
            text: line.to_owned(),
            level: None,
            ui_type: None,
            kind,
        }
    }

    /// Whether the line holds `needle` (see [`Needle`]): in its text, and
    /// for a diagnostic also in its detail, address and file.
    pub fn matches(&self, needle: &Needle) -> bool {
        let found = |text: &str| needle.found_in(text);
        if found(&self.text) {
            return true;
        }
        match &self.kind {
            Kind::Diagnostic(d) => {
                found(&d.summary)
                    || found(&d.detail)
                    || d.address.as_deref().is_some_and(found)
                    || d.range.as_ref().is_some_and(|r| found(&r.filename))
            }
            Kind::Change { change, .. } => found(&change.address),
            _ => false,
        }
    }

    /// The severity of an error or warning line: a diagnostic's, or an
    /// `error`/`warn` JSON UI level.
    pub fn severity(&self) -> Option<Severity> {
        match (&self.kind, self.level) {
            (Kind::Diagnostic(d), _) => Some(d.severity),
            (_, Some(Level::Error)) => Some(Severity::Error),
            (_, Some(Level::Warn)) => Some(Severity::Warning),
            _ => None,
        }
    }
}

/// What a log search looks for: case-insensitive text. Build it once per
/// search, not per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needle(String);

impl Needle {
    /// `None` for empty or blank input: no search, every line shows.
    pub fn new(text: &str) -> Option<Self> {
        let text = text.trim();
        (!text.is_empty()).then(|| Self(text.to_lowercase()))
    }

    pub fn found_in(&self, haystack: &str) -> bool {
        if haystack.is_ascii() && self.0.is_ascii() {
            let (hay, needle) = (haystack.as_bytes(), self.0.as_bytes());
            return hay
                .windows(needle.len())
                .any(|w| w.eq_ignore_ascii_case(needle));
        }
        haystack.to_lowercase().contains(&self.0)
    }
}

/// Reads one stored log line.
pub fn classify(line: &str) -> Line {
    let trimmed = line.trim();
    if trimmed.starts_with('{') {
        if let Some(read) = json_ui(trimmed) {
            return read;
        }
    }
    if line.starts_with(COMMAND_PREFIX) {
        Line::plain(line, Kind::Command)
    } else if line.starts_with(PALETTE_PREFIX) {
        Line::plain(line, Kind::Palette)
    } else {
        Line::plain(line, Kind::Text)
    }
}

fn string(value: &Value, pointer: &str) -> Option<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn number(value: &Value, pointer: &str) -> i64 {
    value.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

fn unsigned(value: &Value, pointer: &str) -> Option<u64> {
    value.pointer(pointer).and_then(Value::as_u64)
}

/// A JSON UI object: one with a `@message` or a `type`.
fn json_ui(text: &str) -> Option<Line> {
    let value: Value = serde_json::from_str(text).ok()?;
    let message = string(&value, "/@message");
    let ui_type = string(&value, "/type");
    if message.is_none() && ui_type.is_none() {
        return None;
    }
    let kind = match ui_type.as_deref() {
        Some("diagnostic") => diagnostic(&value).map(Kind::Diagnostic),
        Some("planned_change") => change(&value).map(|change| Kind::Change {
            change,
            drift: false,
        }),
        Some("resource_drift") => change(&value).map(|change| Kind::Change {
            change,
            drift: true,
        }),
        Some("change_summary") => value.get("changes").map(|_| {
            Kind::Summary(Summary {
                operation: string(&value, "/changes/operation").unwrap_or_default(),
                add: number(&value, "/changes/add"),
                change: number(&value, "/changes/change"),
                remove: number(&value, "/changes/remove"),
                import: number(&value, "/changes/import"),
            })
        }),
        _ => None,
    }
    .unwrap_or(Kind::Message);
    Some(Line {
        text: message.unwrap_or_default(),
        level: string(&value, "/@level").map(|l| Level::parse(&l)),
        ui_type,
        kind,
    })
}

fn change(value: &Value) -> Option<Change> {
    Some(Change {
        address: string(value, "/change/resource/addr")?,
        action: Action::parse(&string(value, "/change/action")?),
        reason: string(value, "/change/reason"),
        previous_address: string(value, "/change/previous_resource/addr"),
    })
}

fn diagnostic(value: &Value) -> Option<Diagnostic> {
    let d = value.get("diagnostic")?;
    let severity = match d.get("severity").and_then(Value::as_str) {
        Some("warning") => Severity::Warning,
        _ => Severity::Error,
    };
    let pos = |at: &str| {
        Some(Pos {
            line: unsigned(d, &format!("/range/{at}/line"))?,
            column: unsigned(d, &format!("/range/{at}/column"))?,
        })
    };
    let range = match (string(d, "/range/filename"), pos("start"), pos("end")) {
        (Some(filename), Some(start), Some(end)) => Some(Range {
            filename,
            start,
            end,
        }),
        _ => None,
    };
    let offset =
        |key: &str| unsigned(d, &format!("/snippet/{key}")).and_then(|n| usize::try_from(n).ok());
    let snippet = string(d, "/snippet/code").map(|code| Snippet {
        context: string(d, "/snippet/context"),
        code,
        start_line: unsigned(d, "/snippet/start_line").unwrap_or(0),
        highlight: offset("highlight_start_offset").unwrap_or(0)
            ..offset("highlight_end_offset").unwrap_or(0),
    });
    Some(Diagnostic {
        severity,
        summary: string(d, "/summary").unwrap_or_default(),
        detail: string(d, "/detail").unwrap_or_default(),
        address: string(d, "/address").filter(|a| !a.is_empty()),
        range,
        snippet,
    })
}

/// Resources that one action applies to, in the order they were planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeGroup {
    pub action: Action,
    /// Changes made outside Terraform (`resource_drift`), not planned ones.
    pub drift: bool,
    pub changes: Vec<Change>,
}

impl ChangeGroup {
    pub fn heading(&self) -> String {
        if self.drift {
            format!("Changed outside Terraform: {}", self.action.heading())
        } else {
            self.action.heading()
        }
    }
}

/// The changes among `lines` grouped by action: drift first, then what the
/// plan does, each in [`Action`] order. A resource is listed once per kind
/// (its last word counts): an apply of a saved plan announces each change
/// again. No-ops are left out.
pub fn group_changes<'a>(lines: impl IntoIterator<Item = &'a Line>) -> Vec<ChangeGroup> {
    let mut seen: Vec<(bool, &Change)> = Vec::new();
    for line in lines {
        if let Kind::Change { change, drift } = &line.kind {
            seen.retain(|(d, c)| !(*d == *drift && c.address == change.address));
            seen.push((*drift, change));
        }
    }
    let mut groups: Vec<ChangeGroup> = Vec::new();
    for (drift, change) in seen {
        if change.action == Action::Noop {
            continue;
        }
        match groups
            .iter_mut()
            .find(|g| g.drift == drift && g.action == change.action)
        {
            Some(group) => group.changes.push(change.clone()),
            None => groups.push(ChangeGroup {
                action: change.action.clone(),
                drift,
                changes: vec![change.clone()],
            }),
        }
    }
    groups.sort_by(|a, b| (!a.drift, &a.action).cmp(&(!b.drift, &b.action)));
    groups
}

/// The last change summary among `lines` with its text, as Terraform
/// printed it (`Plan: 2 to add, 1 to change, 2 to destroy.`).
pub fn last_summary<'a>(lines: impl IntoIterator<Item = &'a Line>) -> Option<&'a Line> {
    lines
        .into_iter()
        .filter(|l| matches!(l.kind, Kind::Summary(_)))
        .last()
}

/// How many error and warning diagnostics `lines` hold.
pub fn count_problems<'a>(lines: impl IntoIterator<Item = &'a Line>) -> (usize, usize) {
    lines
        .into_iter()
        .fold((0, 0), |(errors, warnings), l| match &l.kind {
            Kind::Diagnostic(d) if d.severity == Severity::Error => (errors + 1, warnings),
            Kind::Diagnostic(_) => (errors, warnings + 1),
            _ => (errors, warnings),
        })
}

#[cfg(test)]
mod tests;
