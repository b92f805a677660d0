//! Reading the generated JSON Schema for shape questions.
//!
//! The lowering and the overlay both need to know what is expected at a key: a labelled block
//! (map), a list, a block with named positional arguments, or a scalar. This view answers that
//! from the schemars output, following `$ref`s and unwrapping `Option` (`anyOf [T, null]`).

use serde_json::Value;

/// What the schema expects at one key.
#[derive(Debug, Clone, Copy)]
pub enum Shape<'a> {
    /// A block with known properties; the schema of that block.
    Block(&'a Value),
    /// Labelled blocks: `database "main" { }`; the schema of one block.
    Labelled(&'a Value),
    /// A free-form map of scalars written as properties: `env PORT="3000"`.
    Properties(&'a Value),
    /// A list; the schema of one item.
    List(&'a Value),
    /// A scalar of the given JSON type (`string`, `integer`, `number`, `boolean`), if known.
    Scalar(Option<&'a str>),
}

/// A view of the manifest schema.
#[derive(Debug, Clone, Copy)]
pub struct SchemaView<'a> {
    root: &'a Value,
}

impl<'a> SchemaView<'a> {
    /// Wraps the root schema.
    #[must_use]
    pub fn new(root: &'a Value) -> Self {
        Self { root }
    }

    /// The root schema.
    #[must_use]
    pub fn root(&self) -> &'a Value {
        self.root
    }

    /// Follows `$ref` and unwraps `anyOf [T, null]` until a concrete schema remains.
    #[must_use]
    pub fn resolve(&self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..32 {
            if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
                match reference
                    .strip_prefix('#')
                    .and_then(|pointer| self.root.pointer(pointer))
                {
                    Some(target) => schema = target,
                    None => return schema,
                }
                continue;
            }
            if let Some(variants) = schema.get("anyOf").and_then(Value::as_array) {
                let mut concrete = variants
                    .iter()
                    .filter(|variant| variant.get("type").and_then(Value::as_str) != Some("null"));
                if let (Some(only), None) = (concrete.next(), concrete.next()) {
                    schema = only;
                    continue;
                }
            }
            return schema;
        }
        schema
    }

    /// The schema of property `key` of the block schema `block`, if the block declares it.
    #[must_use]
    pub fn property(&self, block: &'a Value, key: &str) -> Option<&'a Value> {
        self.resolve(block).get("properties")?.get(key)
    }

    /// The names of the properties a block schema declares, in schema order.
    #[must_use]
    pub fn property_names(&self, block: &'a Value) -> Vec<&'a str> {
        self.resolve(block)
            .get("properties")
            .and_then(Value::as_object)
            .map(|properties| properties.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// The names given to positional arguments by the `x-kdl-args` extension.
    #[must_use]
    pub fn positional_names(&self, block: &'a Value) -> Vec<&'a str> {
        self.resolve(block)
            .get("x-kdl-args")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// What the schema expects at `schema`.
    #[must_use]
    pub fn shape(&self, schema: &'a Value) -> Shape<'a> {
        let schema = self.resolve(schema);
        if schema.get("properties").is_some() {
            return Shape::Block(schema);
        }
        let ty = json_type(schema);
        match ty {
            Some("array") => Shape::List(schema.get("items").unwrap_or(&Value::Null)),
            Some("object") => match schema.get("additionalProperties") {
                Some(values) if values.is_object() => {
                    if matches!(self.shape(values), Shape::Block(_)) {
                        Shape::Labelled(values)
                    } else {
                        Shape::Properties(values)
                    }
                }
                _ => Shape::Properties(&Value::Null),
            },
            other => Shape::Scalar(other),
        }
    }

    /// The schema found by walking `pointer` from the root (map labels and list indices included).
    #[must_use]
    pub fn at_pointer(&self, pointer: &str) -> Option<&'a Value> {
        let mut schema = self.root;
        for segment in pointer.split('/').skip(1) {
            let segment = segment.replace("~1", "/").replace("~0", "~");
            schema = match self.shape(schema) {
                Shape::Block(block) => block.get("properties")?.get(&segment)?,
                Shape::Labelled(values) | Shape::Properties(values) => values,
                Shape::List(items) => items,
                Shape::Scalar(_) => return None,
            };
        }
        Some(schema)
    }
}

/// The JSON type a schema names: its `type`, or the first non-null one of a type list.
#[must_use]
pub fn json_type(schema: &Value) -> Option<&str> {
    match schema.get("type") {
        Some(Value::String(ty)) => Some(ty),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|ty| *ty != "null"),
        _ if schema.get("oneOf").is_some() || schema.get("enum").is_some() => Some("string"),
        _ => None,
    }
}
