//! The auditor's view of the trail: search, paged through the whole trail by sequence number
//! (its export is in `crate::exports`).

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use containment_app::{Actor, AuditCursor, AuditFilter};
use containment_domain::Role;
use containment_domain::audit::StoredAuditEvent;
use serde::Deserialize;

use super::account::signed_in;
use super::{Layout, render};
use crate::AppState;
use crate::error::PageError;
use crate::guard::Guard;
use crate::identity::Identity;
use crate::routes::Registry;

pub(crate) const AUDITORS: &[Role] = &[Role::Auditor];

pub(super) fn registry() -> Registry {
    Registry::new().get("/audit", Guard::AnyRole(AUDITORS), search)
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
pub(crate) struct AuditQuery {
    user: String,
    object_kind: String,
    object_id: String,
    outcome: String,
    from: String,
    to: String,
    /// Paging: the events older than this sequence number.
    before: String,
    /// Paging: the events newer than this sequence number.
    after: String,
}

fn cursor(q: &AuditQuery) -> Result<Option<AuditCursor>, String> {
    let seq = |s: &str| {
        s.trim()
            .parse::<i64>()
            .map_err(|_| format!("\"{s}\" is not a position in the trail; start the search again"))
    };
    match (q.before.trim(), q.after.trim()) {
        ("", "") => Ok(None),
        (before, "") => seq(before).map(|s| Some(AuditCursor::Before(s))),
        ("", after) => seq(after).map(|s| Some(AuditCursor::After(s))),
        _ => Err("Give either \"before\" or \"after\", not both.".into()),
    }
}

fn day_start_ms(s: &str) -> Result<Option<i64>, String> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("\"{s}\" is not a date (YYYY-MM-DD)"))
        .map(|d| {
            d.and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc().timestamp_millis())
        })
}

pub(crate) async fn to_filter(
    state: &AppState,
    actor: &Actor,
    q: &AuditQuery,
) -> Result<AuditFilter, String> {
    let mut filter = AuditFilter::default();
    if !q.user.trim().is_empty() {
        match state.app.user_by_email(actor, &q.user).await {
            Ok(u) => filter.actor_user_id = Some(u.id),
            Err(_) => {
                return Err(format!(
                    "No account has the e-mail address \"{}\".",
                    q.user.trim()
                ));
            }
        }
    }
    let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    filter.object_kind = opt(&q.object_kind);
    filter.object_id = opt(&q.object_id);
    filter.outcome = opt(&q.outcome);
    filter.from_ms = day_start_ms(&q.from).map_err(|e| format!("From: {e}"))?;
    // "To" is inclusive: up to the start of the next day.
    filter.to_ms = day_start_ms(&q.to)
        .map_err(|e| format!("To: {e}"))?
        .map(|ms| ms + 86_400_000);
    Ok(filter)
}

struct EventRow {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    object: String,
    outcome: String,
    client: String,
    waiver: String,
    detail: String,
}

fn fmt_ms(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f").to_string())
        .unwrap_or_default()
}

/// One event as the auditor reads it: the person who acted by name and a case by its number
/// (the export keeps the raw ids).
fn row(e: &StoredAuditEvent, names: &containment_app::AuditNames) -> EventRow {
    let c = &e.content;
    let person = |id: i64| {
        names
            .people
            .get(&id)
            .cloned()
            .unwrap_or_else(|| "an account no longer on file".to_owned())
    };
    let number = |kind: &str| {
        c.object_id
            .as_deref()
            .and_then(|id| id.parse::<i64>().ok())
            .and_then(|id| match kind {
                "supervisee" => names.cases.get(&id).map(|n| format!("case {n}")),
                "user" => Some(person(id)),
                _ => None,
            })
    };
    EventRow {
        seq: c.seq,
        at: fmt_ms(c.at_ms),
        actor: c.actor_user_id.map_or_else(|| "—".into(), person),
        action: c.action.clone(),
        object: match (&c.object_kind, &c.object_id) {
            (Some(k), Some(id)) => number(k).unwrap_or_else(|| format!("{k} {id}")),
            (Some(k), None) => k.clone(),
            _ => String::new(),
        },
        outcome: c.outcome.clone(),
        client: c.client_addr.clone().unwrap_or_default(),
        waiver: c.waiver_id.map(|w| w.to_string()).unwrap_or_default(),
        detail: c.detail.clone().unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    q: AuditQuery,
    query_string: String,
    events: Vec<EventRow>,
    /// Links to the neighbouring pages, keeping the filters.
    older: Option<String>,
    newer: Option<String>,
    errors: crate::error::FormErrors,
}

async fn search(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let query_string = serde_urlencoded::to_string([
        ("user", &q.user),
        ("object_kind", &q.object_kind),
        ("object_id", &q.object_id),
        ("outcome", &q.outcome),
        ("from", &q.from),
        ("to", &q.to),
    ])
    .unwrap_or_default();
    let wanted = match (to_filter(&state, actor, &q).await, cursor(&q)) {
        (Ok(filter), Ok(cursor)) => Ok((filter, cursor)),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    let ((page, names), errors) = match wanted {
        Ok((filter, cursor)) => (
            state
                .app
                .audit_page_named(actor, &filter, cursor, Utc::now())
                .await?,
            Vec::new(),
        ),
        Err(e) => (Default::default(), vec![e]),
    };
    let link = |key: &str, seq: i64| format!("/audit?{query_string}&{key}={seq}");
    Ok(render(&AuditPage {
        layout: Layout::new("Audit trail", "audit", &identity),
        events: page.events.iter().map(|e| row(e, &names)).collect(),
        older: page.older.map(|seq| link("before", seq)),
        newer: page.newer.map(|seq| link("after", seq)),
        q,
        query_string,
        errors: crate::error::FormErrors::from(errors),
    }))
}

/// A CSV cell: quoted, with quotes doubled, and a leading `= + - @` neutralised so spreadsheet
/// programs do not run it as a formula.
pub(crate) fn csv_cell(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}

/// One CSV line of `cells`, each quoted and neutralised, ended by CRLF.
pub(crate) fn push_csv_line(out: &mut String, cells: &[String]) {
    out.push_str(
        &cells
            .iter()
            .map(|c| csv_cell(c))
            .collect::<Vec<_>>()
            .join(","),
    );
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn csv_cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_cell("plain"), "\"plain\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(1)"), "\"'=HYPERLINK(1)\"");
        assert_eq!(csv_cell("-5"), "\"'-5\"");
        assert_eq!(csv_cell("@x"), "\"'@x\"");
    }
}
