//! The signed-in person's own account: password, sessions and API tokens.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::{DateTime, Utc};
use containment_app::{Actor, AppError, StoredUser};
use serde::Deserialize;

use super::{Layout, render};
use crate::AppState;
use crate::error::PageError;
use crate::guard::Guard;
use crate::identity::Identity;
use crate::routes::Registry;

pub(super) fn registry() -> Registry {
    Registry::new()
        .get("/account", Guard::SignedIn, account)
        .get("/account/password", Guard::SignedIn, password_form)
        .post("/account/password", Guard::SignedIn, change_password)
        .post("/account/sessions/{id}/end", Guard::SignedIn, end_session)
        .post("/account/tokens", Guard::SignedIn, create_token)
        .post("/account/mfa/reset", Guard::SignedIn, reset_mfa)
        .post("/account/tokens/{id}/revoke", Guard::SignedIn, revoke_token)
}

/// A moment as people read it, in California time and labelled as such:
/// "Dec 2, 2026, 3:04 PM Pacific time".
pub(crate) fn when(t: DateTime<Utc>) -> String {
    format!(
        "{} Pacific time",
        containment_domain::case::local_time(t).format("%b %-d, %Y, %-I:%M %p")
    )
}

pub(crate) fn signed_in(identity: &Identity) -> Result<(&Actor, i64), PageError> {
    match identity {
        Identity::Session { actor, session } => Ok((actor, session.id)),
        _ => Err(AppError::Unauthenticated.into()),
    }
}

struct SessionRow {
    id: i64,
    created: String,
    last_seen: String,
    addr: String,
    agent: String,
    current: bool,
}

struct TokenRow {
    id: i64,
    name: String,
    prefix: String,
    created: String,
    expires: String,
    last_used: String,
    status: &'static str,
    active: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    user: StoredUser,
    sessions: Vec<SessionRow>,
    tokens: Vec<TokenRow>,
    notice: Option<String>,
    errors: crate::error::FormErrors,
}

async fn account_page(
    state: &AppState,
    identity: &Identity,
    notice: Option<String>,
    errors: crate::error::FormErrors,
) -> Result<Response, PageError> {
    let (actor, current) = signed_in(identity)?;
    let user = actor.user.clone().ok_or(AppError::Unauthenticated)?;
    let now = Utc::now();
    let sessions = state
        .app
        .my_sessions(actor)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            id: s.id,
            created: when(s.created_at),
            last_seen: when(s.last_seen_at),
            addr: s.client_addr.unwrap_or_else(|| "unknown".into()),
            agent: s.user_agent.unwrap_or_else(|| "unknown".into()),
            current: s.id == current,
        })
        .collect();
    let tokens = state
        .app
        .tokens(actor, None)
        .await?
        .into_iter()
        .map(|t| {
            let expired = t.expires_at.is_some_and(|e| e <= now);
            TokenRow {
                id: t.id,
                name: t.name,
                prefix: t.prefix,
                created: when(t.created_at),
                expires: t.expires_at.map_or_else(|| "never".into(), when),
                last_used: t.last_used_at.map_or_else(|| "never".into(), when),
                status: if t.revoked_at.is_some() {
                    "revoked"
                } else if expired {
                    "expired"
                } else {
                    "active"
                },
                active: t.revoked_at.is_none() && !expired,
            }
        })
        .collect();
    Ok(render(&AccountPage {
        layout: Layout::new("Your account", "account", identity),
        user,
        sessions,
        tokens,
        notice,
        errors,
    }))
}

async fn account(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
) -> Result<Response, PageError> {
    account_page(&state, &identity, None, crate::error::FormErrors::new()).await
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    layout: Layout,
    must_change: bool,
    errors: crate::error::FormErrors,
}

fn password_page(identity: &Identity, errors: crate::error::FormErrors) -> Response {
    let must_change = identity
        .actor()
        .and_then(|a| a.user.as_ref())
        .is_some_and(|u| u.must_change_password);
    render(&PasswordPage {
        layout: Layout::new("Change password", "account", identity),
        must_change,
        errors,
    })
}

async fn password_form(Extension(identity): Extension<Identity>) -> Response {
    password_page(&identity, crate::error::FormErrors::new())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ChangePasswordForm {
    current: String,
    new: String,
    confirm: String,
}

async fn change_password(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Form(form): Form<ChangePasswordForm>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    if form.new != form.confirm {
        return Ok(password_page(
            &identity,
            crate::error::FormErrors::from(vec!["The two new passwords are not the same.".into()]),
        ));
    }
    match state
        .app
        .change_password(actor, &form.current, &form.new, Utc::now())
        .await
    {
        Ok(()) => Ok(Redirect::to("/account").into_response()),
        Err(AppError::InvalidInput(msg)) => Ok(password_page(
            &identity,
            crate::error::FormErrors::from(msg),
        )),
        Err(e) => Err(e.into()),
    }
}

async fn end_session(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    state.app.end_my_session(actor, id, Utc::now()).await?;
    account_page(
        &state,
        &identity,
        Some("The session was ended.".into()),
        crate::error::FormErrors::new(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct TokenForm {
    name: String,
    expires_days: String,
}

#[derive(Template)]
#[template(path = "token_created.html")]
struct TokenCreatedPage {
    layout: Layout,
    token: String,
}

async fn create_token(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Form(form): Form<TokenForm>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let user = actor.user.clone().ok_or(AppError::Unauthenticated)?;
    let days = form.expires_days.trim();
    let expires_days = if days.is_empty() {
        None
    } else {
        match days.parse::<u32>() {
            Ok(d) if (1..=3650).contains(&d) => Some(d),
            _ => {
                return account_page(
                    &state,
                    &identity,
                    None,
                    crate::error::FormErrors::from(vec![
                        "Expiry: give a whole number of days from 1 to 3650, or leave it empty."
                            .into(),
                    ]),
                )
                .await;
            }
        }
    };
    match state
        .app
        .create_token(actor, &user.email, &form.name, expires_days, Utc::now())
        .await
    {
        Ok(created) => Ok(render(&TokenCreatedPage {
            layout: Layout::new("Token created", "account", &identity),
            token: created.token,
        })),
        Err(AppError::InvalidInput(msg)) => {
            account_page(&state, &identity, None, crate::error::FormErrors::from(msg)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn revoke_token(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    state.app.revoke_token(actor, id, Utc::now()).await?;
    account_page(
        &state,
        &identity,
        Some("The token was revoked.".into()),
        crate::error::FormErrors::new(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ReauthForm {
    password: String,
}

async fn reset_mfa(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Form(form): Form<ReauthForm>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    match state
        .app
        .reset_own_mfa(actor, &form.password, Utc::now())
        .await
    {
        Ok(()) => Ok(Redirect::to("/sign-in/enroll").into_response()),
        Err(AppError::InvalidInput(msg)) => {
            account_page(&state, &identity, None, crate::error::FormErrors::from(msg)).await
        }
        Err(e) => Err(e.into()),
    }
}
