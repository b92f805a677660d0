//! A response body as the schema validator reads it: one flat vector of values in document
//! order, strings borrowed from the body, parsed by `serde_json` in place.
//!
//! Why not `serde_json::Value`: building a `Value` (a `BTreeMap` and a `String` per key, a
//! `String` per string) and dropping it cost about three quarters of a contract check under
//! load (callgrind, docs/load.md "Cost of the contract checks"). jsonschema validates any
//! representation implementing its `json::Json` traits, so the body is read into a [`Tape`]
//! instead: one allocation per body, no copy of any string without escapes, and subtrees
//! skipped in one step because each container records where it ends.
//!
//! Layout: a container's entry is followed by its children; an object's children are pairs of
//! a key (a string entry) and the value's entries. Each container entry records its number of
//! children and the index just past its last descendant.

use std::borrow::Cow;
use std::fmt;

use jsonschema::JsonType;
use jsonschema::json::{Array, Json, JsonNumber, Node, NodeIdentity, Object, cmp};
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// The representation jsonschema's validators are built for (`options_for::<JsonTape>()`).
pub(crate) struct JsonTape;

/// One parsed JSON document borrowing from its text.
pub(crate) struct Tape<'b> {
    entries: Vec<Entry<'b>>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Entry<'b> {
    Null,
    Bool(bool),
    Number(Number),
    /// A string or an object's key; owned only when the text had escapes.
    String(Cow<'b, str>),
    /// `len` elements; `end` is the index just past the last descendant.
    Array {
        len: u32,
        end: u32,
    },
    /// `len` members (key, value); `end` as for arrays.
    Object {
        len: u32,
        end: u32,
    },
}

/// A number as `serde_json` reads it (without `arbitrary_precision`): non-negative integers as
/// `u64`, negative ones as `i64`, everything else as `f64`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Number {
    PosInt(u64),
    NegInt(i64),
    Float(f64),
}

impl<'b> Tape<'b> {
    /// Parses `text` (one JSON value, whitespace around it allowed). Strings without escapes
    /// are borrowed from `text`.
    pub(crate) fn parse(text: &'b [u8]) -> Result<Self, serde_json::Error> {
        // About one value per 8 bytes of typical API JSON.
        let mut entries = Vec::with_capacity(text.len() / 8 + 1);
        let mut deserializer = serde_json::Deserializer::from_slice(text);
        Builder(&mut entries).deserialize(&mut deserializer)?;
        deserializer.end()?;
        Ok(Self { entries })
    }

    /// The document's root value.
    pub(crate) fn root(&self) -> TapeNode<'_> {
        TapeNode {
            entries: &self.entries,
            index: 0,
        }
    }
}

/// Appends one value (and its descendants) to the tape.
struct Builder<'t, 'b>(&'t mut Vec<Entry<'b>>);

impl<'de> DeserializeSeed<'de> for Builder<'_, 'de> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Builder<'_, 'de> {
    fn push(self, entry: Entry<'de>) {
        self.0.push(entry);
    }

    /// Reserves a container's entry; [`Builder::close`] fills it in.
    fn open(&mut self) -> usize {
        self.0.push(Entry::Null);
        self.0.len() - 1
    }

    fn close<E: serde::de::Error>(&mut self, at: usize, len: usize, object: bool) -> Result<(), E> {
        let too_big = || E::custom("the document has more than 4 billion values");
        let len = u32::try_from(len).map_err(|_| too_big())?;
        let end = u32::try_from(self.0.len()).map_err(|_| too_big())?;
        self.0[at] = if object {
            Entry::Object { len, end }
        } else {
            Entry::Array { len, end }
        };
        Ok(())
    }
}

