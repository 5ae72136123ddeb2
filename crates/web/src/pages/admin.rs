//! Administration of accounts and agencies.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::Utc;
use containment_app::{AccountAction, AgencyRecord, AppError, StoredUser};
use containment_domain::{AgencyKind, Role};

use super::account::signed_in;
use super::{Layout, render};
use crate::AppState;
use crate::error::PageError;
use crate::form::{field, pairs};
use crate::guard::Guard;
use crate::identity::Identity;
use crate::routes::Registry;

const ADMINS: &[Role] = &[Role::SystemAdmin, Role::AgencyAdmin];
const SYSTEM_ADMINS: &[Role] = &[Role::SystemAdmin];

pub(super) fn registry() -> Registry {
    Registry::new()
        .get("/admin/users", Guard::AnyRole(ADMINS), users)
        .post("/admin/users", Guard::AnyRole(ADMINS), add_user)
        .get("/admin/users/{id}", Guard::AnyRole(ADMINS), user)
        .post(
            "/admin/users/{id}/{action}",
            Guard::AnyRole(ADMINS),
            administer,
        )
        .get("/admin/agencies", Guard::AnyRole(SYSTEM_ADMINS), agencies)
        .post("/admin/agencies", Guard::AnyRole(SYSTEM_ADMINS), add_agency)
}

struct UserRow {
    id: i64,
    name: String,
    email: String,
    agency: String,
    roles: String,
    status: &'static str,
}

#[derive(Default)]
struct NewUserForm {
    display_name: String,
    email: String,
    agency_id: String,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    layout: Layout,
    users: Vec<UserRow>,
    agencies: Vec<AgencyRecord>,
    roles: &'static [Role],
    system_admin: bool,
    agency_admin: bool,
    form: NewUserForm,
    errors: crate::error::FormErrors,
}

fn status(u: &StoredUser) -> &'static str {
    if u.disabled {
        "disabled"
    } else if u.locked {
        "locked"
    } else if !u.mfa_enrolled {
        "not yet signed in"
    } else {
        "active"
    }
}

async fn users_page(
    state: &AppState,
    identity: &Identity,
    form: NewUserForm,
    errors: crate::error::FormErrors,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(identity)?;
    let agencies = state.app.agencies(actor).await?;
    let users = state
        .app
        .users(actor)
        .await?
        .into_iter()
        .map(|u| UserRow {
            id: u.id,
            agency: agencies
                .iter()
                .find(|a| a.id == u.agency_id)
                .map_or_else(String::new, |a| a.name.clone()),
            roles: u
                .roles
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join(", "),
            status: status(&u),
            name: u.display_name,
            email: u.email.to_string(),
        })
        .collect();
    Ok(render(&UsersPage {
        layout: Layout::new("Accounts", "admin", identity),
        users,
        agencies,
        roles: Role::ALL,
        system_admin: actor.has_role(Role::SystemAdmin),
        agency_admin: actor.has_role(Role::AgencyAdmin),
        form,
        errors,
    }))
}

async fn users(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
) -> Result<Response, PageError> {
    users_page(
        &state,
        &identity,
        NewUserForm::default(),
        crate::error::FormErrors::new(),
    )
    .await
}

#[derive(Template)]
#[template(path = "user_created.html")]
struct UserCreatedPage {
    layout: Layout,
    name: String,
    email: String,
    password: String,
}

