//! Who is asking: resolved once per request from the session cookie or the bearer token.

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use containment_app::{Actor, Client, SessionCheck, StoredUser, TokenCheck, UserSessionRecord};

use crate::AppState;
use crate::refused::{self, RequestLine};

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

/// Who sent `headers`: the bearer token's program or the session cookie's person. A refused
/// token is written to the audit trail here; a database failure is the answer.
async fn identify(
    state: &AppState,
    headers: &HeaderMap,
    client: &Client,
    line: &RequestLine,
) -> Result<Identity, Response> {
    let now = Utc::now();
    if let Some(token) = bearer(headers) {
        return match state.app.check_token(token, client, now).await {
            Ok(TokenCheck::Valid(actor)) => Ok(Identity::Bearer { actor }),
            Ok(TokenCheck::Refused(refused)) => {
                refused::record_token(state, refused, client, line).await;
                Ok(Identity::Anonymous)
            }
            Err(err) => Err(crate::error::ApiError::from(err).into_response()),
        };
    }
    let Some(token) = cookie(headers, session_cookie_name(state.config.secure_cookies)) else {
        return Ok(Identity::Anonymous);
    };
    match state.app.check_session(token, client, now).await {
        Ok(SessionCheck::Active { actor, session }) => Ok(Identity::Session { actor, session }),
        Ok(SessionCheck::MfaPending { user, session }) => {
            Ok(Identity::MfaPending { user, session })
        }
        Ok(SessionCheck::Locked { user, session }) => Ok(Identity::Locked { user, session }),
        Ok(SessionCheck::Invalid) => Ok(Identity::Anonymous),
        Err(err) => Err(crate::error::PageError::from(err).into_response()),
    }
}

/// Resolves the identity and stores it (and the client) in the request's extensions, then
/// writes any refusal the rest of the stack marked on its response to the audit trail.
pub(crate) async fn resolve(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let client = client_of(&req, &state.config.trusted_proxies);
    let line = RequestLine::of(&req);
    let path = req.uri().path();
    let identity = if path.starts_with("/assets/") || path == "/healthz" || path == "/readyz" {
        Identity::Anonymous
    } else {
        match identify(&state, req.headers(), &client, &line).await {
            Ok(identity) => identity,
            Err(response) => return response,
        }
    };
    req.extensions_mut().insert(client.clone());
    req.extensions_mut().insert(identity.clone());
    let mut response = next.run(req).await;
    refused::record_marked(&state, &identity, &client, &line, &mut response).await;
    response
}
