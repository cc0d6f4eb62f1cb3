//! `GET /api/events/schema` and `GET /api/events/schema/<name>`: the catalog's listing and each
//! event's discovery document (or JSON Schema).

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::query::query_pairs;
use super::response::json;
use crate::catalog::Catalog;
use crate::sandbox::state::Shared;
use crate::validate::issue::ValidationError;

pub(crate) fn listing(catalog: &Catalog) -> String {
    #[derive(Serialize)]
    struct Item<'a> {
        name: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        description: Option<&'a str>,
        schema: String,
    }
    #[derive(Serialize)]
    struct Listing<'a> {
        events: Vec<Item<'a>>,
    }
    let events = catalog
        .iter()
        .map(|s| Item {
            name: s.name().as_str(),
            description: s.description(),
            schema: format!("/api/events/schema/{}", s.name().as_str()),
        })
        .collect();
    serde_json::to_string(&Listing { events }).unwrap_or_default()
}

pub(super) async fn list_schemas(State(shared): State<Arc<Shared>>) -> Response {
    json(StatusCode::OK, shared.listing.clone())
}

pub(super) async fn get_schema(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some((discovery, json_schema)) = shared.discovery.get(&name) else {
        let e = ValidationError::unknown_event(&name);
        return json(StatusCode::NOT_FOUND, e.to_response_json());
    };
    let wants_json_schema = query_pairs(query.as_deref()).any(|(k, v)| k == "format" && v == "json-schema");
    json(StatusCode::OK, if wants_json_schema { json_schema.clone() } else { discovery.clone() })
}