impl<'de> Visitor<'de> for Builder<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.push(Entry::Null);
        Ok(())
    }

    fn visit_bool<E>(self, value: bool) -> Result<(), E> {
        self.push(Entry::Bool(value));
        Ok(())
    }

    fn visit_u64<E>(self, value: u64) -> Result<(), E> {
        self.push(Entry::Number(Number::PosInt(value)));
        Ok(())
    }

    fn visit_i64<E>(self, value: i64) -> Result<(), E> {
        // As serde_json's `Number`: a non-negative integer is always `PosInt`.
        let number = u64::try_from(value).map_or(Number::NegInt(value), Number::PosInt);
        self.push(Entry::Number(number));
        Ok(())
    }

    fn visit_f64<E>(self, value: f64) -> Result<(), E> {
        self.push(Entry::Number(Number::Float(value)));
        Ok(())
    }

    fn visit_borrowed_str<E>(self, value: &'de str) -> Result<(), E> {
        self.push(Entry::String(Cow::Borrowed(value)));
        Ok(())
    }

    fn visit_str<E>(self, value: &str) -> Result<(), E> {
        self.push(Entry::String(Cow::Owned(value.to_owned())));
        Ok(())
    }

    fn visit_string<E>(self, value: String) -> Result<(), E> {
        self.push(Entry::String(Cow::Owned(value)));
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let at = self.open();
        let mut len = 0;
        while seq.next_element_seed(Builder(self.0))?.is_some() {
            len += 1;
        }
        self.close(at, len, false)
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let at = self.open();
        let mut len = 0;
        while map.next_key_seed(Builder(self.0))?.is_some() {
            map.next_value_seed(Builder(self.0))?;
            len += 1;
        }
        self.close(at, len, true)
    }
}

/// One value of a [`Tape`].
#[derive(Clone, Copy)]
pub(crate) struct TapeNode<'a> {
    entries: &'a [Entry<'a>],
    index: u32,
}

impl<'a> TapeNode<'a> {
    fn entry(&self) -> &'a Entry<'a> {
        &self.entries[self.index as usize]
    }

    fn at(&self, index: u32) -> Self {
        Self {
            entries: self.entries,
            index,
        }
    }

    /// The index just past this value and its descendants.
    fn end(&self) -> u32 {
        match self.entry() {
            Entry::Array { end, .. } | Entry::Object { end, .. } => *end,
            _ => self.index + 1,
        }
    }

    fn as_str(&self) -> Option<&'a str> {
        match self.entry() {
            Entry::String(text) => Some(text),
            _ => None,
        }
    }
}

impl Json for JsonTape {
    type Node<'a> = TapeNode<'a>;
    type PreparedKey = Box<str>;
    type StringBuffer = Vec<Entry<'static>>;

    // A lookup scans the members, so a pass over them is never worse than a few lookups.
    const KEYS_PER_LOOKUP: usize = 16;
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> Box<str> {
        key.into()
    }

    fn with_string_node<T>(
        buffer: &mut Vec<Entry<'static>>,
        string: &str,
        f: impl FnOnce(TapeNode<'_>) -> T,
    ) -> T {
        let mut text = match buffer.pop() {
            Some(Entry::String(Cow::Owned(text))) => text,
            _ => String::new(),
        };
        buffer.clear();
        text.clear();
        text.push_str(string);
        buffer.push(Entry::String(Cow::Owned(text)));
        f(TapeNode {
            entries: buffer,
            index: 0,
        })
    }
}

impl<'a> Node<'a, JsonTape> for TapeNode<'a> {
    type Object = TapeObject<'a>;
    type Array = TapeArray<'a>;
    type Number = Number;

    fn as_object(&self) -> Option<TapeObject<'a>> {
        match self.entry() {
            Entry::Object { len, .. } => Some(TapeObject {
                node: *self,
                len: *len,
            }),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<TapeArray<'a>> {
        match self.entry() {
            Entry::Array { len, .. } => Some(TapeArray {
                node: *self,
                len: *len,
            }),
            _ => None,
        }
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        self.as_str().map(Cow::Borrowed)
    }

