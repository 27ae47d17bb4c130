//! `/api/openapi.json`: an OpenAPI 3.1 document of every route, parameter and error.

use crate::support::*;
use serde_json::{Value, json};

backend_test! {
    async fn openapi_documents_every_route(backend) {
        let app = app(backend).await;
        let doc = app.ok("/api/openapi.json").await;
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
        let paths = doc["paths"].as_object().unwrap();
        for path in [
            "/healthz", "/api/stats", "/api/zones", "/api/records", "/api/records/{id}", "/api/records/{id}/history", "/api/changes",
            "/api/records.csv", "/api/openapi.json", "/api/accounts", "/api/diff",
            "/api/zones/{id}/restore", "/api/zones/{id}/zonefile", "/api/findings",
        ] {
            assert!(paths[path]["get"].is_object(), "{path} is documented");
        }
        let params: Vec<&str> = paths["/api/records"]["get"]["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        for p in ["zone", "account", "type", "name", "q", "value", "include_deleted", "cursor", "limit", "as_of"] {
            assert!(params.contains(&p), "/api/records documents {p}: {params:?}");
        }
        let params: Vec<&str> = paths["/api/diff"]["get"]["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        for p in ["from", "to", "zone", "account", "type", "name", "cursor", "limit"] {
            assert!(params.contains(&p), "/api/diff documents {p}: {params:?}");
        }
        let params: Vec<&str> = paths["/api/findings"]["get"]["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        for p in ["kind", "status", "severity", "zone", "account", "record", "cursor", "limit"] {
            assert!(params.contains(&p), "/api/findings documents {p}: {params:?}");
        }
        for path in ["/api/zones", "/api/records.csv", "/api/zones/{id}/zonefile"] {
            let params = paths[path]["get"]["parameters"].as_array().unwrap();
            assert!(params.iter().any(|p| p["name"] == "as_of"), "{path} documents as_of");
        }
        let types = &paths["/api/records"]["get"]["parameters"].as_array().unwrap().iter().find(|p| p["name"] == "type").unwrap()["schema"]["enum"];
        assert!(types.as_array().unwrap().iter().any(|t| t == "AAAA"));
        assert_eq!(paths["/api/records"]["get"]["responses"]["400"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorBody");
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for schema in ["ErrorBody", "RecordView", "RecordList", "ChangeView", "FeedItem", "Stats", "ZoneList", "AccountList", "AccountView", "AccountSummary", "DiffList", "DiffItem", "RestoreView", "ChangeBatch", "ResourceRecordSet", "FindingItem", "FindingList", "RecordFinding", "FindingCounts"] {
            assert!(schemas.contains_key(schema), "schema {schema}");
        }
    }
}

backend_test! {
    /// Every JSON answer has exactly the members the document gives it, of the documented
    /// types, `null` only where it says so: the dashboard's generated types are then true.
    async fn answers_match_their_documented_schemas(backend) {
        let app = app(backend).await;
        // Findings of every status, so the records, stats and findings answers hold some.
        crate::findings::seed(&app).await;
        let doc = app.ok("/api/openapi.json").await;
        let blue = app.ids.get("www_blue");
        let mut uris = vec![
            ("/healthz", "/healthz".to_string()),
            ("/api/stats", "/api/stats".to_string()),
            ("/api/stats", format!("/api/stats?account={ACCOUNT_PROD}")),
            ("/api/accounts", "/api/accounts".to_string()),
            ("/api/zones", "/api/zones?include_deleted=true".to_string()),
            ("/api/records", "/api/records?include_deleted=true&limit=1000".to_string()),
            ("/api/records/{id}/history", format!("/api/records/{blue}/history")),
            ("/api/changes", "/api/changes".to_string()),
            ("/api/records", format!("/api/records?include_deleted=true&zone={Z1}&as_of={T_SWEEP_END}")),
            ("/api/zones", format!("/api/zones?include_deleted=true&as_of={T_SWEEP_END}")),
            ("/api/diff", format!("/api/diff?zone={Z1}&from={T_CREATE}&to={T_SWEEP}")),
            ("/api/diff", format!("/api/diff?zone={Z1}&from={T_CREATE}")),
            ("/api/zones/{id}/restore", format!("/api/zones/{Z1}/restore?to={T_UPDATE}")),
            ("/api/zones/{id}/restore", format!("/api/zones/{Z2}/restore?to={T_SWEEP_END}")),
            ("/api/findings", "/api/findings".to_string()),
            ("/api/findings", "/api/findings?status=suppressed".to_string()),
        ];
        for label in LIVE.iter().chain(TOMBSTONES) {
            uris.push(("/api/records/{id}", format!("/api/records/{}", app.ids.get(label))));
            uris.push(("/api/records/{id}/history", format!("/api/records/{}/history", app.ids.get(label))));
        }
        for (path, uri) in uris {
            let schema = &doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
            assert!(schema.is_object(), "{path} documents its JSON answer");
            let mut errors = Vec::new();
            let answer = app.ok(&uri).await;
            // The time-travel answers hold something to check.
            if path == "/api/diff" || uri.contains("records?") && uri.contains("as_of") {
                assert!(!answer["items"].as_array().unwrap().is_empty(), "GET {uri}");
            }
            if path == "/api/findings" {
                assert!(!answer["items"].as_array().unwrap().is_empty(), "GET {uri}");
            }
            if uri.contains(&format!("{Z1}/restore")) {
                assert!(!answer["batches"].as_array().unwrap().is_empty(), "GET {uri}");
            }
            conform(&doc, schema, &answer, &uri, &mut errors);
            assert!(errors.is_empty(), "GET {uri} differs from the document:\n{}", errors.join("\n"));
        }
    }
}

backend_test! {
    /// Each route documents the client errors it answers, and they are `{"error": ...}`.
    async fn every_route_documents_its_errors(backend) {
        let app = app(backend).await;
        let doc = app.ok("/api/openapi.json").await;
        // One request for each documented 4xx; a route documenting another one (or not
        // documenting one of these) fails below.
        let client_errors: &[(&str, &str, &str)] = &[
            ("/api/zones", "400", "/api/zones?include_deleted=maybe"),
            ("/api/records", "400", "/api/records?limit=0"),
            ("/api/records.csv", "400", "/api/records.csv?type=NOPE"),
            ("/api/records/{id}", "400", "/api/records/abc"),
            ("/api/records/{id}", "404", "/api/records/999999"),
            ("/api/records/{id}/history", "400", "/api/records/0/history"),
            ("/api/records/{id}/history", "404", "/api/records/999999/history"),
            ("/api/changes", "400", "/api/changes?source=nope"),
            ("/api/findings", "400", "/api/findings?status=closed"),
            ("/api/stats", "400", "/api/stats?account=12345"),
            ("/api/diff", "400", "/api/diff?from=yesterday"),
            ("/api/zones/{id}/restore", "400", "/api/zones/Z1EXAMPLE/restore"),
            ("/api/zones/{id}/restore", "404", "/api/zones/ZNOSUCHZONE/restore?to=2026-11-22T09:00:00Z"),
            ("/api/zones/{id}/zonefile", "400", "/api/zones/Z1EXAMPLE/zonefile?as_of=nope"),
            ("/api/zones/{id}/zonefile", "404", "/api/zones/ZNOSUCHZONE/zonefile"),
        ];
        let error_body = json!({"$ref": "#/components/schemas/ErrorBody"});
        for (path, item) in doc["paths"].as_object().unwrap() {
            // The annotation writes have no GET; api/tests/it/annotations.rs covers their errors.
            let Some(responses) = item["get"]["responses"].as_object() else { continue };
            let documented: Vec<&str> = responses.keys().map(String::as_str).filter(|s| *s != "200").collect();
            for status in &documented {
                assert_eq!(responses[*status]["content"]["application/json"]["schema"], error_body, "{path} {status} is an ErrorBody");
            }
            let mut expected: Vec<&str> = client_errors.iter().filter(|(p, _, _)| p == path).map(|(_, s, _)| *s).collect();
            // Everything but this document and who the caller is reads the database.
            if path != "/api/openapi.json" && path != "/api/me" {
                expected.push("503");
            }
            let mut documented = documented;
            documented.sort();
            expected.sort();
            assert_eq!(documented, expected, "{path}: documented error statuses");
        }
        for (path, status, uri) in client_errors {
            let reply = app.get(uri).await;
            assert_eq!(reply.status.as_str(), *status, "GET {uri}");
            let mut errors = Vec::new();
            conform(&doc, &error_body, &reply.json(), uri, &mut errors);
            assert!(errors.is_empty(), "{path}: {}", errors.join("\n"));
        }
    }
}

/// The dashboard's types are generated from web/src/lib/openapi.json; it must be this
/// document, byte for byte.
#[test]
fn the_dashboards_copy_is_current() {
    let copy_path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/src/lib/openapi.json");
    let copy = std::fs::read_to_string(&copy_path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", copy_path.display()));
    let current = format!("{}\n", api::openapi::document());
    if copy != current {
        let line = copy
            .lines()
            .zip(current.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| std::cmp::min(copy.lines().count(), current.lines().count()));
        panic!(
            "web/src/lib/openapi.json is not the API's OpenAPI document (first difference at line {}: {:?} there, {:?} here).\n\
             Regenerate it and the dashboard's types with `web/scripts/gen-api-types.sh`, and commit both.",
            line + 1,
            copy.lines().nth(line).unwrap_or("<end>"),
            current.lines().nth(line).unwrap_or("<end>"),
        );
    }
}

/// Checks `value` against `schema` (the subset of JSON Schema utoipa writes), collecting what
/// differs. Objects must have exactly the documented properties.
fn conform(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.strip_prefix("#/components/schemas/").expect("a component reference");
        let target = &doc["components"]["schemas"][name];
        assert!(target.is_object(), "{reference} exists");
        return conform(doc, target, value, at, errors);
    }
    if let Some(choices) = schema["oneOf"].as_array() {
        let fits = choices
            .iter()
            .filter(|choice| {
                let mut e = Vec::new();
                conform(doc, choice, value, at, &mut e);
                e.is_empty()
            })
            .count();
        if fits != 1 {
            errors.push(format!("{at}: {value} fits {fits} of the oneOf choices, not 1"));
        }
        return;
    }
    if schema["allOf"].is_array() {
        let mut properties = serde_json::Map::new();
        collect_properties(doc, schema, &mut properties);
        return conform_object(doc, &properties, value, at, errors);
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().map(|t| t.as_str().unwrap()).collect(),
        _ => return, // `{}` or a `Object` body: anything
    };
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let fits = types.contains(&kind) || (kind == "integer" && types.contains(&"number"));
    if !fits {
        errors.push(format!("{at}: {value} is {kind}, documented as {types:?}"));
        return;
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !value.is_null()
        && !allowed.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                conform(doc, &schema["items"], item, &format!("{at}[{i}]"), errors);
            }
        }
        Value::Object(members) => {
            if let Some(properties) = schema["properties"].as_object() {
                // The AWS CLI's shapes (a restore's change batches) leave out members without
                // a value: only their `required` members must be there.
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let optional: serde_json::Map<String, Value> = properties
                    .iter()
                    .filter(|(k, _)| !required.contains(&k.as_str()) && !members.contains_key(*k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                let present: serde_json::Map<String, Value> = properties
                    .iter()
                    .filter(|(k, _)| !optional.contains_key(*k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                conform_object(doc, &present, value, at, errors);
            } else if schema["additionalProperties"].is_object() {
                for (k, v) in members {
                    conform(doc, &schema["additionalProperties"], v, &format!("{at}.{k}"), errors);
                }
            }
        }
        _ => {}
    }
}

fn conform_object(
    doc: &Value,
    properties: &serde_json::Map<String, Value>,
    value: &Value,
    at: &str,
    errors: &mut Vec<String>,
) {
    let Some(members) = value.as_object() else {
        errors.push(format!("{at}: {value} is not an object"));
        return;
    };
    for name in properties.keys() {
        if !members.contains_key(name) {
            errors.push(format!("{at}: the documented member {name} is missing"));
        }
    }
    for (name, member) in members {
        match properties.get(name) {
            Some(schema) => conform(doc, schema, member, &format!("{at}.{name}"), errors),
            None => errors.push(format!("{at}: {name} is sent but not documented")),
        }
    }
}

/// The properties of an object schema, through `$ref` and `allOf`.
fn collect_properties(doc: &Value, schema: &Value, out: &mut serde_json::Map<String, Value>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.strip_prefix("#/components/schemas/").expect("a component reference");
        return collect_properties(doc, &doc["components"]["schemas"][name], out);
    }
    if let Some(parts) = schema["allOf"].as_array() {
        for part in parts {
            collect_properties(doc, part, out);
        }
    }
    if let Some(properties) = schema["properties"].as_object() {
        out.extend(properties.clone());
    }
}
