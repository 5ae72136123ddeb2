//! Pages for people.

pub(crate) mod account;
mod admin;
pub(crate) mod audit;
pub(crate) mod cases;
mod certifications;
mod sign_in;

use askama::Template;
use axum::Extension;
use axum::response::{Html, IntoResponse, Response};
use containment_domain::Role;

use crate::error::PageError;
use crate::guard::Guard;
use crate::identity::Identity;
use crate::routes::Registry;

/// Where a person lands once signed in: their day.
pub(crate) const LANDING: &str = "/today";

pub(crate) fn registry() -> Registry {
    Registry::new()
        .get("/", Guard::Public, home)
        .merge(sign_in::registry())
        .merge(account::registry())
        .merge(admin::registry())
        .merge(audit::registry())
        .merge(cases::registry())
        .merge(certifications::registry())
}

/// The signed-in person, as the header shows them.
#[derive(Debug, Clone)]
pub(crate) struct NavUser {
    pub name: String,
    pub admin: bool,
    pub auditor: bool,
    /// Officer supervisors and agency admins see their agency's compliance dashboard.
    pub dashboard: bool,
    /// Agency admins and the people who sit on a team above the case see "Teams".
    pub teams: bool,
}

/// What every page's layout needs.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub title: String,
    pub user: Option<NavUser>,
    /// The session's anti-forgery token, for the sign-out form in the header.
    pub csrf: String,
    /// Which navigation item is current.
    pub current: &'static str,
}

impl Layout {
    pub(crate) fn new(
        title: impl Into<String>,
        current: &'static str,
        identity: &Identity,
    ) -> Self {
        let user = match identity {
            Identity::Session { actor, session } => actor.user.as_ref().map(|u| NavUser {
                name: u.display_name.clone(),
                admin: u
                    .roles
                    .iter()
                    .any(|r| matches!(r, Role::SystemAdmin | Role::AgencyAdmin)),
                auditor: u.roles.contains(&Role::Auditor),
                dashboard: u
                    .roles
                    .iter()
                    .any(|r| matches!(r, Role::OfficerSupervisor | Role::AgencyAdmin)),
                teams: session.on_team || u.roles.contains(&Role::AgencyAdmin),
            }),
            _ => None,
        };
        Layout {
            title: title.into(),
            user,
            csrf: identity.csrf_token().unwrap_or_default().to_owned(),
            current,
        }
    }
}

/// Renders a template into a response, or the error page.
/// Typesets a printable document off the async workers and answers it as an inline PDF that is
/// never cached.
pub(crate) async fn typeset_pdf<F>(
    typeset: F,
    filename: String,
) -> Result<Response, containment_app::AppError>
where
    F: FnOnce() -> Result<Vec<u8>, containment_reports::ReportError> + Send + 'static,
{
    use axum::http::{HeaderValue, StatusCode, header};
    let internal = |e: String| containment_app::AppError::Internal(e);
    let pdf = tokio::task::spawn_blocking(typeset)
        .await
        .map_err(|e| internal(e.to_string()))?
        .map_err(|e| internal(e.to_string()))?;
    let mut res = (StatusCode::OK, pdf).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

pub(crate) fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => PageError::from(e).into_response(),
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
}

async fn home(Extension(identity): Extension<Identity>) -> Response {
    render(&HomePage {
        layout: Layout::new("Home", "home", &identity),
    })
}
