//! The HTTP face of Containment: server-rendered pages for people (askama + htmx, styled with the
//! U.S. Web Design System) and a JSON API under `/api/v1` for programs.

mod api;
mod assets;
mod error;
mod health;
mod pages;
mod security;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use containment_app::App;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use api::ApiDoc;
pub use error::{ApiError, PageError};

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub app: App,
}

/// The whole application: pages, API, health checks and static assets, with the security
/// headers, panic guard and request logging applied to every response.
pub fn router(app: App) -> Router {
    let state = AppState { app };
    Router::new()
        .merge(pages::router())
        .merge(health::router())
        .merge(api::router())
        .merge(assets::router())
        .fallback(error::not_found)
        .with_state(state)
        .layer(axum::middleware::from_fn(security::headers))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(
            TraceLayer::new_for_http()
                // Only the route pattern is logged, never the concrete path or query: those can
                // carry names and identifiers of supervisees.
                .make_span_with(|req: &Request| {
                    let route = req
                        .extensions()
                        .get::<MatchedPath>()
                        .map_or("unmatched", MatchedPath::as_str);
                    tracing::info_span!("http", method = %req.method(), route = %route)
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
}

/// Serves `router` on `listener` until `shutdown` completes, then lets open requests finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// How long a shutting-down server waits for requests in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
