//! The dependency graph between segments and tiers blocks: a topological order for
//! evaluation ([`ir::Program::order`]), or `reference_cycle` naming each cycle's chain
//! (`` `a` → `b` → `a` ``). Iterative throughout, so long chains cannot exhaust the stack.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

use super::Reported;
use super::ir::Derived;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::source::Span;

/// A segment or tiers block with the references in its condition(s).
#[derive(Clone, Debug)]
pub(super) struct Node {
    /// Which item.
    pub derived: Derived,
    /// Its name.
    pub name: String,
    /// What its conditions refer to, and where.
    pub deps: Vec<(Derived, Span)>,
}

/// Each node after all it refers to; ties keep source order. Cycles are reported.
pub(super) fn order(nodes: &[Node], out: &mut Diagnostics) -> Result<Vec<Derived>, Reported> {
    let edges = edges(nodes);
    let mut cyclic = false;
    for component in components(&edges) {
        if let Some(cycle) = cycle_in(&component, &edges) {
            report_cycle(nodes, &cycle, out);
            cyclic = true;
        }
    }
    if cyclic {
        return Err(Reported);
    }
    Ok(topological(&edges)
        .into_iter()
        .filter_map(|i| nodes.get(i).map(|n| n.derived))
        .collect())
}

/// Adjacency by node index: `edges[a]` holds `(b, span)` when `a` refers to `b` at `span`.
fn edges(nodes: &[Node]) -> Vec<Vec<(usize, Span)>> {
    let index: HashMap<Derived, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.derived, i))
        .collect();
    nodes
        .iter()
        .map(|n| {
            n.deps
                .iter()
                .filter_map(|(d, span)| index.get(d).map(|&i| (i, *span)))
                .collect()
        })
        .collect()
}

/// Strongly connected components (Tarjan's algorithm, iterative).
fn components(edges: &[Vec<(usize, Span)>]) -> Vec<Vec<usize>> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut result = Vec::new();
    let mut next = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some(&(v, child)) = work.last() {
            if child == 0 && index[v] == usize::MAX {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&(w, _)) = edges[v].get(child) {
                if let Some(top) = work.last_mut() {
                    top.1 += 1;
                }
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                component.sort_unstable();
                result.push(component);
            }
        }
    }
    result.sort();
    result
}

/// The shortest cycle through the component's first node, as node indices ending where
/// they start; `None` for a single node without a self-reference.
fn cycle_in(component: &[usize], edges: &[Vec<(usize, Span)>]) -> Option<Vec<usize>> {
    let &start = component.first()?;
    let inside = |i: usize| component.binary_search(&i).is_ok();
    let mut parent: HashMap<usize, usize> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &(w, _) in edges.get(v).map_or(&[][..], Vec::as_slice) {
            if w == start {
                let mut path = vec![start, v];
                let mut at = v;
                while at != start {
                    at = *parent.get(&at)?;
                    path.push(at);
                }
                path.reverse();
                return Some(path);
            }
            if inside(w) && !parent.contains_key(&w) && w != start {
                parent.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    None
}

/// `reference_cycle` at the first reference of the chain, with the others as secondary labels.
fn report_cycle(nodes: &[Node], cycle: &[usize], out: &mut Diagnostics) {
    let name = |i: usize| nodes.get(i).map_or("?", |n| n.name.as_str());
    let chain: Vec<String> = cycle.iter().map(|&i| format!("`{}`", name(i))).collect();
    let mut labels = cycle.windows(2).filter_map(|pair| {
        let (a, b) = (pair[0], pair[1]);
        let span = nodes
            .get(a)?
            .deps
            .iter()
            .find(|(d, _)| nodes.get(b).is_some_and(|n| n.derived == *d))?
            .1;
        Some((span, format!("`{}` refers to `{}` here", name(a), name(b))))
    });
    let Some((primary, text)) = labels.next() else {
        return;
    };
    let mut diagnostic = Diagnostic::new(
        Code::ReferenceCycle,
        primary,
        format!("reference cycle: {}", chain.join(" → ")),
    )
    .with_label(text)
    .with_help("a segment or tier cannot depend on itself; remove one of these references");
    for (span, text) in labels {
        diagnostic = diagnostic.with_secondary(span, text);
    }
    out.push(diagnostic);
}

/// Kahn's algorithm; the smallest ready index goes first, so independent items keep
/// source order.
fn topological(edges: &[Vec<(usize, Span)>]) -> Vec<usize> {
    let n = edges.len();
    let mut waiting: Vec<usize> = edges
        .iter()
        .map(|deps| {
            let mut targets: Vec<usize> = deps.iter().map(|(t, _)| *t).collect();
            targets.sort_unstable();
            targets.dedup();
            targets.len()
        })
        .collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (v, deps) in edges.iter().enumerate() {
        let mut targets: Vec<usize> = deps.iter().map(|(t, _)| *t).collect();
        targets.sort_unstable();
        targets.dedup();
        for t in targets {
            dependents[t].push(v);
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> =
        (0..n).filter(|&v| waiting[v] == 0).map(Reverse).collect();
    let mut result = Vec::with_capacity(n);
    while let Some(Reverse(v)) = ready.pop() {
        result.push(v);
        for &d in &dependents[v] {
            waiting[d] -= 1;
            if waiting[d] == 0 {
                ready.push(Reverse(d));
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::ir::SegmentId;

    fn node(i: u32, deps: &[u32]) -> Node {
        Node {
            derived: Derived::Segment(SegmentId(i)),
            name: format!("s{i}"),
            deps: deps
                .iter()
                .map(|&d| {
                    (
                        Derived::Segment(SegmentId(d)),
                        Span::new(Default::default(), d as usize, d as usize + 1),
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn dependencies_come_first_and_ties_keep_source_order() {
        let nodes = [node(0, &[2]), node(1, &[]), node(2, &[1])];
        let mut out = Diagnostics::new();
        let order = order(&nodes, &mut out).unwrap();
        let ids: Vec<_> = order
            .iter()
            .map(|d| match d {
                Derived::Segment(s) => s.0,
                Derived::Tiers(t) => 100 + t.0,
            })
            .collect();
        assert_eq!(ids, [1, 2, 0]);
    }

    #[test]
    fn cycles_name_their_chain() {
        let nodes = [node(0, &[1]), node(1, &[2]), node(2, &[0]), node(3, &[3])];
        let mut out = Diagnostics::new();
        assert!(order(&nodes, &mut out).is_err());
        let messages: Vec<_> = out.iter().map(|d| d.message.clone()).collect();
        assert_eq!(
            messages,
            [
                "reference cycle: `s0` → `s1` → `s2` → `s0`",
                "reference cycle: `s3` → `s3`"
            ]
        );
    }

    #[test]
    fn long_chains_do_not_recurse() {
        let nodes: Vec<Node> = (0..100_000u32)
            .map(|i| {
                if i == 0 {
                    node(0, &[])
                } else {
                    node(i, &[i - 1])
                }
            })
            .collect();
        let mut out = Diagnostics::new();
        assert_eq!(order(&nodes, &mut out).unwrap().len(), 100_000);
    }
}
