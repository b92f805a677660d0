//! Lowering: a parsed KDL document becomes a `serde_json::Value`, guided by the schema.
//!
//! We do not use kdl's experimental serde support: it loses spans and cannot tell one node from a
//! list of one. Instead the lowering is generic, and asks the schema only one question per key:
//! what shape is expected here? The rules (documented once, in `docs/manifest.md`):
//!
//! - a block's child nodes become keys; `flag` alone is `true`, `key value` a scalar;
//! - a key whose schema is a map of blocks reads the first argument as the label:
//!   `migrations "core" { }` → `migrations.core`;
//! - a key whose schema is a list collects every node of that name, even a single one; a list of
//!   scalars takes all the node's arguments (`after "a" "b"`);
//! - `x-kdl-args` names positional arguments: `stage "30s" target=50` → `{duration, target}`;
//! - properties are keys of the node's block (`ready "…" timeout="60s"`);
//! - a free-form map is written as properties: `env PORT="3000"`.
//!
//! Every value's key and value spans go into the [`SpanTable`]; shape problems (a missing label,
//! an unexpected argument, a duplicate name) are collected, never fatal.

use super::limits::MAX_NAME_CHARS;
use super::problem::{Problem, code_list};
use super::schema_view::{SchemaView, Shape};
use super::span_table::{Origin, SpanTable, join};
use kdl::{KdlDocument, KdlEntry, KdlNode, KdlValue};
use miette::SourceSpan;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The result of lowering: the value, where each part came from, and shape problems.
#[derive(Debug, Default)]
pub struct Lowered {
    /// The manifest as JSON.
    pub value: Value,
    /// Pointer → span.
    pub spans: SpanTable,
    /// Problems found while lowering.
    pub problems: Vec<Problem>,
}

/// Lowers `document` against the root `schema`.
#[must_use]
pub fn lower(document: &KdlDocument, schema: &Value) -> Lowered {
    let mut lowering = Lowering {
        view: SchemaView::new(schema),
        spans: SpanTable::default(),
        problems: Vec::new(),
    };
    let mut root = Map::new();
    let mut first_seen = BTreeMap::new();
    for node in document.nodes() {
        lowering.node_into(&mut root, "", Some(schema), node, &mut first_seen);
    }
    lowering.spans.record(
        "",
        Origin::Source {
            key: (0, 0).into(),
            value: (0, 0).into(),
        },
    );
    Lowered {
        value: Value::Object(root),
        spans: lowering.spans,
        problems: lowering.problems,
    }
}

struct Lowering<'a> {
    view: SchemaView<'a>,
    spans: SpanTable,
    problems: Vec<Problem>,
}

