//! Extractors for the JSON API whose rejections answer in the API's error format.

use axum::body::{Body, Bytes};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use axum::http::StatusCode;
use containment_domain::input::{Lines, text};

use crate::error::ApiError;
use crate::identity::Identity;

/// A JSON body; a malformed or mistyped body is a 4xx `invalid_json` error naming the problem,
/// and a string holding a control character (other than tab and line breaks) anywhere in the body
/// a 422 `invalid_input` error naming its path, before the handler runs.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // Read as a document first, so every string is checked whatever the body's type keeps;
        // the body's type is then read from the same bytes (errors keep their line and column).
        let headers = req.headers().clone();
        let extensions = req.extensions().clone();
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|r| ApiError::new(r.status(), "invalid_json", r.body_text()))?;
        let mut probe = Request::new(Body::from(bytes.clone()));
        *probe.headers_mut() = headers;
        *probe.extensions_mut() = extensions;
        let document = match axum::Json::<serde_json::Value>::from_request(probe, state).await {
            Ok(axum::Json(v)) => v,
            Err(rejection) => return Err(json_rejection(&rejection)),
        };
        let mut refused = Vec::new();
        refused_strings(&document, "", &mut refused);
        if !refused.is_empty() {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                refused.join("; "),
            ));
        }
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(r: &JsonRejection) -> ApiError {
    ApiError::new(r.status(), "invalid_json", r.body_text())
}

/// Every string (and object key) of a JSON document holding a character no field accepts, named
/// by its path (`aliases[1]`, `items.note`).
fn refused_strings(v: &serde_json::Value, path: &str, refused: &mut Vec<String>) {
    fn check(path: &str, s: &str, refused: &mut Vec<String>) {
        let field = if path.is_empty() { "body" } else { path };
        if let Err(e) = text(field, s, Lines::Many) {
            refused.push(e);
        }
    }
    match v {
        serde_json::Value::String(s) => check(path, s, refused),
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                refused_strings(item, &format!("{path}[{i}]"), refused);
            }
        }
        serde_json::Value::Object(map) => {
            for (k, item) in map {
                let at = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                check(&format!("{at} (the name)"), k, refused);
                refused_strings(item, &at, refused);
            }
        }
        _ => {}
    }
}

/// Query parameters; invalid ones are a 400 `invalid_query` error, and a value holding a control
/// character a 422 `invalid_input` error naming the parameter.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        let refused: Vec<String> = pairs
            .iter()
            .filter_map(|(k, v)| text(k, v, Lines::Many).err())
            .collect();
        if !refused.is_empty() {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                refused.join("; "),
            ));
        }
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(r) => Err(query_rejection(&r)),
        }
    }
}

fn query_rejection(r: &QueryRejection) -> ApiError {
    ApiError::new(r.status(), "invalid_query", r.body_text())
}

/// The acting program's identity, or 401 in the API's error format.
pub(crate) fn caller(identity: &Identity) -> Result<&containment_app::Actor, ApiError> {
    identity.actor().ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Send a valid API token.",
        )
    })
}
