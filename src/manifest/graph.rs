//! Resolution: the manifest's nodes and edges, checked and put in a deterministic order.
//!
//! Edges come from `after` (explicit) and from references (`database "main"` in a migration set
//! or project, `{{ database.main.url }}` in a service). Unknown references are problems at their
//! span; a cycle is reported naming only the nodes on it (strongly connected components, not
//! everything downstream of it), each at its own span.

use super::address::{Address, NodeKind};
use super::problem::{Problem, code_list};
use super::span_table::{SpanTable, join};
use super::validate::closest;
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The dependency graph of a manifest.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// For each node, the nodes it needs (its direct dependencies).
    needs: BTreeMap<Address, BTreeSet<Address>>,
}

impl Graph {
    /// Builds and checks the graph of `manifest`.
    ///
    /// # Errors
    /// Problems for unknown references, malformed addresses and cycles.
    pub fn resolve(
        value: &Value,
        spans: &SpanTable,
        database_references: &BTreeSet<(String, String)>,
    ) -> Result<Self, Vec<Problem>> {
        let nodes = nodes(value);
        let mut needs: BTreeMap<Address, BTreeSet<Address>> = nodes
            .iter()
            .map(|(address, _)| (address.clone(), BTreeSet::new()))
            .collect();
        let known: Vec<String> = needs.keys().map(ToString::to_string).collect();
        let mut problems = Vec::new();
        let mut bad_addresses = Vec::new();
        let mut add = |from: &Address, to: Address, pointer: &str, what: &str| {
            if needs.contains_key(&to) {
                needs.entry(from.clone()).or_default().insert(to);
                return;
            }
            let wanted = to.to_string();
            let prefix = format!("{}.", to.kind);
            let same_kind: Vec<&str> = known
                .iter()
                .map(String::as_str)
                .filter(|candidate| candidate.starts_with(&prefix))
                .collect();
            let help = match closest(&wanted, &same_kind) {
                Some(candidate) => format!("did you mean `{candidate}`?"),
                None if same_kind.is_empty() => {
                    format!("declare it: `{} \"{}\" {{ … }}`", to.kind, to.name)
                }
                None => format!("defined: {}", code_list(&same_kind)),
            };
            problems.push(
                Problem::new(
                    "manifest::unknown-reference",
                    format!("`{from}` {what} `{wanted}`, which is not defined"),
                )
                .at(spans.value_span(pointer), "not defined")
                .help(help),
            );
        };

        for (from, node) in &nodes {
            let base = join(&format!("/{}", from.kind), &from.name);
            let after = node.get("after").and_then(Value::as_array);
            for (index, target) in after.into_iter().flatten().enumerate() {
                let pointer = format!("{base}/after/{index}");
                let Some(target) = target.as_str() else {
                    continue;
                };
                match target.parse::<Address>() {
                    Ok(to) => add(from, to, &pointer, "runs after"),
                    Err(error) => {
                        add_bad_address(&mut bad_addresses, spans, &pointer, &error.to_string())
                    }
                }
            }
            if matches!(from.kind, NodeKind::Migrations | NodeKind::Project)
                && let Some(database) = node.get("database").and_then(Value::as_str)
            {
                let pointer = format!("{base}/database");
                add(
                    from,
                    Address::new(NodeKind::Database, database),
                    &pointer,
                    "uses database",
                );
            }
            // A migration set that lives inside a scaffolded project runs after the scaffold.
            if from.kind == NodeKind::Migrations
                && let Some(path) = node.get("path").and_then(Value::as_str)
            {
                for (project, project_node) in &nodes {
                    let inside = project.kind == NodeKind::Project
                        && project_node
                            .get("path")
                            .and_then(Value::as_str)
                            .is_some_and(|outer| path_within(path, outer));
                    if inside {
                        add(from, project.clone(), &format!("{base}/path"), "lives in");
                    }
                }
            }
        }
        for (node, database) in database_references {
            if let Ok(from) = node.parse::<Address>() {
                let pointer = format!("/{}/{}", from.kind, from.name);
                add(
                    &from,
                    Address::new(NodeKind::Database, database),
                    &pointer,
                    "refers to database",
                );
            }
        }

        problems.extend(bad_addresses);
        let graph = Self { needs };
        problems.extend(graph.cycles(spans));
        if problems.is_empty() {
            Ok(graph)
        } else {
            Err(problems)
        }
    }