impl<'a> Lowering<'a> {
    /// Lowers one child `node` of a block (whose schema is `block`) into `object`.
    fn node_into(
        &mut self,
        object: &mut Map<String, Value>,
        pointer: &str,
        block: Option<&'a Value>,
        node: &KdlNode,
        first_seen: &mut BTreeMap<String, SourceSpan>,
    ) {
        let key = node.name().value().to_owned();
        let key_pointer = join(pointer, &key);
        let name_span = node.name().span();
        let schema = block.and_then(|block| self.view.property(block, &key));
        let Some(schema) = schema else {
            // Unknown key: lower it generically so the validator reports it with its span.
            let value = self.generic(node, &key_pointer);
            self.spans.record(
                &key_pointer,
                Origin::Source {
                    key: name_span,
                    value: name_span,
                },
            );
            object.insert(key, value);
            return;
        };
        match self.view.shape(schema) {
            Shape::Labelled(item) => {
                let entry = object
                    .entry(key.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                self.spans.record(
                    &key_pointer,
                    Origin::Source {
                        key: name_span,
                        value: name_span,
                    },
                );
                let Some(label_entry) = node.entries().iter().find(|e| e.name().is_none()) else {
                    self.problems.push(
                        Problem::new("manifest::missing-name", format!("`{key}` needs a name"))
                            .at(Some(name_span), "this block has no name")
                            .help(format!("name it: `{key} \"main\" {{ … }}`")),
                    );
                    return;
                };
                let KdlValue::String(label) = label_entry.value() else {
                    self.problems.push(
                        Problem::new(
                            "manifest::bad-name",
                            format!("the name of a `{key}` must be a string"),
                        )
                        .at(Some(label_entry.span()), "not a string")
                        .help(format!("quote it: `{key} \"{}\"`", label_entry.value())),
                    );
                    return;
                };
                if label.chars().count() > MAX_NAME_CHARS {
                    self.problems.push(
                        Problem::new(
                            "manifest::bad-name",
                            format!(
                                "the name of a `{key}` is {} characters long; names have at most {MAX_NAME_CHARS}",
                                label.chars().count()
                            ),
                        )
                        .at(Some(label_entry.span()), "this name")
                        .help("a name is an identifier (`api`, `shop-db`): the address `kind.name` appears in every plan line"),
                    );
                    return;
                }
                let item_pointer = join(&key_pointer, label);
                let map = entry.as_object_mut().expect("labelled blocks are objects");
                if map.contains_key(label) {
                    let first = self
                        .spans
                        .key_span(&item_pointer)
                        .filter(|span| span.offset() != label_entry.span().offset());
                    self.problems.push(
                        Problem::new(
                            "manifest::duplicate-name",
                            format!("`{key} \"{label}\"` is defined twice"),
                        )
                        .at(Some(label_entry.span()), "second definition")
                        .also(first, "first defined here")
                        .help(format!("give each `{key}` its own name")),
                    );
                    return;
                }
                self.spans.record(
                    &item_pointer,
                    Origin::Source {
                        key: label_entry.span(),
                        value: name_span,
                    },
                );
                let value = self.block(node, &item_pointer, item, Some(label_entry));
                map.insert(label.clone(), value);
            }
            Shape::List(item) => {
                let entry = object
                    .entry(key.clone())
                    .or_insert_with(|| Value::Array(Vec::new()));
                let Some(list) = entry.as_array_mut() else {
                    return;
                };
                if list.is_empty() {
                    self.spans.record(
                        &key_pointer,
                        Origin::Source {
                            key: name_span,
                            value: name_span,
                        },
                    );
                }
                if matches!(self.view.shape(item), Shape::Block(_)) {
                    let item_pointer = join(&key_pointer, &list.len().to_string());
                    self.spans.record(
                        &item_pointer,
                        Origin::Source {
                            key: name_span,
                            value: name_span,
                        },
                    );
                    let value = self.block(node, &item_pointer, item, None);
                    list.push(value);
                } else {
                    for entry in node.entries() {
                        if let Some(name) = entry.name() {
                            self.problems.push(
                                Problem::new(
                                    "manifest::unexpected-property",
                                    format!("`{key}` takes a list of values, not properties"),
                                )
                                .at(
                                    Some(entry.span()),
                                    format!("`{}=` is not allowed here", name.value()),
                                )
                                .help(format!("write `{key} \"a\" \"b\"`")),
                            );
                            continue;
                        }
                        let item_pointer = join(&key_pointer, &list.len().to_string());
                        self.spans.record(
                            &item_pointer,
                            Origin::Source {
                                key: name_span,
                                value: entry.span(),
                            },
                        );
                        list.push(scalar(entry.value()));
                    }
                    self.reject_children(node, &key);
                }
            }
            shape => {
                if let Some(first) = first_seen.get(&key) {
                    self.problems.push(
                        Problem::new("manifest::duplicate-key", format!("`{key}` is given twice"))
                            .at(Some(name_span), "given again here")
                            .also(Some(*first), "first given here")
                            .help("keep one of them"),
                    );
                    return;
                }
                first_seen.insert(key.clone(), name_span);
                let (value, value_span) = match shape {
                    Shape::Block(block) => (self.block(node, &key_pointer, block, None), name_span),
                    Shape::Properties(_) => (self.properties(node, &key_pointer), name_span),
                    _ => self.scalar_node(node, &key_pointer),
                };
                self.spans.record(
                    &key_pointer,
                    Origin::Source {
                        key: name_span,
                        value: value_span,
                    },
                );
                object.insert(key, value);
            }
        }
    }

    /// A node whose schema is a block: named positional arguments, properties and children.
    fn block(
        &mut self,
        node: &KdlNode,
        pointer: &str,
        schema: &'a Value,
        label: Option<&KdlEntry>,
    ) -> Value {
        let mut object = Map::new();
        let mut first_seen = BTreeMap::new();
        let positional = self.view.positional_names(schema);
        let arguments = node
            .entries()
            .iter()
            .filter(|entry| entry.name().is_none())
            .filter(|entry| label.is_none_or(|label| !std::ptr::eq(*entry, label)));
        for (index, entry) in arguments.enumerate() {
            match positional.get(index) {
                Some(name) => {
                    let field_pointer = join(pointer, name);
                    self.spans.record(
                        &field_pointer,
                        Origin::Source {
                            key: entry.span(),
                            value: entry.span(),
                        },
                    );
                    let value = self.property_value(schema, name, entry.value());
                    object.insert((*name).to_owned(), value);
                }
                None => {
                    let key = node.name().value();
                    let help = if positional.is_empty() {
                        format!(
                            "`{key}` takes no positional values here; use properties (`name=value`) or child nodes"
                        )
                    } else {
                        format!(
                            "`{key}` takes {} positional value(s): {}",
                            positional.len(),
                            code_list(&positional)
                        )
                    };
                    self.problems.push(
                        Problem::new(
                            "manifest::unexpected-argument",
                            format!("unexpected value {} for `{key}`", entry.value()),
                        )
                        .at(Some(entry.span()), "not expected here")
                        .help(help),
                    );
                }
            }
        }
        for entry in node.entries() {
            let Some(name) = entry.name() else { continue };
            let field_pointer = join(pointer, name.value());
            self.spans.record(
                &field_pointer,
                Origin::Source {
                    key: name.span(),
                    value: entry.span(),
                },
            );
            let value = self.property_value(schema, name.value(), entry.value());
            object.insert(name.value().to_owned(), value);
        }
        if let Some(children) = node.children() {
            for child in children.nodes() {
                self.node_into(&mut object, pointer, Some(schema), child, &mut first_seen);
            }
        }
        Value::Object(object)
    }

    /// A property or positional value; wrapped in a list when the schema wants a list.
    fn property_value(&self, block: &'a Value, name: &str, value: &KdlValue) -> Value {
        let value = scalar(value);
        match self.view.property(block, name).map(|s| self.view.shape(s)) {
            Some(Shape::List(_)) => Value::Array(vec![value]),
            _ => value,
        }
    }

    /// A free-form map written as properties: `env PORT="3000"`.
    fn properties(&mut self, node: &KdlNode, pointer: &str) -> Value {
        let mut object = Map::new();
        for entry in node.entries() {
            match entry.name() {
                Some(name) => {
                    self.spans.record(
                        join(pointer, name.value()),
                        Origin::Source {
                            key: name.span(),
                            value: entry.span(),
                        },
                    );
                    object.insert(name.value().to_owned(), scalar(entry.value()));
                }
                None => {
                    let key = node.name().value();
                    self.problems.push(
                        Problem::new(
                            "manifest::unexpected-argument",
                            format!("`{key}` takes properties, not a value"),
                        )
                        .at(Some(entry.span()), "not expected here")
                        .help(format!("write `{key} NAME=\"value\"`")),
                    );
                }
            }
        }
        if let Some(children) = node.children() {
            for child in children.nodes() {
                let child_pointer = join(pointer, child.name().value());
                let (value, span) = self.scalar_node(child, &child_pointer);
                self.spans.record(
                    child_pointer,
                    Origin::Source {
                        key: child.name().span(),
                        value: span,
                    },
                );
                object.insert(child.name().value().to_owned(), value);
            }
        }
        Value::Object(object)
    }

    /// A node that should hold one value: `url "…"`. A bare node is `true`.
    fn scalar_node(&mut self, node: &KdlNode, pointer: &str) -> (Value, SourceSpan) {
        let key = node.name().value();
        self.reject_children(node, key);
        let entries = node.entries();
        match entries {
            [] => (Value::Bool(true), node.name().span()),
            [only] if only.name().is_none() => (scalar(only.value()), only.span()),
            _ => {
                // Several values or properties where one is expected: keep them so the validator
                // reports the type mismatch at this node.
                let value = self.generic(node, pointer);
                let span = entries.first().map_or(node.name().span(), KdlEntry::span);
                (value, span)
            }
        }
    }

    fn reject_children(&mut self, node: &KdlNode, key: &str) {
        if let Some(children) = node.children()
            && let Some(first) = children.nodes().first()
        {
            self.problems.push(
                Problem::new(
                    "manifest::unexpected-children",
                    format!("`{key}` takes no child nodes"),
                )
                .at(Some(first.name().span()), "not expected here")
                .help(format!(
                    "write the value on the same line: `{key} \"value\"`"
                )),
            );
        }
    }

    /// Lowering without a schema (unknown keys): best effort, for the validator to report.
    fn generic(&mut self, node: &KdlNode, pointer: &str) -> Value {
        let arguments: Vec<Value> = node
            .entries()
            .iter()
            .filter(|entry| entry.name().is_none())
            .map(|entry| scalar(entry.value()))
            .collect();
        let has_properties = node.entries().iter().any(|entry| entry.name().is_some());
        if node.children().is_none() && !has_properties {
            return match arguments.len() {
                0 => Value::Bool(true),
                1 => arguments.into_iter().next().unwrap_or(Value::Null),
                _ => Value::Array(arguments),
            };
        }
        let mut object = Map::new();
        for entry in node.entries() {
            if let Some(name) = entry.name() {
                object.insert(name.value().to_owned(), scalar(entry.value()));
            }
        }
        if let Some(children) = node.children() {
            let mut first_seen = BTreeMap::new();
            for child in children.nodes() {
                self.node_into(&mut object, pointer, None, child, &mut first_seen);
            }
        }
        Value::Object(object)
    }
}

/// A KDL value as JSON.
#[must_use]
pub fn scalar(value: &KdlValue) -> Value {
    match value {
        KdlValue::String(text) => Value::String(text.clone()),
        KdlValue::Integer(number) => i64::try_from(*number)
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(number.to_string())),
        KdlValue::Float(number) => serde_json::Number::from_f64(*number)
            .map_or_else(|| Value::String(number.to_string()), Value::Number),
        KdlValue::Bool(flag) => Value::Bool(*flag),
        KdlValue::Null => Value::Null,
    }
}
