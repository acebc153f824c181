//! A job's layers as a graph: one column per depth in the blueprint's
//! dependency graph (`k8s` | `core`, `cos-integration` | `iam` | `jimm`),
//! an arrow from each layer to the layers that need it, and each node's
//! state. Server-rendered SVG, updated live with the job; the same facts are
//! in a list for screen readers.

use leptos::prelude::*;

use domain::job::{JobDetail, Step, StepStatus};
use domain::Layer;

const NODE_W: i64 = 150;
const NODE_H: i64 = 40;
const GAP_X: i64 = 50;
const GAP_Y: i64 = 16;

/// One layer of the job, placed.
#[derive(Debug, Clone, PartialEq)]
struct Node {
    name: String,
    needs: Vec<String>,
    column: i64,
    row: i64,
}

/// The job's layers (those it has steps for), placed by depth; `layers` is
/// the blueprint, for the dependencies.
fn place(steps: &[Step], layers: &[Layer]) -> Vec<Node> {
    let mut names: Vec<&str> = Vec::new();
    for step in steps {
        if !names.contains(&step.layer.as_str()) {
            names.push(&step.layer);
        }
    }
    let needs = |name: &str| -> Vec<String> {
        layers
            .iter()
            .find(|l| l.name == name)
            .map(|l| {
                l.depends_on
                    .iter()
                    .filter(|d| names.contains(&d.as_str()))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    };
    // Steps come in dependency order, so a layer's needs are placed first.
    let mut nodes: Vec<Node> = Vec::new();
    for name in &names {
        let needs = needs(name);
        let column = needs
            .iter()
            .filter_map(|n| nodes.iter().find(|p| &p.name == n).map(|p| p.column + 1))
            .max()
            .unwrap_or(0);
        let row = i64::try_from(nodes.iter().filter(|n| n.column == column).count()).unwrap_or(0);
        nodes.push(Node {
            name: (*name).to_owned(),
            needs,
            column,
            row,
        });
    }
    nodes
}

/// A layer's state from its steps: failed or cancelled if a step was, else
/// running if one is, else succeeded once its apply has, else pending.
fn state(steps: &[Step], layer: &str) -> StepStatus {
    let mine: Vec<StepStatus> = steps
        .iter()
        .filter(|s| s.layer == layer)
        .map(|s| s.status)
        .collect();
    for wanted in [
        StepStatus::Failed,
        StepStatus::Cancelled,
        StepStatus::Running,
    ] {
        if mine.contains(&wanted) {
            return wanted;
        }
    }
    if !mine.is_empty() && mine.iter().all(|s| *s == StepStatus::Succeeded) {
        StepStatus::Succeeded
    } else {
        StepStatus::Pending
    }
}

/// The graph of `detail`'s layers, live.
#[component]
pub fn LayerGraph(detail: RwSignal<JobDetail>, layers: Vec<Layer>) -> impl IntoView {
    // The drawing changes when the job's layers do (a job's steps appear
    // once it starts); the nodes' states follow every update.
    let placed = Memo::new(move |_| detail.with(|d| place(&d.steps, &layers)));
    move || graph(detail, placed.get())
}

fn graph(detail: RwSignal<JobDetail>, placed: Vec<Node>) -> AnyView {
    if placed.len() < 2 {
        return ().into_any();
    }
    let columns = placed.iter().map(|n| n.column).max().unwrap_or(0) + 1;
    let rows = placed.iter().map(|n| n.row).max().unwrap_or(0) + 1;
    let width = columns * NODE_W + (columns - 1) * GAP_X;
    let height = rows * NODE_H + (rows - 1) * GAP_Y;
    let x = |n: &Node| n.column * (NODE_W + GAP_X);
    let y = |n: &Node| n.row * (NODE_H + GAP_Y);
    let edges = placed
        .iter()
        .flat_map(|n| {
            n.needs.iter().filter_map(|need| {
                let from = placed.iter().find(|p| &p.name == need)?;
                Some(view! {
                    <line class="edge" x1=x(from) + NODE_W y1=y(from) + NODE_H / 2
                        x2=x(n) - 6 y2=y(n) + NODE_H / 2 marker-end="url(#layer-arrow)" />
                })
            })
        })
        .collect_view();
    let nodes = placed
        .iter()
        .map(|n| {
            let name = n.name.clone();
            let status = Signal::derive(move || detail.with(|d| state(&d.steps, &name)));
            view! {
                <g class=move || format!("node status-{}", status.get()) data-layer=n.name.clone()
                    data-status=move || status.get().as_str()>
                    <rect x=x(n) y=y(n) width=NODE_W height=NODE_H rx="6" />
                    <text x=x(n) + 10 y=y(n) + 17 class="name">{n.name.clone()}</text>
                    <text x=x(n) + 10 y=y(n) + 32 class="state">{move || status.get().as_str()}</text>
                </g>
            }
        })
        .collect_view();
    let described = placed
        .iter()
        .map(|n| {
            let name = n.name.clone();
            let needs = if n.needs.is_empty() {
                "needs nothing".to_owned()
            } else {
                format!("needs {}", n.needs.join(", "))
            };
            let status = move || detail.with(|d| state(&d.steps, &name));
            view! { <li>{n.name.clone()}": "{move || status().as_str()}" ("{needs.clone()}")"</li> }
        })
        .collect_view();
    view! {
        <figure class="job-graph" data-testid="job-graph">
            <figcaption>"Layers"</figcaption>
            <div class="scroll-x">
                <svg viewBox=format!("-2 -2 {} {}", width + 4, height + 4) width=width + 4 height=height + 4
                    aria-hidden="true" focusable="false">
                    <defs>
                        <marker id="layer-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                            <path d="M 0 0 L 10 5 L 0 10 z" />
                        </marker>
                    </defs>
                    {edges}
                    {nodes}
                </svg>
            </div>
            <ul class="visually-hidden">{described}</ul>
        </figure>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::job::{Phase, Progress};

    fn step(position: i64, layer: &str, phase: Phase, status: StepStatus) -> Step {
        Step {
            position,
            layer: layer.to_owned(),
            phase,
            status,
            started_at: None,
            finished_at: None,
            progress: Progress::default(),
            summary: None,
            message: None,
        }
    }

    fn layer(name: &str, needs: &[&str]) -> Layer {
        Layer {
            name: name.to_owned(),
            depends_on: needs.iter().map(|n| (*n).to_owned()).collect(),
            applications: vec![],
        }
    }

    #[test]
    fn layers_are_placed_by_depth_and_states_come_from_their_steps() {
        let layers = [
            layer("k8s", &[]),
            layer("core", &["k8s"]),
            layer("iam", &["core"]),
            layer("cos-integration", &["k8s"]),
        ];
        use StepStatus::{Failed, Pending, Running, Succeeded};
        let steps = [
            step(0, "k8s", Phase::Plan, Succeeded),
            step(1, "k8s", Phase::Apply, Succeeded),
            step(2, "core", Phase::Plan, Succeeded),
            step(3, "core", Phase::Apply, Running),
            step(4, "iam", Phase::Plan, Pending),
            step(5, "iam", Phase::Apply, Pending),
            step(6, "cos-integration", Phase::Plan, Failed),
            step(7, "cos-integration", Phase::Apply, Pending),
        ];
        let placed: Vec<(String, i64, i64)> = place(&steps, &layers)
            .into_iter()
            .map(|n| (n.name, n.column, n.row))
            .collect();
        assert_eq!(
            placed,
            [
                ("k8s".to_owned(), 0, 0),
                ("core".to_owned(), 1, 0),
                ("iam".to_owned(), 2, 0),
                ("cos-integration".to_owned(), 1, 1),
            ]
        );
        assert_eq!(state(&steps, "k8s"), Succeeded);
        assert_eq!(state(&steps, "core"), Running);
        assert_eq!(state(&steps, "iam"), Pending);
        assert_eq!(state(&steps, "cos-integration"), Failed);
    }
}
