//! Every route declares who may call it; the guard runs before the handler. Deny by default:
//! there is no way to register a route without a guard. A caller whose roles the guard refuses
//! is written to the audit trail (see [`crate::refused`]).

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use containment_app::RefusalKind;
use containment_domain::Role;

use crate::error::{ApiError, error_page};
use crate::identity::Identity;
use crate::refused::mark;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// Anyone (home page, sign-in form, API discovery, health checks).
    Public,
    /// A browser that has entered the password and still owes the second factor.
    MfaPending,
    /// A browser whose session is locked for inactivity.
    Locked,
    /// Any fully signed-in person (browser session).
    SignedIn,
    /// A signed-in person holding one of these roles.
    AnyRole(&'static [Role]),
    /// A program with a bearer token.
    Api,
    /// A program with a bearer token whose user holds one of these roles.
    ApiRole(&'static [Role]),
}

impl Guard {
    pub fn is_api(self) -> bool {
        matches!(self, Guard::Api | Guard::ApiRole(_))
    }
}

/// Pages a person who must change their password may still reach.
const PASSWORD_CHANGE_PATHS: &[&str] = &["/account/password", "/sign-out"];

fn has_any(identity: &Identity, roles: &[Role]) -> bool {
    identity
        .actor()
        .is_some_and(|a| roles.iter().any(|r| a.has_role(*r)))
}

fn api_unauthenticated() -> Response {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "Send a valid API token as `Authorization: Bearer <token>`.",
    )
    .into_response()
}

fn api_forbidden() -> Response {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "Your account's roles do not allow this.",
    )
    .into_response()
}

fn to_sign_in(identity: &Identity) -> Response {
    match identity {
        Identity::MfaPending { user, .. } if user.mfa_enrolled => {
            Redirect::to("/sign-in/mfa").into_response()
        }
        Identity::MfaPending { .. } => Redirect::to("/sign-in/enroll").into_response(),
        Identity::Locked { .. } => Redirect::to("/unlock").into_response(),
        _ => Redirect::to("/sign-in").into_response(),
    }
}

pub(crate) async fn enforce(guard: Guard, req: Request, next: Next) -> Response {
    let identity = req
        .extensions()
        .get::<Identity>()
        .cloned()
        .unwrap_or(Identity::Anonymous);
    let allowed = match guard {
        Guard::Public => true,
        Guard::MfaPending => {
            if !matches!(identity, Identity::MfaPending { .. }) {
                return match identity {
                    Identity::Session { .. } => Redirect::to(crate::pages::LANDING).into_response(),
                    other => to_sign_in(&other),
                };
            }
            true
        }
        Guard::Locked => {
            if !matches!(identity, Identity::Locked { .. }) {
                return match identity {
                    Identity::Session { .. } => Redirect::to(crate::pages::LANDING).into_response(),
                    other => to_sign_in(&other),
                };
            }
            true
        }
        Guard::SignedIn | Guard::AnyRole(_) => {
            let Identity::Session { actor, .. } = &identity else {
                return to_sign_in(&identity);
            };
            let must_change = actor.user.as_ref().is_some_and(|u| u.must_change_password);
            if must_change && !PASSWORD_CHANGE_PATHS.contains(&req.uri().path()) {
                return Redirect::to("/account/password").into_response();
            }
            match guard {
                Guard::AnyRole(roles) => has_any(&identity, roles),
                _ => true,
            }
        }
        Guard::Api | Guard::ApiRole(_) => {
            if !matches!(identity, Identity::Bearer { .. }) {
                return api_unauthenticated();
            }
            match guard {
                Guard::ApiRole(roles) if !has_any(&identity, roles) => {
                    return mark(api_forbidden(), RefusalKind::AccessDenied);
                }
                _ => true,
            }
        }
    };
    if allowed {
        next.run(req).await
    } else {
        mark(
            error_page(
                StatusCode::FORBIDDEN,
                "Your account's roles do not give access to this page. Ask your agency administrator if you need it.",
            ),
            RefusalKind::AccessDenied,
        )
    }
}
