//! Probes for load balancers and orchestrators.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use containment_app::Readiness;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthStatus {
    /// `ok`, `ready` or `not_ready`.
    pub status: &'static str,
    /// Why the instance is not ready: `database_unreachable` or `migrations_pending`.
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
    let reason = match state.app.readiness().await {
        Readiness::Ready => None,
        Readiness::DatabaseUnreachable => Some("database_unreachable"),
        Readiness::MigrationsPending(_) => Some("migrations_pending"),
    };
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
