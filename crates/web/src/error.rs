//! Errors as people and programs see them: a styled page without internals, or
//! `{"error": "snake_case_code", "message": "..."}` with a 4xx/5xx status.

use std::any::Any;

use askama::Template;
use axum::Json;
use axum::http::{StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use containment_app::{AppError, FieldError, Problems};
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every API error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiErrorBody {
    /// A stable snake_case code, e.g. `not_found`, `invalid_input`, `conflict`.
    #[schema(example = "not_found")]
    pub error: String,
    /// A sentence for a person.
    pub message: String,
    /// With `stale`: the record's version now, to reload before trying again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i32>,
    /// With `invalid_input`: each problem, with the member of the body (or query parameter) it
    /// is about where there is one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldProblem>,
}

/// One problem with what was sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The body member or query parameter, e.g. `start_date`; absent when the problem is with
    /// the request as a whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "start_date")]
    pub field: Option<String>,
    /// A sentence for a person.
    pub message: String,
}

/// An error answered by the JSON API.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub current_version: Option<i32>,
    pub fields: Vec<FieldError>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            current_version: None,
            fields: Vec::new(),
        }
    }

    /// The problems field by field; the message joins them for clients that read only it.
    pub fn invalid_fields(code: &'static str, fields: Vec<FieldError>) -> Self {
        let message = Problems::from(fields.clone()).to_string();
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code,
            message,
            current_version: None,
            fields,
        }
    }

    /// Names the field the error is about.
    pub fn at(mut self, field: &str) -> Self {
        self.fields = vec![FieldError::at(field, self.message.clone())];
        self
    }
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        let status = status_of(&err);
        if status.is_server_error() {
            tracing::error!(code = err.code(), "request failed");
        }
        ApiError {
            status,
            code: err.code(),
            message: public_message(&err),
            current_version: match err {
                AppError::Stale { current_version } => Some(current_version),
                _ => None,
            },
            fields: match err {
                AppError::InvalidInput(problems) => problems.into_vec(),
                _ => Vec::new(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(ApiErrorBody {
                error: self.code.to_owned(),
                message: self.message,
                current_version: self.current_version,
                fields: self
                    .fields
                    .into_iter()
                    .map(|p| FieldProblem {
                        field: p.field,
                        message: p.message,
                    })
                    .collect(),
            }),
        )
            .into_response()
    }
}

