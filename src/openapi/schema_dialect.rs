//! OpenAPI's schemas as JSON Schema a validator understands.
//!
//! OpenAPI 3.1 schemas are JSON Schema 2020-12 as they stand. OpenAPI 3.0 schemas are a dialect
//! of JSON Schema draft 4 (boolean `exclusiveMinimum`, `$ref` siblings ignored), validated as
//! draft 4, with one keyword draft 4 lacks: `nullable: true`, which here becomes `null` added to
//! the schema's `type` (and to its `enum`). In both versions a response need not carry a
//! `writeOnly` property (a password accepted on input, never returned), so such properties are
//! dropped from the `required` lists of the schemas that declare them.

use serde_json::Value;

/// The keywords whose value is one subschema.
const ONE_SUBSCHEMA: [&str; 9] = [
    "items",
    "additionalProperties",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedProperties",
];
/// The keywords whose value is a list of subschemas.
const LIST_OF_SUBSCHEMAS: [&str; 4] = ["allOf", "anyOf", "oneOf", "prefixItems"];
/// The keywords whose value maps names to subschemas.
const MAP_OF_SUBSCHEMAS: [&str; 5] = [
    "properties",
    "patternProperties",
    "definitions",
    "$defs",
    "dependentSchemas",
];

/// Rewrites every schema of an OpenAPI document in place: the component schemas and every
/// `schema` of a media type, parameter or header. `nullable` is rewritten only when
/// `openapi_30` (in 3.1 it means nothing).
pub(crate) fn rewrite_document(document: &mut Value, openapi_30: bool) {
    if let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for schema in schemas.values_mut() {
            rewrite_schema(schema, openapi_30);
        }
    }
    for key in ["paths", "components", "webhooks"] {
        if let Some(part) = document.get_mut(key) {
            rewrite_schema_positions(part, openapi_30);
        }
    }
}

/// Finds the `schema` keys under `value` (media types, parameters, headers) and rewrites
/// each schema found there.
fn rewrite_schema_positions(value: &mut Value, openapi_30: bool) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "schema" && child.is_object() {
                    rewrite_schema(child, openapi_30);
                } else if key != "schemas" && key != "example" && key != "examples" {
                    rewrite_schema_positions(child, openapi_30);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                rewrite_schema_positions(item, openapi_30);
            }
        }
        _ => {}
    }
}

/// Rewrites one schema and its subschemas.
pub(crate) fn rewrite_schema(schema: &mut Value, openapi_30: bool) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    if openapi_30 && map.get("nullable") == Some(&Value::Bool(true)) {
        map.remove("nullable");
        add_null(map);
    }
    drop_write_only_requirements(map);
    for keyword in ONE_SUBSCHEMA {
        if let Some(sub) = map.get_mut(keyword) {
            rewrite_schema(sub, openapi_30);
        }
    }
    for keyword in LIST_OF_SUBSCHEMAS {
        if let Some(Value::Array(subs)) = map.get_mut(keyword) {
            for sub in subs {
                rewrite_schema(sub, openapi_30);
            }
        }
    }
    // Draft 4's `items` may be a list too.
    if let Some(Value::Array(subs)) = map.get_mut("items") {
        for sub in subs {
            rewrite_schema(sub, openapi_30);
        }
    }
    for keyword in MAP_OF_SUBSCHEMAS {
        if let Some(Value::Object(subs)) = map.get_mut(keyword) {
            for sub in subs.values_mut() {
                rewrite_schema(sub, openapi_30);
            }
        }
    }
}

/// `nullable: true`: `null` joins the schema's `type` and `enum`, when it has them (without a
/// `type`, null is allowed already).
fn add_null(map: &mut serde_json::Map<String, Value>) {
    let null = Value::String("null".to_owned());
    match map.get_mut("type") {
        Some(Value::String(single)) if single != "null" => {
            let single = std::mem::take(single);
            map.insert(
                "type".to_owned(),
                Value::Array(vec![Value::String(single), null]),
            );
        }
        Some(Value::Array(types)) if !types.contains(&null) => types.push(null),
        _ => {}
    }
    if let Some(Value::Array(values)) = map.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
}