    fn as_number(&self) -> Option<Number> {
        match self.entry() {
            Entry::Number(number) => Some(*number),
            _ => None,
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        match self.entry() {
            Entry::Bool(value) => Some(*value),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self.entry(), Entry::Null)
    }

    fn json_type(&self) -> JsonType {
        match self.entry() {
            Entry::Null => JsonType::Null,
            Entry::Bool(_) => JsonType::Boolean,
            Entry::Number(_) => JsonType::Number,
            Entry::String(_) => JsonType::String,
            Entry::Array { .. } => JsonType::Array,
            Entry::Object { .. } => JsonType::Object,
        }
    }

    fn string_length_within(&self, min: u64, max: u64) -> Option<bool> {
        let text = self.as_str()?;
        // A code point takes one to four bytes: the byte count often settles it.
        let bytes = text.len() as u64;
        if bytes < min || bytes.div_ceil(4) > max {
            return Some(false);
        }
        if min <= bytes.div_ceil(4) && bytes <= max {
            return Some(true);
        }
        Some((min..=max).contains(&(text.chars().count() as u64)))
    }

    fn equals_value(&self, expected: &Value) -> bool {
        match (self.entry(), expected) {
            (Entry::Null, Value::Null) => true,
            (Entry::Bool(a), Value::Bool(b)) => a == b,
            (Entry::String(a), Value::String(b)) => a == b,
            (Entry::Number(_), Value::Number(_))
            | (Entry::Array { .. }, Value::Array(_))
            | (Entry::Object { .. }, Value::Object(_)) => cmp::equal(&self.to_value(), expected),
            _ => false,
        }
    }

    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(value_of(*self))
    }

    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::tagged(
            self.entries.as_ptr() as usize,
            self.index,
        ))
    }
}

/// The value at `node` as a `serde_json::Value`: for error messages, `enum` on containers.
fn value_of(node: TapeNode<'_>) -> Value {
    match node.entry() {
        Entry::Null => Value::Null,
        Entry::Bool(value) => Value::Bool(*value),
        Entry::Number(number) => Value::Number(number.to_number().into_owned()),
        Entry::String(text) => Value::String(text.to_string()),
        Entry::Array { .. } => Value::Array(
            node.as_array()
                .map(|a| a.elements().map(value_of).collect())
                .unwrap_or_default(),
        ),
        Entry::Object { .. } => Value::Object(
            node.as_object()
                .map(|o| {
                    o.members()
                        .map(|(k, v)| (k.to_owned(), value_of(v)))
                        .collect()
                })
                .unwrap_or_default(),
        ),
    }
}

impl JsonNumber for Number {
    fn as_u64(&self) -> Option<u64> {
        match *self {
            Self::PosInt(n) => Some(n),
            Self::NegInt(_) | Self::Float(_) => None,
        }
    }

    fn as_i64(&self) -> Option<i64> {
        match *self {
            Self::PosInt(n) => i64::try_from(n).ok(),
            Self::NegInt(n) => Some(n),
            Self::Float(_) => None,
        }
    }

    #[expect(clippy::cast_precision_loss, reason = "as serde_json's Number::as_f64")]
    fn as_f64(&self) -> Option<f64> {
        Some(match *self {
            Self::PosInt(n) => n as f64,
            Self::NegInt(n) => n as f64,
            Self::Float(n) => n,
        })
    }

    fn as_str(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_number().to_string())
    }

    fn to_number(&self) -> Cow<'_, serde_json::Number> {
        Cow::Owned(match *self {
            Self::PosInt(n) => n.into(),
            Self::NegInt(n) => n.into(),
            // A parsed JSON number is always finite.
            Self::Float(n) => serde_json::Number::from_f64(n).unwrap_or_else(|| 0.into()),
        })
    }

    fn is_integer(&self) -> bool {
        match *self {
            Self::PosInt(_) | Self::NegInt(_) => true,
            Self::Float(n) => n.fract() == 0.0,
        }
    }

    fn is_written_as_integer(&self) -> bool {
        !matches!(self, Self::Float(_))
    }
}

/// An object of a [`Tape`].
pub(crate) struct TapeObject<'a> {
    node: TapeNode<'a>,
    len: u32,
}

/// Its members in document order: (key, value).
pub(crate) struct Members<'a> {
    /// Keys and values alternately: a key is one string entry, so it steps like a value.
    siblings: Elements<'a>,
}

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, TapeNode<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let key = self.siblings.next()?.as_str().unwrap_or_default();
        Some((key, self.siblings.next()?))
    }
}

impl<'a> Object<'a, JsonTape> for TapeObject<'a> {
    type Node = TapeNode<'a>;
    type MemberName = &'a str;
    type MembersIter = Members<'a>;

    fn len(&self) -> usize {
        self.len as usize
    }

    fn get(&self, key: &Box<str>) -> Option<TapeNode<'a>> {
        self.members()
            .find(|(name, _)| *name == &**key)
            .map(|(_, value)| value)
    }

    fn members(&self) -> Members<'a> {
        Members {
            siblings: Elements {
                node: self.node,
                next: self.node.index + 1,
                left: self.len * 2,
            },
        }
    }
}

