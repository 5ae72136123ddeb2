//! Pages for people.

use askama::Template;
use axum::Router;
use axum::response::{Html, IntoResponse};
use axum::routing::get;

use crate::AppState;
use crate::error::PageError;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    title: &'static str,
}

async fn home() -> Result<impl IntoResponse, PageError> {
    Ok(Html(HomePage { title: "Home" }.render()?))
}
