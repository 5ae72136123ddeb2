//! Probes for load balancers and orchestrators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::guard::Guard;
use crate::routes::Registry;

pub(crate) fn registry() -> Registry {
    Registry::new()
        .get("/healthz", Guard::Public, healthz)
        .get("/readyz", Guard::Public, readyz)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthStatus {
    /// `ok`, `ready` or `not_ready`.
    pub status: &'static str,
    /// Why the instance is not ready: `database_unreachable`, `migrations_pending`,
    /// `schema_newer_than_binary`, `read_only`, `database_full` or `write_failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

/// The process is alive. Does not touch the database.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is running", body = HealthStatus)))]
pub(crate) async fn healthz() -> Json<HealthStatus> {
    Json(HealthStatus {
        status: "ok",
        reason: None,
    })
}

/// The database answers and every migration this binary knows is applied.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = HealthStatus),
        (status = 503, description = "Not ready", body = HealthStatus)))]
pub(crate) async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<HealthStatus>) {
    let reason = state.app.readiness().await.code();
    match reason {
        None => (
            StatusCode::OK,
            Json(HealthStatus {
                status: "ready",
                reason: None,
            }),
        ),
        Some(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(HealthStatus {
                status: "not_ready",
                reason: Some(reason),
            }),
        ),
    }
}