/// An array of a [`Tape`].
pub(crate) struct TapeArray<'a> {
    node: TapeNode<'a>,
    len: u32,
}

/// Its elements in order (or any run of siblings: `left` values from `next`).
pub(crate) struct Elements<'a> {
    node: TapeNode<'a>,
    next: u32,
    left: u32,
}

impl<'a> Iterator for Elements<'a> {
    type Item = TapeNode<'a>;

    fn next(&mut self) -> Option<TapeNode<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let element = self.node.at(self.next);
        self.next = element.end();
        Some(element)
    }
}

impl<'a> Array<'a, JsonTape> for TapeArray<'a> {
    type Node = TapeNode<'a>;
    type ElementsIter = Elements<'a>;

    fn len(&self) -> usize {
        self.len as usize
    }

    fn elements(&self) -> Elements<'a> {
        Elements {
            node: self.node,
            next: self.node.index + 1,
            left: self.len,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_tape_reads_back_as_the_value_it_was_parsed_from() {
        let text =
            r#" {"a": [1, -2, 2.5, "x\"y", null, true, {}], "b": {"c": {"d": []}}, "e": "é"} "#;
        let tape = Tape::parse(text.as_bytes()).unwrap();
        let expected: Value = serde_json::from_str(text).unwrap();
        assert_eq!(value_of(tape.root()), expected);
        let root = tape.root().as_object().unwrap();
        assert_eq!(root.len(), 3);
        let e = root.get(&JsonTape::prepare_key("e")).unwrap();
        assert_eq!(e.as_string().as_deref(), Some("é"));
        assert!(root.get(&JsonTape::prepare_key("z")).is_none());
        // Strings without escapes are borrowed from the text.
        assert!(matches!(tape.entries[6], Entry::String(Cow::Owned(_))));
        assert!(matches!(
            tape.entries.last(),
            Some(Entry::String(Cow::Borrowed(_)))
        ));
    }

    #[test]
    fn what_is_not_one_json_value_is_an_error() {
        for text in ["", "{", r#"{"a": 1"#, "[1,]", "1 2", "nul"] {
            assert!(Tape::parse(text.as_bytes()).is_err(), "{text}");
        }
    }

    #[test]
    fn validators_built_for_the_tape_judge_as_for_values() {
        let schema = json!({
            "type": "object",
            "required": ["id", "tags"],
            "properties": {
                "id": {"type": "integer", "minimum": 1},
                "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "uniqueItems": true},
                "name": {"type": "string", "maxLength": 3},
                "score": {"type": "number", "multipleOf": 0.5}
            },
            "additionalProperties": false
        });
        let on_tape = jsonschema::options_for::<JsonTape>()
            .build(&schema)
            .unwrap();
        let on_values = jsonschema::validator_for(&schema).unwrap();
        for text in [
            r#"{"id": 1, "tags": ["a"]}"#,
            r#"{"id": 0, "tags": []}"#,
            r#"{"id": 1.0, "tags": []}"#,
            r#"{"id": 1.5, "tags": []}"#,
            r#"{"id": 1, "tags": ["a", "a"]}"#,
            r#"{"id": 1, "tags": ["c"]}"#,
            r#"{"id": 1, "tags": [], "name": "abcd"}"#,
            r#"{"id": 1, "tags": [], "score": 2.5}"#,
            r#"{"id": 1, "tags": [], "score": 2.25}"#,
            r#"{"id": 1, "tags": [], "other": 1}"#,
            r#"{"tags": []}"#,
            r#"[]"#,
        ] {
            let tape = Tape::parse(text.as_bytes()).unwrap();
            let value: Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                on_tape.is_valid(tape.root()),
                on_values.is_valid(&value),
                "{text}"
            );
            let tape_error = on_tape.validate(tape.root()).err().map(|e| e.to_string());
            let value_error = on_values.validate(&value).err().map(|e| e.to_string());
            assert_eq!(tape_error, value_error, "{text}");
        }
    }
}
