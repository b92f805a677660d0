//! Resolution: the manifest's nodes and edges, checked and put in a deterministic order.
//!
//! Edges come from `after` (explicit) and from references (`database "main"` in a migration set
//! or project, `{{ database.main.url }}` in a service). Unknown references are problems at their
//! span; a cycle is reported naming only the nodes on it (strongly connected components, not
//! everything downstream of it), each at its own span.

use super::address::{Address, NodeKind};
use super::model::Manifest;
use super::problem::Problem;
use super::span_table::{SpanTable, join};
use super::validate::closest;
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
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
        manifest: &Manifest,
        spans: &SpanTable,
        database_references: &BTreeSet<(String, String)>,
    ) -> Result<Self, Vec<Problem>> {
        let mut needs: BTreeMap<Address, BTreeSet<Address>> = BTreeMap::new();
        let mut problems = Vec::new();
        for address in addresses(manifest) {
            needs.insert(address, BTreeSet::new());
        }
        let known: Vec<String> = needs.keys().map(ToString::to_string).collect();
        let known_refs: Vec<&str> = known.iter().map(String::as_str).collect();

        let mut add = |from: &Address,
                       to: Address,
                       pointer: &str,
                       what: &str,
                       problems: &mut Vec<Problem>| {
            if needs.contains_key(&to) {
                needs.entry(from.clone()).or_default().insert(to);
            } else {
                let wanted = to.to_string();
                let same_kind: Vec<&str> = known_refs
                    .iter()
                    .copied()
                    .filter(|candidate| candidate.starts_with(&format!("{}.", to.kind)))
                    .collect();
                let help = match closest(&wanted, &same_kind) {
                    Some(candidate) => format!("did you mean `{candidate}`?"),
                    None if same_kind.is_empty() => {
                        format!("declare `{} \"{}\" {{ … }}`", to.kind, to.name)
                    }
                    None => format!(
                        "defined: {}",
                        same_kind
                            .iter()
                            .map(|c| format!("`{c}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                problems.push(
                    Problem::new(
                        "manifest::unknown-reference",
                        format!("`{from}` {what} `{wanted}`, which is not defined"),
                    )
                    .at(spans.value_span(pointer), "not defined")
                    .help(help),
                );
            }
        };

        for (from, after, base) in explicit_edges(manifest) {
            for (index, target) in after.iter().enumerate() {
                let pointer = join(&base, "after") + &format!("/{index}");
                match target.parse::<Address>() {
                    Ok(to) => add(&from, to, &pointer, "runs after", &mut problems),
                    Err(error) => problems.push(
                        Problem::new("manifest::bad-address", error.to_string())
                            .at(spans.value_span(&pointer), "not an address")
                            .help("write `kind.name`, where kind is project, database, migrations, service, scenario or mock"),
                    ),
                }
            }
        }
        for (name, set) in &manifest.migrations {
            let from = Address::new(NodeKind::Migrations, name);
            let pointer = format!("{}/database", join("/migrations", name));
            add(
                &from,
                Address::new(NodeKind::Database, &set.database),
                &pointer,
                "uses database",
                &mut problems,
            );
            // A migration set that lives inside a scaffolded project runs after the scaffold.
            for (project_name, project) in &manifest.project {
                if path_within(&set.path, &project.path) {
                    let pointer = format!("{}/path", join("/migrations", name));
                    add(
                        &from,
                        Address::new(NodeKind::Project, project_name),
                        &pointer,
                        "lives in",
                        &mut problems,
                    );
                }
            }
        }
        for (name, project) in &manifest.project {
            if let Some(database) = &project.database {
                let from = Address::new(NodeKind::Project, name);
                let pointer = format!("{}/database", join("/project", name));
                add(
                    &from,
                    Address::new(NodeKind::Database, database),
                    &pointer,
                    "uses database",
                    &mut problems,
                );
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
                    &mut problems,
                );
            }
        }

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

fn addresses(manifest: &Manifest) -> Vec<Address> {
    let mut addresses = Vec::new();
    let mut push = |kind, names: Vec<&String>| {
        addresses.extend(names.into_iter().map(|name| Address::new(kind, name)));
    };
    push(NodeKind::Project, manifest.project.keys().collect());
    push(NodeKind::Database, manifest.database.keys().collect());
    push(NodeKind::Migrations, manifest.migrations.keys().collect());
    push(NodeKind::Service, manifest.service.keys().collect());
    push(NodeKind::Scenario, manifest.scenario.keys().collect());
    push(NodeKind::Mock, manifest.mock.keys().collect());
    addresses
}

/// (node, its `after` list, its pointer) for every node.
fn explicit_edges(manifest: &Manifest) -> Vec<(Address, Vec<String>, String)> {
    let mut edges = Vec::new();
    let mut push = |kind: NodeKind, name: &String, after: &Vec<String>| {
        edges.push((
            Address::new(kind, name),
            after.clone(),
            join(&format!("/{kind}"), name),
        ));
    };
    for (name, node) in &manifest.project {
        push(NodeKind::Project, name, &node.after);
    }
    for (name, node) in &manifest.database {
        push(NodeKind::Database, name, &node.after);
    }
    for (name, node) in &manifest.migrations {
        push(NodeKind::Migrations, name, &node.after);
    }
    for (name, node) in &manifest.service {
        push(NodeKind::Service, name, &node.after);
    }
    for (name, node) in &manifest.scenario {
        push(NodeKind::Scenario, name, &node.after);
    }
    for (name, node) in &manifest.mock {
        push(NodeKind::Mock, name, &node.after);
    }
    edges
}

fn path_within(inner: &str, outer: &str) -> bool {
    let inner = std::path::Path::new(inner);
    let outer = std::path::Path::new(outer);
    inner.starts_with(outer) && inner != outer
}
