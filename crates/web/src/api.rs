//! The JSON API root, its OpenAPI document and the Swagger UI.

use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};
use utoipa_swagger_ui::SwaggerUi;

use crate::AppState;
use crate::error::ApiErrorBody;
use crate::health::{self, HealthStatus};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Containment API",
        description = "Case management for California containment teams. Errors are \
            `{\"error\": \"snake_case_code\", \"message\": \"...\"}` with a 4xx or 5xx status.",
    ),
    paths(api_root, health::healthz, health::readyz),
    components(schemas(ApiRoot, ApiErrorBody, HealthStatus)),
    tags(
        (name = "api", description = "Discovery"),
        (name = "operations", description = "Health checks for load balancers"),
    )
)]
#[derive(Debug)]
pub struct ApiDoc;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1", get(api_root))
        .merge(SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", ApiDoc::openapi()))
}

/// Where a program starts: the version and where the API is described.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiRoot {
    #[schema(example = "Containment")]
    pub name: &'static str,
    #[schema(example = "0.1.0")]
    pub version: &'static str,
    /// The OpenAPI document of this API.
    #[schema(example = "/api/v1/openapi.json")]
    pub openapi: &'static str,
    /// Interactive documentation for people.
    #[schema(example = "/api/docs/")]
    pub docs: &'static str,
}

#[utoipa::path(get, path = "/api/v1", tag = "api",
    responses((status = 200, description = "API discovery document", body = ApiRoot)))]
pub(crate) async fn api_root() -> Json<ApiRoot> {
    Json(ApiRoot {
        name: "Containment",
        version: env!("CARGO_PKG_VERSION"),
        openapi: "/api/v1/openapi.json",
        docs: "/api/docs/",
    })
}
