//! Static assets (USWDS, htmx, our stylesheet), embedded in the binary so the application works
//! offline and never loads anything from a CDN.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;

use crate::guard::Guard;
use crate::routes::Registry;

#[derive(Embed)]
#[folder = "../../assets/"]
struct Assets;

pub(crate) fn registry() -> Registry {
    Registry::new().get("/assets/{*path}", Guard::Public, asset)
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("woff2") => "font/woff2",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

async fn asset(Path(path): Path<String>) -> Response {
    match Assets::get(&path) {
        Some(file) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, content_type(&path)),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            file.data,
        )
            .into_response(),
        None => crate::error::not_found(axum::http::Uri::from_static("/assets")).await,
    }
}
