//! Anti-forgery check on every state-changing browser request: the form field `csrf_token` (or
//! the `X-CSRF-Token` header, for htmx; the query string for file uploads) must equal the session's token, or before sign-in the
//! token in the pre-authentication cookie. API calls authenticate with bearer tokens, which a
//! browser never attaches by itself, so they need no such token.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use containment_app::RefusalKind;

use crate::AppState;
use crate::error::error_page;
use crate::identity::{Identity, cookie, pre_auth_cookie_name};
use crate::refused::mark;

/// Largest form body read for the check.
const FORM_LIMIT: usize = 256 * 1024;

pub(crate) const FIELD: &str = "csrf_token";

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    std::str::from_utf8(body)
        .ok()?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The refusal, marked for the audit trail (see [`crate::refused`]).
fn refused() -> Response {
    mark(
        error_page(
            StatusCode::FORBIDDEN,
            "This form could not be accepted because it has expired or did not come from this site. \
             Go back, reload the page and submit it again. Nothing was saved.",
        ),
        RefusalKind::CsrfRefused,
    )
}

pub(crate) async fn verify(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !unsafe_method || req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let identity = req
        .extensions()
        .get::<Identity>()
        .cloned()
        .unwrap_or(Identity::Anonymous);
    let expected = match identity.csrf_token() {
        Some(t) => Some(t.to_owned()),
        None => cookie(
            req.headers(),
            pre_auth_cookie_name(state.config.secure_cookies),
        )
        .map(str::to_owned),
    };
    let Some(expected) = expected else {
        return refused();
    };
    let header = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if multipart {
        // File uploads carry the token in the query string so the body (up to the document
        // size limit) is not read twice; the upload handler enforces its own limit.
        let presented = header.or_else(|| form_field(req.uri().query()?.as_bytes(), FIELD));
        return match presented {
            Some(p) if constant_time_eq(&p, &expected) => next.run(req).await,
            _ => refused(),
        };
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, FORM_LIMIT).await else {
        return error_page(StatusCode::PAYLOAD_TOO_LARGE, "The form is too large.");
    };
    let presented = header.or_else(|| form_field(&bytes, FIELD));
    match presented {
        Some(p) if constant_time_eq(&p, &expected) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => refused(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_token_among_form_fields() {
        assert_eq!(
            form_field(b"a=1&csrf_token=abc&b=2", FIELD).as_deref(),
            Some("abc")
        );
        assert_eq!(form_field(b"a=1", FIELD), None);
    }

    #[test]
    fn comparison_needs_equal_length_and_bytes() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
