//! Checks JSON against an entity of the shared Mastodon OpenAPI description, strictly:
//! every required field present, every type right (`null` only where the spec allows
//! it), enums respected, and no field the spec does not know, except Hamlet's documented
//! extensions ([`HAMLET_EXTENSIONS`]), which are type-checked like the rest.

use std::sync::OnceLock;

use serde_json::Value;

const SPEC_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/specs/mastodon-openapi.schema.json"
);

fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let text = std::fs::read_to_string(SPEC_PATH)
            .unwrap_or_else(|e| panic!("read the Mastodon OpenAPI spec at {SPEC_PATH}: {e}"));
        serde_json::from_str(&text).expect("the OpenAPI spec is JSON")
    })
}

/// Where an extension field may appear: on a component wherever it is embedded, or on
/// the object at a path ending so (inline objects have no component of their own).
enum Owner {
    Component(&'static str),
    PathSuffix(&'static str),
}

/// Fields Hamlet adds to Mastodon's entities (README, "Mastodon API extensions"), with
/// their JSON type.
const HAMLET_EXTENSIONS: &[(Owner, &str, &str)] = &[
    (Owner::Component("Status"), "local_only", "boolean"),
    (Owner::Component("Status"), "unreached_mentions", "array"),
    (Owner::PathSuffix(".source"), "local_only", "boolean"),
    (
        Owner::PathSuffix(".source"),
        "community_local_only",
        "boolean",
    ),
    (
        Owner::PathSuffix(".configuration.statuses"),
        "local_only",
        "boolean",
    ),
    (
        Owner::PathSuffix(".configuration.statuses"),
        "default_local_only",
        "boolean",
    ),
    (
        Owner::Component("Preferences"),
        "posting:default:local_only",
        "boolean",
    ),
];

/// The type of the extension `name` on the object `schema` at `path`, if it is one.
fn extension(schema: &Value, path: &str, name: &str) -> Option<&'static str> {
    HAMLET_EXTENSIONS
        .iter()
        .find(|(owner, field, _)| {
            *field == name
                && match owner {
                    Owner::Component(c) => std::ptr::eq(schema, component(c)),
                    Owner::PathSuffix(suffix) => path.ends_with(suffix),
                }
        })
        .map(|(_, _, ty)| *ty)
}

fn component(name: &str) -> &'static Value {
    spec()
        .pointer(&format!("/components/schemas/{name}"))
        .unwrap_or_else(|| panic!("no schema named {name} in the spec"))
}

/// Every way `value` departs from the spec's `component` schema.
pub fn violations(value: &Value, component_name: &str) -> Vec<String> {
    let mut found = Vec::new();
    check(value, component(component_name), component_name, &mut found);
    found
}

/// Panics with the list of departures, if any.
pub fn assert_conforms(value: &Value, component_name: &str) {
    let found = violations(value, component_name);
    assert!(
        found.is_empty(),
        "{component_name} does not match the Mastodon spec:\n  {}\nvalue: {value:#}",
        found.join("\n  ")
    );
}

fn resolve(schema: &Value) -> &Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            resolve(component(name))
        }
        None => schema,
    }
}

fn type_matches(value: &Value, ty: &str) -> bool {
    match ty {
        "null" => value.is_null(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}

fn check(value: &Value, schema: &Value, path: &str, found: &mut Vec<String>) {
    let schema = resolve(schema);
    for (keyword, all) in [("anyOf", false), ("oneOf", false), ("allOf", true)] {
        if let Some(branches) = schema.get(keyword).and_then(Value::as_array) {
            let results: Vec<Vec<String>> = branches
                .iter()
                .map(|branch| {
                    let mut branch_found = Vec::new();
                    check(value, branch, path, &mut branch_found);
                    branch_found
                })
                .collect();
            let ok = if all {
                results.iter().all(Vec::is_empty)
            } else {
                results.iter().any(Vec::is_empty)
            };
            if !ok {
                found.push(format!(
                    "{path}: matches no allowed form of {keyword}: {results:?}"
                ));
            }
            return;
        }
    }
    if let Some(ty) = schema.get("type") {
        let allowed: Vec<&str> = match ty {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !allowed.iter().any(|t| type_matches(value, t)) {
            found.push(format!("{path}: expected {allowed:?}, got {value}"));
            return;
        }
    }
    if value.is_null() {
        return;
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        found.push(format!("{path}: {value} is not one of {options:?}"));
    }
    if schema.get("format").and_then(Value::as_str) == Some("date-time")
        && let Some(text) = value.as_str()
        && hamlet_core::Timestamp::parse_rfc3339(text).is_none()
    {
        found.push(format!("{path}: {text:?} is not an RFC 3339 date-time"));
    }
    if let (Some(items), Some(elements)) = (schema.get("items"), value.as_array()) {
        for (i, element) in elements.iter().enumerate() {
            check(element, items, &format!("{path}[{i}]"), found);
        }
    }
    if let Some(object) = value.as_object() {
        let properties = schema.get("properties").and_then(Value::as_object);
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                if !object.contains_key(name) {
                    found.push(format!("{path}.{name}: required but missing"));
                }
            }
        }
        if let Some(properties) = properties {
            let open = schema.get("additionalProperties").is_some();
            for (name, field) in object {
                match properties.get(name) {
                    Some(field_schema) => {
                        check(field, field_schema, &format!("{path}.{name}"), found)
                    }
                    None if open => {}
                    None => match extension(schema, path, name) {
                        Some(ty) if type_matches(field, ty) => {}
                        Some(ty) => {
                            found.push(format!("{path}.{name}: Hamlet's extension is a {ty}"))
                        }
                        None => found.push(format!("{path}.{name}: not in the spec")),
                    },
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_missing_extra_and_mistyped_fields() {
        let found = violations(&json!({"name": 1, "extra": true}), "Field");
        assert!(
            found.iter().any(|f| f.contains("Field.value: required")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|f| f.contains("Field.name: expected")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|f| f.contains("Field.extra: not in the spec")),
            "{found:?}"
        );
        assert!(
            violations(
                &json!({"name": "a", "value": "b", "verified_at": null}),
                "Field"
            )
            .is_empty()
        );
        assert!(
            !violations(
                &json!({"name": "a", "value": "b", "verified_at": "yesterday"}),
                "Field"
            )
            .is_empty()
        );
    }
}
