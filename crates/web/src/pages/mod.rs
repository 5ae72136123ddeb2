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
            Identity::Session { actor, .. } => actor.user.as_ref().map(|u| NavUser {
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