fn status_of(err: &AppError) -> StatusCode {
    match err {
        AppError::InvalidInput(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict(_) | AppError::Duplicate { .. } | AppError::Stale { .. } => {
            StatusCode::CONFLICT
        }
        AppError::SignInFailed | AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::InvalidCode => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The message shown outside: internal details stay in the server.
fn public_message(err: &AppError) -> String {
    match err {
        AppError::Internal(_) => "Something went wrong on our side. Please try again.".to_owned(),
        other => other.to_string(),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: crate::pages::Layout,
    heading: &'a str,
    message: &'a str,
    status: u16,
}

/// An error answered with an HTML page.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub message: String,
}

impl From<AppError> for PageError {
    fn from(err: AppError) -> Self {
        let status = status_of(&err);
        if status.is_server_error() {
            tracing::error!(code = err.code(), "page failed");
        }
        PageError {
            status,
            message: public_message(&err),
        }
    }
}

impl From<askama::Error> for PageError {
    fn from(_: askama::Error) -> Self {
        tracing::error!("template rendering failed");
        PageError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: public_message(&AppError::Internal(String::new())),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page(self.status, &self.message)
    }
}

fn heading_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "Page not found",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::CONFLICT => "Someone else changed this record",
        StatusCode::SERVICE_UNAVAILABLE => "Temporarily unavailable",
        s if s.is_client_error() => "This request could not be completed",
        _ => "Something went wrong",
    }
}

/// A complete styled error page. Falls back to plain text if the template itself fails, so an
/// error page can never turn into a second error.
/// The problems a person can fix on the form they sent (bad input, a conflict, a stale
/// version), one line each; anything else is an error page.
pub(crate) fn form_errors(e: AppError) -> Result<FormErrors, PageError> {
    match e {
        AppError::InvalidInput(problems) => Ok(problems.into()),
        e @ (AppError::Conflict(_) | AppError::Stale { .. }) => Ok(e.to_string().into()),
        e => Err(e.into()),
    }
}

/// The problems shown on a form: a summary at the top ("There is a problem") whose items link
/// to their fields, and each message again at its field.
#[derive(Debug, Clone, Default)]
pub(crate) struct FormErrors(Vec<FieldError>);

impl FormErrors {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn extend(&mut self, other: impl Into<FormErrors>) {
        self.0.extend(other.into().0);
    }

    /// The message for one field, if it has one.
    pub(crate) fn at(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|p| p.field.as_deref() == Some(field))
            .map(|p| p.message.as_str())
    }

    /// `" usa-input--error"` (or the class given) when the field has a problem, for its input's
    /// class list.
    pub(crate) fn class(&self, field: &str, class: &'static str) -> &'static str {
        if self.at(field).is_some() { class } else { "" }
    }
}

impl<'a> IntoIterator for &'a FormErrors {
    type Item = &'a FieldError;
    type IntoIter = std::slice::Iter<'a, FieldError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl From<Problems> for FormErrors {
    fn from(p: Problems) -> Self {
        FormErrors(p.into_vec())
    }
}

impl From<String> for FormErrors {
    fn from(m: String) -> Self {
        FormErrors(vec![FieldError::general(m)])
    }
}

impl From<&str> for FormErrors {
    fn from(m: &str) -> Self {
        FormErrors(vec![FieldError::general(m)])
    }
}

impl From<Vec<String>> for FormErrors {
    fn from(v: Vec<String>) -> Self {
        FormErrors(v.into_iter().map(FieldError::general).collect())
    }
}

pub(crate) fn error_page(status: StatusCode, message: &str) -> Response {
    let mut res = render_error_page(status, message, &crate::identity::Identity::Anonymous);
    res.extensions_mut().insert(ErrorPageNote {
        message: message.to_owned(),
    });
    res
}

/// The error page drawn for `identity`: with the signed-in header when there is a session.
fn render_error_page(
    status: StatusCode,
    message: &str,
    identity: &crate::identity::Identity,
) -> Response {
    let heading = heading_for(status);
    let page = ErrorPage {
        layout: crate::pages::Layout::new(heading, "", identity),
        heading,
        message,
        status: status.as_u16(),
    };
    match page.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(_) => (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            heading.to_owned(),
        )
            .into_response(),
    }
}

/// Marks a response as an error page. Error pages are made where the signed-in person is not
/// at hand (extractor refusals, the fallback, the guard); the layer that knows them draws the
/// page again with their header.
#[derive(Debug, Clone)]
struct ErrorPageNote {
    message: String,
}

/// Error pages keep the signed-in header (name, navigation, sign-out) for a request with a
/// valid session; anonymous visitors keep the plain page.
pub(crate) async fn with_signed_in_header(req: axum::extract::Request, next: Next) -> Response {
    let identity = req
        .extensions()
        .get::<crate::identity::Identity>()
        .filter(|i| matches!(i, crate::identity::Identity::Session { .. }))
        .cloned();
    let res = next.run(req).await;
    let (Some(identity), Some(note)) = (identity, res.extensions().get::<ErrorPageNote>()) else {
        return res;
    };
    let page = render_error_page(res.status(), &note.message.clone(), &identity);
    let (mut parts, _) = res.into_parts();
    let (page_parts, body) = page.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    if let Some(t) = page_parts.headers.get(header::CONTENT_TYPE) {
        parts.headers.insert(header::CONTENT_TYPE, t.clone());
    }
    Response::from_parts(parts, body)
}

/// Answer for any path no route matches: JSON under `/api`, a page elsewhere.
pub(crate) async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") || uri.path() == "/api" {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "There is no API endpoint at this address.",
        )
        .into_response()
    } else {
        error_page(
            StatusCode::NOT_FOUND,
            "There is no page at this address. Check the address, or go back to the home page.",
        )
    }
}

/// Answer when a handler panicked: a generic page, the panic text stays out of the response.
pub(crate) fn panic_response(_panic: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side. Nothing you entered was saved by this request; please try again.",
    )
}
