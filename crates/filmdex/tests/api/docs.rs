//! `/openapi.json`, `/docs` and `/redoc`: the document covers every route and matches what the
//! server really answers, and the pages need nothing from outside the server.

use std::collections::BTreeSet;

use filmdex::serve::{OPENAPI_JSON, ROUTES, SEARCH_FIELDS};
use serde_json::Value;

use super::{app, get, keys, post_json};

fn spec() -> Value {
    serde_json::from_str(OPENAPI_JSON).expect("openapi.json is JSON")
}

#[tokio::test]
async fn the_served_document_is_openapi_3_1_and_covers_every_route() {
    let reply = get(&app(), "/openapi.json").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let spec = reply.json();
    assert_eq!(spec["openapi"], "3.1.0");
    for (method, route) in ROUTES {
        let operation = &spec["paths"][route][method.to_lowercase()];
        assert!(operation.is_object(), "{method} {route} is not documented");
        assert!(
            operation["responses"].is_object(),
            "{method} {route} has no responses"
        );
    }
    let documented: usize = spec["paths"]
        .as_object()
        .expect("paths")
        .values()
        .map(|path| path.as_object().map_or(0, |ops| ops.len()))
        .sum();
    assert_eq!(
        documented,
        ROUTES.len(),
        "every documented operation exists"
    );
}

/// Method, path, status and the schema or response each refers to: a compact view of the
/// contract, so that a change to it shows up in review.
#[test]
fn the_contract_snapshot() {
    let spec = spec();
    let mut lines = Vec::new();
    for (path, operations) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in operations.as_object().expect("operations") {
            let parameters: Vec<String> = operation["parameters"]
                .as_array()
                .map(|list| {
                    list.iter()
                        .map(|p| {
                            p["$ref"]
                                .as_str()
                                .unwrap_or("inline")
                                .replace("#/components/parameters/", "")
                        })
                        .collect()
                })
                .unwrap_or_default();
            lines.push(format!(
                "{} {path} ({})",
                method.to_uppercase(),
                parameters.join(", ")
            ));
            for (status, response) in operation["responses"].as_object().expect("responses") {
                let target = response["$ref"].as_str().map_or_else(
                    || {
                        response["content"].as_object().map_or(String::new(), |c| {
                            c.keys().cloned().collect::<Vec<_>>().join(",")
                        })
                    },
                    |r| r.replace("#/components/responses/", ""),
                );
                lines.push(format!("  {status} {target}"));
            }
        }
    }
    insta::assert_snapshot!(lines.join("\n"));
}

#[tokio::test]
async fn the_film_schema_has_exactly_the_fields_the_server_sends() {
    let spec = spec();
    let schema = &spec["components"]["schemas"]["Film"];
    let documented = keys(&schema["properties"], "properties");
    let required: BTreeSet<&str> = schema["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let film = get(&app(), "/film/99785").await.json();
    let sent = keys(&film, "a film");
    assert_eq!(documented, sent);
    assert_eq!(required, sent);
    let example = keys(&schema["example"], "an example");
    assert_eq!(example, sent);
}

#[tokio::test]
async fn every_documented_search_field_is_accepted_and_no_other() {
    let spec = spec();
    let properties = spec["components"]["schemas"]["SearchQuery"]["properties"]
        .as_object()
        .expect("properties")
        .clone();
    let app = app();
    for name in properties.keys() {
        let body = format!("{{\"{name}\": null}}");
        assert_eq!(
            post_json(&app, "/film/search", body).await.status,
            200,
            "{name}"
        );
        let parameter = &spec["components"]["parameters"][format!("Search_{name}")];
        assert_eq!(
            parameter["name"],
            name.as_str(),
            "GET has the parameter {name}"
        );
    }
    let documented: BTreeSet<&str> = properties.keys().map(String::as_str).collect();
    assert_eq!(documented, SEARCH_FIELDS.into_iter().collect());
    let example = spec["components"]["schemas"]["SearchQuery"]["example"].to_string();
    let reply = post_json(&app, "/film/search", example).await;
    assert_eq!(
        reply.json()[0]["film_id"],
        2488496,
        "the documented example works"
    );
}

#[tokio::test]
async fn error_codes_in_the_document_are_the_servers() {
    let spec = spec();
    let codes: BTreeSet<&str> = spec["components"]["schemas"]["Error"]["properties"]["code"]
        ["enum"]
        .as_array()
        .expect("an enum")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for code in [
        "film_not_found",
        "invalid_threshold",
        "invalid_regex",
        "invalid_body",
        "body_too_large",
        "rate_limited",
        "not_found",
        "method_not_allowed",
    ] {
        assert!(codes.contains(code), "{code}");
    }
}

#[tokio::test]
async fn the_docs_pages_load_everything_from_the_server_itself() {
    let app = app();
    for page in ["/docs", "/redoc"] {
        let reply = get(&app, page).await;
        assert_eq!(reply.status, 200);
        assert!(reply
            .header("content-type")
            .is_some_and(|ct| ct.starts_with("text/html")));
        let policy = reply.header("content-security-policy").expect("a policy");
        assert!(
            policy.contains("default-src 'none'") && policy.contains("connect-src 'self'"),
            "{policy}"
        );
        let html = String::from_utf8(reply.body.to_vec()).expect("html");
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{page} refers outside:\n{html}"
        );
        for asset in html.split(['"', '\'']).filter(|part| part.starts_with('/')) {
            let asset_reply = get(&app, asset).await;
            assert_eq!(asset_reply.status, 200, "{page} needs {asset}");
            assert!(asset_reply.body.len() > 20, "{asset}");
        }
    }
    let init = get(&app, "/docs/init.js").await;
    assert!(
        String::from_utf8_lossy(&init.body).contains("validatorUrl: null"),
        "no call to the online validator"
    );
}