async fn add_user(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let form = NewUserForm {
        display_name: field(&p, "display_name"),
        email: field(&p, "email"),
        agency_id: field(&p, "agency_id"),
    };
    let mut roles = Vec::new();
    let mut errors = Vec::new();
    for (_, code) in p.iter().filter(|(k, _)| k == "role") {
        match code.parse::<Role>() {
            Ok(r) => roles.push(r),
            Err(e) => errors.push(e.to_string()),
        }
    }
    let Ok(agency_id) = form.agency_id.parse::<i64>() else {
        errors.push("Agency: choose the agency the person works for.".into());
        return users_page(
            &state,
            &identity,
            form,
            crate::error::FormErrors::from(errors),
        )
        .await;
    };
    if !errors.is_empty() {
        return users_page(
            &state,
            &identity,
            form,
            crate::error::FormErrors::from(errors),
        )
        .await;
    }
    match p
        .submit(state.app.add_user(
            actor,
            agency_id,
            &form.email,
            &form.display_name,
            &roles,
            Utc::now(),
        ))
        .await
    {
        Ok(created) => Ok(render(&UserCreatedPage {
            layout: Layout::new("Account created", "admin", &identity),
            name: created.user.display_name,
            email: created.user.email.to_string(),
            password: created.one_time_password,
        })),
        Err(e @ (AppError::InvalidInput(_) | AppError::Conflict(_) | AppError::Forbidden(_))) => {
            users_page(
                &state,
                &identity,
                form,
                crate::error::FormErrors::from(vec![e.to_string()]),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage {
    layout: Layout,
    user: StoredUser,
    actions: Vec<(&'static str, &'static str)>,
    notice: Option<String>,
}

fn user_page(identity: &Identity, user: StoredUser, notice: Option<String>) -> Response {
    let mut actions = Vec::new();
    if user.disabled {
        actions.push(("enable", "Enable account"));
    } else {
        actions.push(("disable", "Disable account"));
    }
    if user.locked {
        actions.push(("unlock", "Unlock account"));
    }
    if user.mfa_enrolled {
        actions.push(("reset-mfa", "Reset two-step verification"));
    }
    actions.push(("end-sessions", "Sign out everywhere"));
    render(&UserPage {
        layout: Layout::new(user.display_name.clone(), "admin", identity),
        user,
        actions,
        notice,
    })
}

async fn user(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let user = state.app.user_by_id(actor, id).await?;
    Ok(user_page(&identity, user, None))
}

async fn administer(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, action)): Path<(i64, String)>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let (action, notice) = match action.as_str() {
        "disable" => (
            AccountAction::Disable,
            "The account is disabled and its sessions ended.",
        ),
        "enable" => (AccountAction::Enable, "The account is enabled."),
        "unlock" => (AccountAction::Unlock, "The account is unlocked."),
        "reset-mfa" => (
            AccountAction::ResetMfa,
            "Two-step verification was reset; the person sets it up again at next sign-in.",
        ),
        "end-sessions" => (
            AccountAction::EndSessions,
            "All sessions of the account were ended.",
        ),
        _ => return Err(AppError::NotFound.into()),
    };
    let user = state
        .app
        .administer_user(actor, id, action, Utc::now())
        .await?;
    Ok(user_page(&identity, user, Some(notice.into())))
}

#[derive(Template)]
#[template(path = "admin_agencies.html")]
struct AgenciesPage {
    layout: Layout,
    agencies: Vec<AgencyRecord>,
    kinds: &'static [AgencyKind],
    errors: crate::error::FormErrors,
}

async fn agencies_page(
    state: &AppState,
    identity: &Identity,
    errors: crate::error::FormErrors,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(identity)?;
    Ok(render(&AgenciesPage {
        layout: Layout::new("Agencies", "admin", identity),
        agencies: state.app.agencies(actor).await?,
        kinds: AgencyKind::ALL,
        errors,
    }))
}

async fn agencies(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
) -> Result<Response, PageError> {
    agencies_page(&state, &identity, crate::error::FormErrors::new()).await
}

async fn add_agency(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let kind = match field(&p, "kind").parse::<AgencyKind>() {
        Ok(k) => k,
        Err(e) => {
            return agencies_page(
                &state,
                &identity,
                crate::error::FormErrors::from(vec![e.to_string()]),
            )
            .await;
        }
    };
    let county = field(&p, "county");
    match p
        .submit(
            state
                .app
                .add_agency(actor, &field(&p, "name"), kind, Some(&county), Utc::now()),
        )
        .await
    {
        Ok(_) => agencies_page(&state, &identity, crate::error::FormErrors::new()).await,
        Err(e @ (AppError::InvalidInput(_) | AppError::Conflict(_))) => {
            agencies_page(
                &state,
                &identity,
                crate::error::FormErrors::from(vec![e.to_string()]),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
