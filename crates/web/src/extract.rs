//! Extractors for the JSON API whose rejections answer in the API's error format.

use axum::body::{Body, Bytes};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use containment_app::FieldError;
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
        // Every body the API takes is an object (serde would also read a list into a struct,
        // field by field in order, which no client means).
        if !document.is_object() {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_json",
                "The body must be a JSON object ({\"field\": value, ...}): expected an object",
            ));
        }
        let mut refused = Vec::new();
        refused_strings(&document, "", &mut refused);
        if !refused.is_empty() {
            return Err(ApiError::invalid_fields("invalid_input", refused));
        }
        read_body(&bytes)
    }
}

/// Reads the body's type from its bytes: a field the type does not know is refused with every
/// such field named (a misspelt optional field would otherwise be dropped without a word), and a
/// value of the wrong kind is named by its path in plain words.
fn read_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<ApiJson<T>, ApiError> {
    let mut unknown = Vec::new();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut note = |path: serde_ignored::Path<'_>| unknown.push(path.to_string());
    let read =
        serde_path_to_error::deserialize(serde_ignored::Deserializer::new(&mut de, &mut note));
    let value = match read {
        Ok(v) => v,
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let status = if inner.is_data() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::BAD_REQUEST
            };
            let message = plain_words(&inner.to_string());
            if path.is_empty() || path == "." {
                return Err(ApiError::new(status, "invalid_json", message));
            }
            return Err(
                ApiError::new(status, "invalid_json", format!("{path}: {message}")).at(&path),
            );
        }
    };
    if let Err(e) = de.end() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            e.to_string(),
        ));
    }
    if !unknown.is_empty() {
        let names: Vec<String> = unknown.iter().map(|u| format!("`{u}`")).collect();
        let fields = unknown
            .iter()
            .map(|u| FieldError::at(u.as_str(), "This request does not take this field"))
            .collect();
        let mut error = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_field",
            format!(
                "This request does not take {} {}: check the spelling against the API \
                 documentation (/api/v1/openapi.json).",
                if names.len() == 1 {
                    "the field"
                } else {
                    "the fields"
                },
                names.join(", ")
            ),
        );
        error.fields = fields;
        return Err(error);
    }
    Ok(ApiJson(value))
}

fn json_rejection(r: &JsonRejection) -> ApiError {
    ApiError::new(r.status(), "invalid_json", plain_words(&r.body_text()))
}

/// A JSON reading error in the words of the API's documentation rather than Rust's: `expected
/// u8` becomes `expected a whole number from 0 to 255`, `struct NewCase` an object.
pub(crate) fn plain_words(message: &str) -> String {
    const WORDS: &[(&str, &str)] = &[
        ("expected u8", "expected a whole number from 0 to 255"),
        ("expected u16", "expected a whole number from 0 to 65535"),
        ("expected u32", "expected a whole number of 0 or more"),
        ("expected u64", "expected a whole number of 0 or more"),
        ("expected usize", "expected a whole number of 0 or more"),
        ("expected i8", "expected a whole number from -128 to 127"),
        ("expected i16", "expected a whole number"),
        ("expected i32", "expected a whole number"),
        ("expected i64", "expected a whole number"),
        ("expected f32", "expected a number"),
        ("expected f64", "expected a number"),
        ("expected a sequence", "expected a list"),
        ("expected a map", "expected an object"),
        ("expected option", "expected a value or null"),
        (
            "expected a formatted date string",
            "expected a date written YYYY-MM-DD",
        ),
        (
            "expected a formatted date and time string or a unix timestamp",
            "expected a date and time written like 2026-07-01T09:30:00Z",
        ),
        (
            "input contains invalid characters",
            "not a date written YYYY-MM-DD",
        ),
        (
            "premature end of input",
            "not a complete date written YYYY-MM-DD",
        ),
        ("trailing input", "not a date written YYYY-MM-DD"),
        ("input is out of range", "not a date that exists"),
        (
            "input is not enough for unique date and time",
            "not a complete date",
        ),
    ];
    let mut out = message.to_owned();
    for (rust, plain) in WORDS {
        // Whole words only: `expected u8` must not touch `expected u80`.
        let mut from = 0;
        while let Some(at) = out[from..].find(rust).map(|i| i + from) {
            let end = at + rust.len();
            let next = out[end..].chars().next();
            if next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                from = end;
                continue;
            }
            out.replace_range(at..end, plain);
            from = at + plain.len();
        }
    }
    // `expected struct NewCase`, `expected enum Role`, `expected tuple struct Id`.
    for (kind, plain) in [
        ("expected struct ", "expected an object"),
        ("expected tuple struct ", "expected a value"),
        ("expected enum ", "expected one of the documented values"),
        ("expected unit struct ", "expected a value"),
    ] {
        while let Some(at) = out.find(kind) {
            let name_end = out[at + kind.len()..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(out.len(), |i| at + kind.len() + i);
            out.replace_range(at..name_end, plain);
        }
    }
    out
}

/// Every string (and object key) of a JSON document holding a character no field accepts, named
/// by its path (`aliases[1]`, `items.note`).
fn refused_strings(v: &serde_json::Value, path: &str, refused: &mut Vec<FieldError>) {
    fn check(path: &str, s: &str, refused: &mut Vec<FieldError>) {
        if path.is_empty() {
            if let Err(e) = text("body", s, Lines::Many) {
                refused.push(FieldError::general(e));
            }
        } else if let Err(e) = text(path, s, Lines::Many) {
            let field = path.strip_suffix(" (the name)").unwrap_or(path);
            refused.push(FieldError::at(field, e));
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
        let refused: Vec<FieldError> = pairs
            .iter()
            .filter_map(|(k, v)| {
                text(k, v, Lines::Many)
                    .err()
                    .map(|e| FieldError::at(k.as_str(), e))
            })
            .collect();
        if !refused.is_empty() {
            return Err(ApiError::invalid_fields("invalid_input", refused));
        }
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(r) => Err(query_rejection(&r)),
        }
    }
}

fn query_rejection(r: &QueryRejection) -> ApiError {
    ApiError::new(r.status(), "invalid_query", plain_words(&r.body_text()))
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
