//! The certification registry page: list with expiry warnings and lapses, recording and CSV
//! import for administrators.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use chrono::Utc;
use containment_app::{AppError, CSV_COLUMNS, CertificationInput};
use containment_domain::Role;
use containment_domain::case::local_date;
use containment_domain::certification::{CertificationKind, CertificationStatus, INSTRUMENTS};

use super::account::signed_in;
use super::{Layout, render};
use crate::AppState;
use crate::error::PageError;
use crate::form::pairs;
use crate::guard::Guard;
use crate::identity::Identity;
use crate::routes::Registry;

const MANAGERS: &[Role] = &[Role::SystemAdmin, Role::AgencyAdmin];

pub(super) fn registry() -> Registry {
    Registry::new()
        .get("/certifications", Guard::SignedIn, list)
        .post("/certifications", Guard::AnyRole(MANAGERS), add)
        .post("/certifications/import", Guard::AnyRole(MANAGERS), import)
}

struct Row {
    holder: String,
    kind: &'static str,
    number: String,
    issued: String,
    expires: String,
    status: String,
    warn: bool,
    bad: bool,
    lapsed_on_cases: Vec<i64>,
}

#[derive(Template)]
#[template(path = "certifications.html")]
struct Page {
    layout: Layout,
    rows: Vec<Row>,
    may_manage: bool,
    kinds: [CertificationKind; 4],
    instruments: [&'static str; 6],
    columns: String,
    notice: Option<String>,
    errors: crate::error::FormErrors,
}

async fn page(
    state: &AppState,
    identity: &Identity,
    notice: Option<String>,
    errors: crate::error::FormErrors,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(identity)?;
    let now = Utc::now();
    let rows = state
        .app
        .certification_registry(actor, local_date(now), now)
        .await?
        .into_iter()
        .map(|e| Row {
            holder: e.holder,
            kind: e.record.kind.label(),
            number: e.record.number,
            issued: e.record.issued_on.to_string(),
            expires: e.record.expires_on.to_string(),
            warn: matches!(e.status, CertificationStatus::ExpiringSoon { .. }),
            bad: !e.status.is_valid(),
            status: e.status.label(),
            lapsed_on_cases: e.lapsed_on_cases,
        })
        .collect();
    Ok(render(&Page {
        layout: Layout::new("Certifications", "certifications", identity),
        rows,
        may_manage: MANAGERS.iter().any(|r| actor.has_role(*r)),
        kinds: CertificationKind::ALL,
        instruments: INSTRUMENTS,
        columns: CSV_COLUMNS.join(","),
        notice,
        errors,
    }))
}

async fn list(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
) -> Result<Response, PageError> {
    page(&state, &identity, None, crate::error::FormErrors::new()).await
}

fn field(p: &[(String, String)], k: &str) -> String {
    p.iter()
        .find(|(key, _)| key == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

async fn add(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let input = CertificationInput {
        kind: field(&p, "kind"),
        holder_email: field(&p, "holder_email"),
        holder_agency: field(&p, "holder_agency"),
        level: field(&p, "level"),
        instrument: field(&p, "instrument"),
        supervisor_email: field(&p, "supervisor_email"),
        number: field(&p, "number"),
        issued_on: field(&p, "issued_on"),
        expires_on: field(&p, "expires_on"),
    };
    match p
        .submit(state.app.add_certification(actor, &input, Utc::now()))
        .await
    {
        Ok(_) => {
            page(
                &state,
                &identity,
                Some("The certification was recorded.".into()),
                crate::error::FormErrors::new(),
            )
            .await
        }
        Err(e @ (AppError::InvalidInput(_) | AppError::Conflict(_))) => {
            page(&state, &identity, None, crate::error::form_errors(e)?).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn import(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    match p
        .submit(
            state
                .app
                .import_certifications(actor, &field(&p, "csv"), Utc::now()),
        )
        .await
    {
        Ok(n) => {
            page(
                &state,
                &identity,
                Some(format!("{n} certifications were imported.")),
                crate::error::FormErrors::new(),
            )
            .await
        }
        Err(AppError::InvalidInput(msg)) => {
            let mut errors = crate::error::FormErrors::from("Nothing was imported:");
            errors.extend(msg);
            page(&state, &identity, None, errors).await
        }
        Err(e) => Err(e.into()),
    }
}
