//! Signing in: the system-use notice and password, then the second factor (enrolment on first
//! sign-in), unlocking an idle session, and signing out.

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::Utc;
use containment_app::{AppError, Client, NextStep};
use serde::Deserialize;

use super::{LANDING, Layout, render};

use crate::AppState;
use crate::guard::Guard;
use crate::identity::{Identity, cookie, pre_auth_cookie_name, session_cookie_name, set_cookie};
use crate::routes::Registry;

pub(super) fn registry() -> Registry {
    Registry::new()
        .get("/sign-in", Guard::Public, sign_in_form)
        .post("/sign-in", Guard::Public, sign_in)
        .get("/sign-in/mfa", Guard::MfaPending, mfa_form)
        .post("/sign-in/mfa", Guard::MfaPending, mfa)
        .get("/sign-in/enroll", Guard::MfaPending, enroll_form)
        .post("/sign-in/enroll", Guard::MfaPending, enroll)
        .get("/unlock", Guard::Locked, unlock_form)
        .post("/unlock", Guard::Locked, unlock)
        .post("/sign-out", Guard::Public, sign_out)
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    layout: Layout,
    csrf: String,
    email: String,
    errors: crate::error::FormErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SignInForm {
    email: String,
    password: String,
    accept_notice: Option<String>,
}

/// The pre-authentication anti-forgery token: the cookie's, or a new one to set.
fn pre_auth_token(state: &AppState, headers: &axum::http::HeaderMap) -> (String, bool) {
    match cookie(headers, pre_auth_cookie_name(state.config.secure_cookies)) {
        Some(t) => (t.to_owned(), false),
        // Without randomness there is no token, and the anti-forgery check refuses the form.
        None => (
            containment_app::actor::random_hex(32).unwrap_or_default(),
            true,
        ),
    }
}

fn sign_in_page(
    state: &AppState,
    identity: &Identity,
    headers: &axum::http::HeaderMap,
    email: String,
    errors: crate::error::FormErrors,
) -> Response {
    let (csrf, new) = pre_auth_token(state, headers);
    let mut res = render(&SignInPage {
        layout: Layout::new("Sign in", "sign_in", identity),
        csrf: csrf.clone(),
        email,
        errors,
    });
    if new {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(
                pre_auth_cookie_name(state.config.secure_cookies),
                &csrf,
                state.config.secure_cookies,
                None,
            ),
        );
    }
    res
}

async fn sign_in_form(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    headers: axum::http::HeaderMap,
) -> Response {
    if matches!(identity, Identity::Session { .. }) {
        return Redirect::to(LANDING).into_response();
    }
    sign_in_page(
        &state,
        &identity,
        &headers,
        String::new(),
        crate::error::FormErrors::new(),
    )
}

async fn sign_in(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Extension(client): Extension<Client>,
    headers: axum::http::HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    if form.accept_notice.as_deref() != Some("yes") {
        return sign_in_page(
            &state,
            &identity,
            &headers,
            form.email,
            crate::error::FormErrors::from(vec![
                "Read the system use notice and tick the box to accept it.".into(),
            ]),
        );
    }
    match state
        .app
        .sign_in(&form.email, &form.password, &client, Utc::now())
        .await
    {
        Ok(signed_in) => {
            let next = match signed_in.next {
                NextStep::EnrollMfa => "/sign-in/enroll",
                NextStep::VerifyMfa => "/sign-in/mfa",
            };
            let mut res = Redirect::to(next).into_response();
            let secure = state.config.secure_cookies;
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(session_cookie_name(secure), &signed_in.token, secure, None),
            );
            res
        }
        Err(AppError::SignInFailed) => sign_in_page(
            &state,
            &identity,
            &headers,
            form.email,
            crate::error::FormErrors::from(vec![AppError::SignInFailed.to_string()]),
        ),
        Err(e) => crate::error::PageError::from(e).into_response(),
    }
}

#[derive(Template)]
#[template(path = "mfa.html")]
struct MfaPage {
    layout: Layout,
    csrf: String,
    errors: crate::error::FormErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CodeForm {
    code: String,
}

fn pending_session(identity: &Identity) -> Option<(i64, String)> {
    match identity {
        Identity::MfaPending { session, .. } | Identity::Locked { session, .. } => {
            Some((session.id, session.csrf_token.clone()))
        }
        _ => None,
    }
}

async fn mfa_form(Extension(identity): Extension<Identity>) -> Response {
    if let Identity::MfaPending { user, .. } = &identity
        && !user.mfa_enrolled
    {
        return Redirect::to("/sign-in/enroll").into_response();
    }
    let csrf = pending_session(&identity).map(|s| s.1).unwrap_or_default();
    render(&MfaPage {
        layout: Layout::new("Verification code", "sign_in", &identity),
        csrf,
        errors: crate::error::FormErrors::new(),
    })
}

/// Where a person goes once fully signed in.
fn after_sign_in(identity: &Identity) -> &'static str {
    match identity {
        Identity::MfaPending { user, .. } if user.must_change_password => "/account/password",
        _ => LANDING,
    }
}

