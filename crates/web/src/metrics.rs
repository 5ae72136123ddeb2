//! Operations figures in the Prometheus text format, served on a listener of their own
//! (`serve --metrics-listen`): requests and their latency by route pattern, the connection pool,
//! the reminder job and the audit trail's group commits. Labels are route patterns
//! (`/cases/{id}`), methods and status codes: never a concrete path, query or value.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use containment_app::App;
use containment_app::metrics::{BUCKETS, Histogram, HistogramSnapshot};

/// Requests answered by this process, by method, route pattern and status.
#[derive(Debug, Default)]
pub struct HttpMetrics {
    routes: Mutex<BTreeMap<(String, String), RouteFigures>>,
}

#[derive(Debug, Default)]
struct RouteFigures {
    by_status: BTreeMap<u16, u64>,
    latency: Histogram,
}

impl HttpMetrics {
    fn record(&self, method: &str, route: &str, status: u16, took: std::time::Duration) {
        let mut routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        let figures = routes
            .entry((method.to_owned(), route.to_owned()))
            .or_default();
        *figures.by_status.entry(status).or_default() += 1;
        figures.latency.observe(took);
    }
}

/// Counts and times every request into `metrics`.
pub(crate) async fn count(metrics: Arc<HttpMetrics>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let res = next.run(req).await;
    metrics.record(&method, &route, res.status().as_u16(), started.elapsed());
    res
}

/// The `/metrics` endpoint over `app` and the request counts of the main listener.
pub fn metrics_router(app: App, metrics: Arc<HttpMetrics>) -> Router {
    Router::new()
        .route("/metrics", get(exposition))
        .with_state((app, metrics))
}

async fn exposition(State((app, metrics)): State<(App, Arc<HttpMetrics>)>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        render(&app, &metrics),
    )
        .into_response()
}

/// A label value as the text format wants it.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn histogram(out: &mut String, name: &str, labels: &str, h: &HistogramSnapshot) {
    let sep = if labels.is_empty() { "" } else { "," };
    for (bound, count) in BUCKETS.iter().zip(&h.cumulative) {
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {count}");
    }
    let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}", h.count);
    let braces = if labels.is_empty() {
        String::new()
    } else {
        format!("{{{labels}}}")
    };
    let _ = writeln!(out, "{name}_sum{braces} {}", h.sum_seconds);
    let _ = writeln!(out, "{name}_count{braces} {}", h.count);
}

fn help(out: &mut String, name: &str, kind: &str, text: &str) {
    let _ = writeln!(out, "# HELP {name} {text}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

pub(crate) fn render(app: &App, metrics: &HttpMetrics) -> String {
    use std::sync::atomic::Ordering::Relaxed;
    let mut out = String::new();
    {
        let routes = metrics.routes.lock().unwrap_or_else(|e| e.into_inner());
        help(
            &mut out,
            "containment_http_requests_total",
            "counter",
            "Requests answered, by method, route pattern and status.",
        );
        for ((method, route), f) in routes.iter() {
            for (status, n) in &f.by_status {
                let _ = writeln!(
                    out,
                    "containment_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                    label(method),
                    label(route)
                );
            }
        }
        help(
            &mut out,
            "containment_http_request_duration_seconds",
            "histogram",
            "Time to answer, by method and route pattern.",
        );
        for ((method, route), f) in routes.iter() {
            histogram(
                &mut out,
                "containment_http_request_duration_seconds",
                &format!("method=\"{}\",route=\"{}\"", label(method), label(route)),
                &f.latency.snapshot(),
            );
        }
    }
    let pool = app.pool_state();
    help(
        &mut out,
        "containment_db_pool_connections",
        "gauge",
        "Database connections of this process, by state.",
    );
    let _ = writeln!(
        out,
        "containment_db_pool_connections{{state=\"in_use\"}} {}",
        pool.open.saturating_sub(pool.idle)
    );
    let _ = writeln!(
        out,
        "containment_db_pool_connections{{state=\"idle\"}} {}",
        pool.idle
    );
    help(
        &mut out,
        "containment_db_pool_max_connections",
        "gauge",
        "The most connections the pool opens.",
    );
    let _ = writeln!(out, "containment_db_pool_max_connections {}", pool.max);
    let reminders = app.reminder_stats();
    let audit = app.audit_append_stats();
    for (name, text, h) in [
        (
            "containment_reminder_run_duration_seconds",
            "Runs of the reminder job in this process, and how long each took.",
            reminders.duration.snapshot(),
        ),
        (
            "containment_audit_append_duration_seconds",
            "Group commits of read requests' audit events, and how long each took.",
            audit.commit.snapshot(),
        ),
    ] {
        help(&mut out, name, "histogram", text);
        histogram(&mut out, name, "", &h);
    }
    for (name, text, value) in [
        (
            "containment_reminder_run_failures_total",
            "Runs of the reminder job that failed (the next run retries).",
            reminders.failures.load(Relaxed),
        ),
        (
            "containment_reminder_notifications_total",
            "Notifications the reminder job stored.",
            reminders.notifications.load(Relaxed),
        ),
        (
            "containment_audit_appended_events_total",
            "Audit events of read requests committed in group commits.",
            audit.events.load(Relaxed),
        ),
        (
            "containment_audit_append_failures_total",
            "Group commits that failed (their requests were answered with an error).",
            audit.failures.load(Relaxed),
        ),
    ] {
        help(&mut out, name, "counter", text);
        let _ = writeln!(out, "{name} {value}");
    }
    out
}
