//! Who is asking: resolved once per request from the session cookie or the bearer token.

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use containment_app::{Actor, Client, SessionCheck, StoredUser, UserSessionRecord};

use crate::AppState;

/// Cookie carrying the session secret. With secure cookies the `__Host-` prefix makes the
/// browser refuse it unless it is Secure, host-only and for path `/`.
pub(crate) fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-containment_session"
    } else {
        "containment_session"
    }
}

/// Cookie carrying the anti-forgery token of forms shown before sign-in.
pub(crate) fn pre_auth_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-containment_csrf"
    } else {
        "containment_csrf"
    }
}

/// The identity of the request.
#[derive(Debug, Clone)]
pub enum Identity {
    Anonymous,
    /// Password accepted; the second factor is still owed.
    MfaPending {
        user: StoredUser,
        session: UserSessionRecord,
    },
    /// Idle too long; the password must be entered again.
    Locked {
        user: StoredUser,
        session: UserSessionRecord,
    },
    /// A fully signed-in browser session.
    Session {
        actor: Actor,
        session: UserSessionRecord,
    },
    /// A program with a valid API token.
    Bearer {
        actor: Actor,
    },
}

impl Identity {
    pub fn actor(&self) -> Option<&Actor> {
        match self {
            Identity::Session { actor, .. } | Identity::Bearer { actor } => Some(actor),
            _ => None,
        }
    }

    /// The session's anti-forgery token, when there is a session.
    pub fn csrf_token(&self) -> Option<&str> {
        match self {
            Identity::Session { session, .. }
            | Identity::MfaPending { session, .. }
            | Identity::Locked { session, .. } => Some(&session.csrf_token),
            _ => None,
        }
    }
}

pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax (Strict would drop the cookie on links from
/// e-mail), Secure unless local development asked otherwise.
pub(crate) fn set_cookie(
    name: &str,
    value: &str,
    secure: bool,
    max_age: Option<i64>,
) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// Where the request came from: the TCP peer, or behind a trusted proxy the client it names.
pub(crate) fn client_of(req: &Request, proxies: &crate::TrustedProxies) -> Client {
    Client {
        addr: req
            .extensions()
            .get::<ConnectInfo<crate::ClientAddr>>()
            .map(|ci| proxies.client(ci.0.0.ip(), req.headers()).to_string()),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(200).collect()),
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Resolves the identity and stores it (and the client) in the request's extensions.
pub(crate) async fn resolve(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    if path.starts_with("/assets/") || path == "/healthz" || path == "/readyz" {
        return next.run(req).await;
    }
    let client = client_of(&req, &state.config.trusted_proxies);
    let now = Utc::now();
    let mut identity = Identity::Anonymous;
    if let Some(token) = bearer(req.headers()) {
        match state.app.check_token(token, &client, now).await {
            Ok(Some(actor)) => identity = Identity::Bearer { actor },
            Ok(None) => {}
            Err(err) => return crate::error::ApiError::from(err).into_response(),
        }
    } else if let Some(token) = cookie(
        req.headers(),
        session_cookie_name(state.config.secure_cookies),
    ) {
        match state.app.check_session(token, &client, now).await {
            Ok(SessionCheck::Active { actor, session }) => {
                identity = Identity::Session { actor, session }
            }
            Ok(SessionCheck::MfaPending { user, session }) => {
                identity = Identity::MfaPending { user, session }
            }
            Ok(SessionCheck::Locked { user, session }) => {
                identity = Identity::Locked { user, session }
            }
            Ok(SessionCheck::Invalid) => {}
            Err(err) => return crate::error::PageError::from(err).into_response(),
        }
    }
    req.extensions_mut().insert(client);
    req.extensions_mut().insert(identity);
    next.run(req).await
}