    /// Every node, in address order.
    pub fn nodes(&self) -> impl Iterator<Item = &Address> {
        self.needs.keys()
    }

    /// The direct dependencies of `address`.
    #[must_use]
    pub fn needs(&self, address: &Address) -> Vec<Address> {
        self.needs
            .get(address)
            .map(|needs| needs.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// `address` and everything it needs, transitively.
    #[must_use]
    pub fn closure(&self, address: &Address) -> BTreeSet<Address> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![address.clone()];
        while let Some(next) = stack.pop() {
            if seen.insert(next.clone()) {
                stack.extend(self.needs(&next));
            }
        }
        seen
    }

    /// A deterministic order: dependencies first; among nodes ready at the same time, by kind
    /// (scaffold, databases, migrations, mocks, services, scenarios), then by name.
    #[must_use]
    pub fn order(&self) -> Vec<Address> {
        let mut remaining: BTreeMap<&Address, usize> = self
            .needs
            .iter()
            .map(|(address, needs)| (address, needs.len()))
            .collect();
        let mut ready: BTreeSet<&Address> = remaining
            .iter()
            .filter(|(_, count)| **count == 0)
            .map(|(address, _)| *address)
            .collect();
        let mut order = Vec::with_capacity(self.needs.len());
        while let Some(next) = ready.pop_first() {
            remaining.remove(next);
            order.push(next.clone());
            for (address, count) in &mut remaining {
                if self.needs[*address].contains(next) {
                    *count -= 1;
                    if *count == 0 {
                        ready.insert(address);
                    }
                }
            }
        }
        order
    }

    fn cycles(&self, spans: &SpanTable) -> Vec<Problem> {
        let mut graph = DiGraph::<&Address, ()>::new();
        let indices: BTreeMap<&Address, NodeIndex> = self
            .needs
            .keys()
            .map(|address| (address, graph.add_node(address)))
            .collect();
        for (address, needs) in &self.needs {
            for need in needs {
                graph.add_edge(indices[need], indices[address], ());
            }
        }
        let mut problems = Vec::new();
        for component in tarjan_scc(&graph) {
            let self_loop = component.len() == 1
                && self.needs[graph[component[0]]].contains(graph[component[0]]);
            if component.len() < 2 && !self_loop {
                continue;
            }
            let mut members: Vec<&Address> = component.iter().map(|index| graph[*index]).collect();
            members.sort();
            let names = members
                .iter()
                .map(|address| format!("`{address}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let span_of =
                |address: &Address| spans.key_span(&format!("/{}/{}", address.kind, address.name));
            let mut problem =
                Problem::new("manifest::cycle", format!("dependency cycle among {names}")).at(
                    span_of(members[0]),
                    format!("{} is on the cycle", members[0]),
                );
            for member in &members[1..] {
                problem = problem.also(span_of(member), format!("{member} is on the cycle"));
            }
            problems.push(
                problem
                    .help("remove one `after` (or reference) so the nodes can run in some order"),
            );
        }
        problems
    }
}

/// Every node of the lowered manifest with its block.
fn nodes(value: &Value) -> Vec<(Address, &Value)> {
    let mut nodes = Vec::new();
    for kind in NodeKind::ALL {
        let Some(Value::Object(labelled)) = value.get(kind.keyword()) else {
            continue;
        };
        for (name, node) in labelled {
            nodes.push((Address::new(kind, name), node));
        }
    }
    nodes
}

fn add_bad_address(problems: &mut Vec<Problem>, spans: &SpanTable, pointer: &str, message: &str) {
    problems.push(
        Problem::new("manifest::bad-address", message.to_owned())
            .at(spans.value_span(pointer), "not an address")
            .help("write `kind.name`, where kind is project, database, migrations, service, scenario or mock"),
    );
}

fn path_within(inner: &str, outer: &str) -> bool {
    let inner = std::path::Path::new(inner);
    let outer = std::path::Path::new(outer);
    inner.starts_with(outer) && inner != outer
}
