//! The route registry: every route is registered with its guard, and the list of registered
//! routes is available to the access-matrix test, so a route cannot ship unprotected or
//! untested.

use axum::Router;
use axum::handler::Handler;
use axum::http::{StatusCode, header};
use axum::middleware::{from_fn, map_response};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, on};

use crate::AppState;
use crate::error::ApiError;
use crate::guard::{Guard, enforce};

/// One registered route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: &'static str,
    pub path: &'static str,
    pub guard: Guard,
}

/// API routes answer every refusal in the API's error format: the plain-text rejections of
/// axum's extractors (a path segment that is not a number, a body over the limit) become
/// `{"error": code, "message": ...}` like every other error.
async fn api_errors(res: Response) -> Response {
    let status = res.status();
    let json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !status.is_client_error() || json {
        return res;
    }
    let text = axum::body::to_bytes(res.into_body(), 4096)
        .await
        .unwrap_or_default();
    let message = String::from_utf8_lossy(&text).trim().to_owned();
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::NOT_FOUND => "not_found",
        _ => "bad_request",
    };
    let message = if message.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("Bad request")
            .to_owned()
    } else {
        message
    };
    ApiError::new(status, code, message).into_response()
}

/// Largest request body of a file upload: the document limit plus room for the form fields.
pub(crate) const UPLOAD_BODY_LIMIT: usize =
    containment_domain::document::MAX_DOCUMENT_BYTES + 64 * 1024;

pub(crate) struct Registry {
    router: Router<AppState>,
    routes: Vec<RouteInfo>,
}

impl Registry {
    pub(crate) fn new() -> Self {
        Registry {
            router: Router::new(),
            routes: Vec::new(),
        }
    }

    fn add<H, T>(
        mut self,
        method: &'static str,
        filter: MethodFilter,
        path: &'static str,
        guard: Guard,
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let mut route = on(filter, handler);
        if guard.is_api() && method == "POST" {
            route = route.route_layer(from_fn(crate::idempotency::retry_safely));
        }
        let mut route = route.route_layer(from_fn(move |req, next| enforce(guard, req, next)));
        if guard.is_api() {
            route = route.layer(map_response(api_errors));
        }
        self.router = self.router.route(path, route);
        self.routes.push(RouteInfo {
            method,
            path,
            guard,
        });
        self
    }

    pub(crate) fn get<H, T>(self, path: &'static str, guard: Guard, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("GET", MethodFilter::GET, path, guard, handler)
    }

    pub(crate) fn post<H, T>(self, path: &'static str, guard: Guard, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("POST", MethodFilter::POST, path, guard, handler)
    }

    /// A POST that receives a file: its body may be as large as a document plus the form.
    pub(crate) fn post_upload<H, T>(self, path: &'static str, guard: Guard, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.post_upload_within(path, guard, handler, UPLOAD_BODY_LIMIT)
    }

    /// A POST that receives a file of at most `limit` bytes, form fields included.
    pub(crate) fn post_upload_within<H, T>(
        mut self,
        path: &'static str,
        guard: Guard,
        handler: H,
        limit: usize,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let mut route =
            on(MethodFilter::POST, handler).layer(axum::extract::DefaultBodyLimit::max(limit));
        if guard.is_api() {
            route = route.route_layer(from_fn(crate::idempotency::retry_safely));
        }
        let mut route = route.route_layer(from_fn(move |req, next| enforce(guard, req, next)));
        if guard.is_api() {
            route = route.layer(map_response(api_errors));
        }
        self.router = self.router.route(path, route);
        self.routes.push(RouteInfo {
            method: "POST",
            path,
            guard,
        });
        self
    }

    pub(crate) fn put<H, T>(self, path: &'static str, guard: Guard, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("PUT", MethodFilter::PUT, path, guard, handler)
    }

    pub(crate) fn delete<H, T>(self, path: &'static str, guard: Guard, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("DELETE", MethodFilter::DELETE, path, guard, handler)
    }

    pub(crate) fn merge(mut self, other: Registry) -> Self {
        self.router = self.router.merge(other.router);
        self.routes.extend(other.routes);
        self
    }

    pub(crate) fn into_parts(self) -> (Router<AppState>, Vec<RouteInfo>) {
        (self.router, self.routes)
    }
}
