//! The HTTP face of Containment: server-rendered pages for people (askama + htmx, styled with the
//! U.S. Web Design System) and a JSON API under `/api/v1` for programs.

mod api;
mod api_cases;
mod api_scores;
mod assets;
mod calendar;
mod caseload_import;
mod chart;
mod compliance;
mod csrf;
mod documents;
mod error;
mod export;
mod exports;
mod extract;
mod form;
mod guard;
mod health;
mod idempotency;
mod identity;
mod metrics;
mod monthly_reports;
pub(crate) mod pages;
mod polygraph;
mod proxy;
mod refused;
mod routes;
mod scores;
mod security;
mod teams;
mod tls;
mod today;
mod treatment;
mod treatment_plan;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::middleware::{from_fn, from_fn_with_state};
use containment_app::App;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use api::ApiDoc;
pub use error::{ApiError, PageError};
pub use guard::Guard;
pub use metrics::{HttpMetrics, metrics_router};
pub use proxy::{IpNet, TrustedProxies};
pub use routes::RouteInfo;
pub use tls::{ClientAddr, TlsListener, tls_acceptor};
pub use tokio_rustls::TlsAcceptor;

/// How the web layer is deployed.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (and use `__Host-` names). Off only for local development over
    /// plain HTTP on a machine where the browser would otherwise refuse them.
    pub secure_cookies: bool,
    /// Served over TLS by this process: send HSTS.
    pub tls: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client in the audit trail.
    pub trusted_proxies: TrustedProxies,
    /// Where requests are counted for `/metrics`, when it is served.
    pub metrics: Option<std::sync::Arc<HttpMetrics>>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: true,
            tls: false,
            trusted_proxies: TrustedProxies::default(),
            metrics: None,
        }
    }
}

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub app: App,
    pub config: WebConfig,
}

fn registry() -> routes::Registry {
    pages::registry()
        .merge(health::registry())
        .merge(api::registry())
        .merge(api_cases::registry())
        .merge(documents::registry())
        .merge(scores::registry())
        .merge(api_scores::registry())
        .merge(compliance::registry())
        .merge(calendar::registry())
        .merge(caseload_import::registry())
        .merge(today::registry())
        .merge(treatment::registry())
        .merge(monthly_reports::registry())
        .merge(treatment_plan::registry())
        .merge(polygraph::registry())
        .merge(teams::registry())
        .merge(exports::registry())
        .merge(assets::registry())
}

/// Every route the application serves, with its guard: what the access-matrix test walks.
pub fn routes() -> Vec<RouteInfo> {
    let (_, mut infos) = registry().into_parts();
    infos.extend(api::docs().1);
    infos
}

/// The whole application: pages, API, health checks and static assets, with identity,
/// anti-forgery checks, security headers, the panic guard and request logging applied to every
/// response.
pub fn router(app: App, config: WebConfig) -> Router {
    let state = AppState {
        app,
        config: config.clone(),
    };
    let (routes, _) = registry().into_parts();
    let counted = config.metrics.clone();
    let router = Router::new()
        .merge(routes)
        .merge(api::docs().0)
        .fallback(error::not_found)
        // Route middleware that needs the application (safe retries) finds it here.
        .layer(axum::Extension(state.clone()))
        .layer(from_fn_with_state(state.clone(), csrf::verify))
        // A panic is answered here too, so its page keeps the signed-in header.
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(from_fn(error::with_signed_in_header))
        .layer(from_fn_with_state(state.clone(), identity::resolve))
        .with_state(state)
        .layer(from_fn(move |req, next| {
            security::headers(config.clone(), req, next)
        }))
        .layer(CatchPanicLayer::custom(error::panic_response));
    let router = match counted {
        Some(m) => router.layer(from_fn(move |req, next| {
            metrics::count(m.clone(), req, next)
        })),
        None => router,
    };
    router.layer(
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
        router.into_make_service_with_connect_info::<ClientAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Serves `router` over HTTPS.
pub async fn serve_tls(
    listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        TlsListener::new(listener, acceptor),
        router.into_make_service_with_connect_info::<ClientAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
