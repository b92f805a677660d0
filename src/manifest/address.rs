//! Node addresses: `kind.name`, as in `migrations.schema` or `service.api`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The kinds of node a manifest can declare, in the order `apply` prefers when the graph leaves
/// a choice: scaffold, then databases and migrations, then mocks and services, then scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    /// `project`: scaffolding.
    Project,
    /// `database`: a database.
    Database,
    /// `migrations`: a migration set.
    Migrations,
    /// `mock`: a mock HTTP target.
    Mock,
    /// `service`: a process.
    Service,
    /// `scenario`: a load scenario.
    Scenario,
}

impl NodeKind {
    /// Every kind, in preference order.
    pub const ALL: [NodeKind; 6] = [
        NodeKind::Project,
        NodeKind::Database,
        NodeKind::Migrations,
        NodeKind::Mock,
        NodeKind::Service,
        NodeKind::Scenario,
    ];

    /// The keyword used in the manifest.
    #[must_use]
    pub fn keyword(self) -> &'static str {
        match self {
            NodeKind::Project => "project",
            NodeKind::Database => "database",
            NodeKind::Migrations => "migrations",
            NodeKind::Mock => "mock",
            NodeKind::Service => "service",
            NodeKind::Scenario => "scenario",
        }
    }
}

impl fmt::Display for NodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// A node's address: `kind.name`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address {
    /// The node kind.
    pub kind: NodeKind,
    /// The node's label.
    pub name: String,
}

impl Address {
    /// The address of node `name` of `kind`.
    #[must_use]
    pub fn new(kind: NodeKind, name: impl Into<String>) -> Self {
        Self {
            kind,
            name: name.into(),
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.kind, self.name)
    }
}

/// Why text is not an address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an address like `migrations.schema`")]
pub struct AddressError(pub String);

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (kind, name) = text
            .split_once('.')
            .ok_or_else(|| AddressError(text.to_owned()))?;
        let kind = NodeKind::ALL
            .into_iter()
            .find(|candidate| candidate.keyword() == kind)
            .ok_or_else(|| AddressError(text.to_owned()))?;
        if name.is_empty() {
            return Err(AddressError(text.to_owned()));
        }
        Ok(Self::new(kind, name))
    }
}

impl Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip() {
        let address: Address = "migrations.reference-data".parse().unwrap();
        assert_eq!(address.kind, NodeKind::Migrations);
        assert_eq!(address.to_string(), "migrations.reference-data");
        assert!("migration.x".parse::<Address>().is_err());
        assert!("service.".parse::<Address>().is_err());
    }
}