async fn mfa(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Extension(client): Extension<Client>,
    Form(form): Form<CodeForm>,
) -> Response {
    let Some((session_id, csrf)) = pending_session(&identity) else {
        return Redirect::to("/sign-in").into_response();
    };
    match state
        .app
        .verify_mfa(session_id, &form.code, &client, Utc::now())
        .await
    {
        Ok(()) => Redirect::to(after_sign_in(&identity)).into_response(),
        Err(e @ (AppError::InvalidCode | AppError::SignInFailed)) => render(&MfaPage {
            layout: Layout::new("Verification code", "sign_in", &identity),
            csrf,
            errors: e.to_string().into(),
        }),
        Err(e) => crate::error::PageError::from(e).into_response(),
    }
}

#[derive(Template)]
#[template(path = "enroll.html")]
struct EnrollPage {
    layout: Layout,
    csrf: String,
    qr_svg: String,
    secret: String,
    errors: crate::error::FormErrors,
}

/// The otpauth URL as an inline SVG QR code (no script, no external image).
fn qr_svg(url: &str) -> String {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(220, 220)
                .quiet_zone(true)
                .build();
            let start = svg.find("<svg").unwrap_or(0);
            svg[start..].replacen(
                "<svg",
                "<svg role=\"img\" aria-label=\"QR code to scan with your authenticator app\"",
                1,
            )
        }
        Err(_) => String::new(),
    }
}

async fn enroll_page(
    state: &AppState,
    identity: &Identity,
    errors: crate::error::FormErrors,
) -> Response {
    let Identity::MfaPending { user, session } = identity else {
        return Redirect::to("/sign-in").into_response();
    };
    if user.mfa_enrolled {
        return Redirect::to("/sign-in/mfa").into_response();
    }
    match state.app.begin_enrollment(user.id, Utc::now()).await {
        Ok(enrollment) => render(&EnrollPage {
            layout: Layout::new("Set up two-step verification", "sign_in", identity),
            csrf: session.csrf_token.clone(),
            qr_svg: qr_svg(&enrollment.url),
            secret: enrollment.secret_base32,
            errors,
        }),
        Err(e) => crate::error::PageError::from(e).into_response(),
    }
}

async fn enroll_form(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
) -> Response {
    enroll_page(&state, &identity, crate::error::FormErrors::new()).await
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct RecoveryCodesPage {
    layout: Layout,
    codes: Vec<String>,
    next: &'static str,
}

async fn enroll(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Extension(client): Extension<Client>,
    Form(form): Form<CodeForm>,
) -> Response {
    let Some((session_id, _)) = pending_session(&identity) else {
        return Redirect::to("/sign-in").into_response();
    };
    match state
        .app
        .confirm_enrollment(session_id, &form.code, &client, Utc::now())
        .await
    {
        Ok(codes) => render(&RecoveryCodesPage {
            layout: Layout::new("Recovery codes", "sign_in", &Identity::Anonymous),
            codes,
            next: after_sign_in(&identity),
        }),
        Err(e @ (AppError::InvalidCode | AppError::SignInFailed)) => {
            enroll_page(
                &state,
                &identity,
                crate::error::FormErrors::from(vec![e.to_string()]),
            )
            .await
        }
        Err(e) => crate::error::PageError::from(e).into_response(),
    }
}

#[derive(Template)]
#[template(path = "unlock.html")]
struct UnlockPage {
    layout: Layout,
    name: String,
    csrf: String,
    errors: crate::error::FormErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PasswordForm {
    password: String,
}

fn locked_name(identity: &Identity) -> String {
    match identity {
        Identity::Locked { user, .. } => user.display_name.clone(),
        _ => String::new(),
    }
}

async fn unlock_form(Extension(identity): Extension<Identity>) -> Response {
    render(&UnlockPage {
        layout: Layout::new("Session locked", "sign_in", &identity),
        name: locked_name(&identity),
        csrf: pending_session(&identity).map(|s| s.1).unwrap_or_default(),
        errors: crate::error::FormErrors::new(),
    })
}

async fn unlock(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Extension(client): Extension<Client>,
    Form(form): Form<PasswordForm>,
) -> Response {
    let Some((session_id, csrf)) = pending_session(&identity) else {
        return Redirect::to("/sign-in").into_response();
    };
    match state
        .app
        .unlock_session(session_id, &form.password, &client, Utc::now())
        .await
    {
        Ok(()) => Redirect::to(LANDING).into_response(),
        Err(AppError::SignInFailed) => render(&UnlockPage {
            layout: Layout::new("Session locked", "sign_in", &identity),
            name: locked_name(&identity),
            csrf,
            errors: AppError::SignInFailed.to_string().into(),
        }),
        Err(e) => crate::error::PageError::from(e).into_response(),
    }
}

async fn sign_out(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Extension(client): Extension<Client>,
) -> Response {
    let session_id = match &identity {
        Identity::Session { session, .. }
        | Identity::MfaPending { session, .. }
        | Identity::Locked { session, .. } => Some(session.id),
        _ => None,
    };
    if let Some(id) = session_id
        && let Err(e) = state.app.sign_out(id, &client, Utc::now()).await
    {
        return crate::error::PageError::from(e).into_response();
    }
    let secure = state.config.secure_cookies;
    let mut res = Redirect::to("/sign-in").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(session_cookie_name(secure), "", secure, Some(0)),
    );
    res
}