/// Removes from `required` the properties this schema marks `writeOnly`.
fn drop_write_only_requirements(map: &mut serde_json::Map<String, Value>) {
    let write_only: Vec<String> = match map.get("properties") {
        Some(Value::Object(properties)) => properties
            .iter()
            .filter(|(_, p)| p.get("writeOnly") == Some(&Value::Bool(true)))
            .map(|(name, _)| name.clone())
            .collect(),
        _ => return,
    };
    if write_only.is_empty() {
        return;
    }
    if let Some(Value::Array(required)) = map.get_mut("required") {
        required.retain(|r| {
            !r.as_str()
                .is_some_and(|r| write_only.iter().any(|w| w == r))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nullable_adds_null_to_the_type_and_the_enum_in_3_0_only() {
        let mut schema = json!({
            "type": "object",
            "properties": {
                "name": {"type": "string", "nullable": true},
                "kind": {"type": "string", "enum": ["a", "b"], "nullable": true},
                "tags": {"type": "array", "items": {"type": "integer", "nullable": true}},
                "any": {"nullable": true},
                "notNull": {"type": "string", "nullable": false}
            }
        });
        let mut in_31 = schema.clone();
        rewrite_schema(&mut schema, true);
        let p = &schema["properties"];
        assert_eq!(p["name"], json!({"type": ["string", "null"]}));
        assert_eq!(
            p["kind"],
            json!({"type": ["string", "null"], "enum": ["a", "b", null]})
        );
        assert_eq!(p["tags"]["items"]["type"], json!(["integer", "null"]));
        assert_eq!(p["any"], json!({}));
        assert_eq!(p["notNull"]["type"], "string");
        rewrite_schema(&mut in_31, false);
        assert_eq!(in_31["properties"]["name"]["type"], "string");
    }

    #[test]
    fn a_nullable_schema_validates_null_as_draft_4() {
        let mut schema = json!({"type": "object", "required": ["name"],
            "properties": {"name": {"type": "string", "nullable": true}}});
        rewrite_schema(&mut schema, true);
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .build(&schema)
            .unwrap();
        assert!(validator.is_valid(&json!({"name": null})));
        assert!(validator.is_valid(&json!({"name": "ann"})));
        assert!(!validator.is_valid(&json!({"name": 3})));
        assert!(!validator.is_valid(&json!({})));
    }

    #[test]
    fn write_only_properties_are_not_required_in_responses() {
        let mut schema = json!({
            "type": "object",
            "required": ["id", "password"],
            "properties": {"id": {"type": "integer"}, "password": {"type": "string", "writeOnly": true}}
        });
        rewrite_schema(&mut schema, false);
        assert_eq!(schema["required"], json!(["id"]));
    }

    #[test]
    fn schemas_are_found_in_components_media_types_and_parameters() {
        let mut document = json!({
            "paths": {"/a": {"get": {
                "parameters": [{"name": "q", "in": "query", "schema": {"type": "string", "nullable": true}}],
                "responses": {"200": {"content": {"application/json": {
                    "schema": {"type": "integer", "nullable": true},
                    "example": {"schema": {"nullable": true, "type": "string"}}
                }}}}
            }}},
            "components": {"schemas": {"User": {"type": "object", "nullable": true}}}
        });
        rewrite_document(&mut document, true);
        let get = &document["paths"]["/a"]["get"];
        assert_eq!(
            get["parameters"][0]["schema"]["type"],
            json!(["string", "null"])
        );
        let media = &get["responses"]["200"]["content"]["application/json"];
        assert_eq!(media["schema"]["type"], json!(["integer", "null"]));
        // Examples are data, never rewritten.
        assert_eq!(media["example"]["schema"]["type"], "string");
        assert_eq!(
            document["components"]["schemas"]["User"]["type"],
            json!(["object", "null"])
        );
    }
}
