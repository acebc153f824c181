//! Which layers of a run may start. A layer waits for the layers of the run
//! it depends on (for a destroy, the other way round: for the layers that
//! depend on it); up to `width` run at once, in blueprint order when more
//! are ready. A failed layer holds back only what waits for it, directly or
//! through others.

use super::LayerSpec;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    Waiting,
    Running,
    Done,
    Failed,
}

/// The state of one run's layers, by their index in the run.
#[derive(Debug)]
pub(crate) struct Schedule {
    waits: Vec<Vec<usize>>,
    nodes: Vec<Node>,
    width: usize,
}

impl Schedule {
    /// `layers` in the order they were selected (dependency order, reversed
    /// for a destroy).
    pub(crate) fn new(layers: &[&LayerSpec], destroy: bool, width: usize) -> Self {
        let index = |name: &str| layers.iter().position(|l| l.name == name);
        let mut waits = vec![Vec::new(); layers.len()];
        for (i, layer) in layers.iter().enumerate() {
            for dep in layer.depends_on.iter().filter_map(|d| index(d)) {
                if destroy {
                    // `dep` goes only once `layer`, which needs it, is gone.
                    waits[dep].push(i);
                } else {
                    waits[i].push(dep);
                }
            }
        }
        Self {
            waits,
            nodes: vec![Node::Waiting; layers.len()],
            width: width.max(1),
        }
    }

    /// The layers to start now, marked running.
    pub(crate) fn start(&mut self) -> Vec<usize> {
        let mut running = self.nodes.iter().filter(|n| **n == Node::Running).count();
        let mut started = Vec::new();
        for i in 0..self.nodes.len() {
            if running >= self.width {
                break;
            }
            let ready = self.nodes[i] == Node::Waiting
                && self.waits[i].iter().all(|&d| self.nodes[d] == Node::Done);
            if ready {
                self.nodes[i] = Node::Running;
                running += 1;
                started.push(i);
            }
        }
        started
    }

    pub(crate) fn done(&mut self, i: usize) {
        self.nodes[i] = Node::Done;
    }

    pub(crate) fn failed(&mut self, i: usize) {
        self.nodes[i] = Node::Failed;
    }

    /// Waiting layers that cannot start, each with the failed layer it
    /// waits for (directly or not).
    pub(crate) fn held_back(&self) -> Vec<(usize, usize)> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i] == Node::Waiting)
            .filter_map(|i| self.failed_ancestor(i).map(|f| (i, f)))
            .collect()
    }

    fn failed_ancestor(&self, i: usize) -> Option<usize> {
        let mut stack = self.waits[i].clone();
        let mut seen = vec![false; self.nodes.len()];
        while let Some(d) = stack.pop() {
            if std::mem::replace(&mut seen[d], true) {
                continue;
            }
            if self.nodes[d] == Node::Failed {
                return Some(d);
            }
            stack.extend(&self.waits[d]);
        }
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::runner::Blueprint;

    fn names(layers: &[&LayerSpec], picked: &[usize]) -> Vec<String> {
        picked.iter().map(|&i| layers[i].name.clone()).collect()
    }

    #[test]
    fn cos_integration_runs_beside_core_iam_and_jimm() {
        let blueprint = Blueprint::default_blueprint().unwrap();
        let all: Vec<String> = blueprint.order().iter().map(|l| l.name.clone()).collect();
        let layers = blueprint.select(&all, false).unwrap();
        let mut run = Schedule::new(&layers, false, 4);
        let first = run.start();
        assert_eq!(names(&layers, &first), ["k8s"]);
        assert!(run.start().is_empty(), "nothing else before k8s");
        run.done(first[0]);
        let second = run.start();
        assert_eq!(names(&layers, &second), ["core", "cos-integration"]);
        run.done(second[0]);
        assert_eq!(names(&layers, &run.start()), ["iam"]);
    }

    #[test]
    fn destroy_runs_the_graph_backwards() {
        let blueprint = Blueprint::default_blueprint().unwrap();
        let all: Vec<String> = blueprint.order().iter().map(|l| l.name.clone()).collect();
        let layers = blueprint.select(&all, true).unwrap();
        let mut run = Schedule::new(&layers, true, 4);
        let first = run.start();
        assert_eq!(names(&layers, &first), ["cos-integration", "jimm"]);
        for i in first {
            run.done(i);
        }
        let iam = run.start();
        assert_eq!(names(&layers, &iam), ["iam"]);
        run.done(iam[0]);
        let core = run.start();
        assert_eq!(names(&layers, &core), ["core"]);
        run.done(core[0]);
        assert_eq!(names(&layers, &run.start()), ["k8s"], "k8s goes last");
    }

    #[test]
    fn a_failure_holds_back_only_what_waits_for_it_and_the_width_is_kept() {
        let blueprint = Blueprint::default_blueprint().unwrap();
        let all: Vec<String> = blueprint.order().iter().map(|l| l.name.clone()).collect();
        let layers = blueprint.select(&all, false).unwrap();
        let mut run = Schedule::new(&layers, false, 1);
        let k8s = run.start();
        run.done(k8s[0]);
        let one = run.start();
        assert_eq!(names(&layers, &one), ["core"], "one at a time at width 1");
        run.failed(one[0]);
        let next = run.start();
        assert_eq!(names(&layers, &next), ["cos-integration"]);
        run.done(next[0]);
        assert!(run.start().is_empty());
        let held: Vec<(String, String)> = run
            .held_back()
            .into_iter()
            .map(|(i, f)| (layers[i].name.clone(), layers[f].name.clone()))
            .collect();
        assert_eq!(
            held,
            [
                ("iam".to_owned(), "core".to_owned()),
                ("jimm".to_owned(), "core".to_owned())
            ]
        );
    }
}
