//! The treatment side of cases as the compliance engine reads it, in one statement for any
//! number of cases: each page that shows obligations, the dashboard and the reminder job read
//! it, so one round trip instead of seven matters.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use containment_domain::compliance::{
    AssessmentFact, ContactFact, ExemptionFact, SelfReportFact, TreatmentFact,
};
use containment_domain::polygraph::ExamType;
use containment_domain::treatment::{ContactSide, TreatmentKind};
use sea_orm::{ConnectionTrait, QueryResult, Statement};

use crate::{StorageError, Tx};

/// One fact of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseFact {
    Exemption(ExemptionFact),
    Treatment(TreatmentFact),
    Contact(ContactFact),
    /// A signed monthly report: when it was signed, and acknowledged if it was.
    SignedReport(DateTime<Utc>, Option<DateTime<Utc>>),
    SelfReport(SelfReportFact),
    MaintenancePolygraph(NaiveDate),
    Assessment(AssessmentFact),
}

impl Tx {
    /// Approved exemptions, treatments, contacts, signed monthly reports, self-reports,
    /// maintenance polygraphs and assessment referrals of the cases `ids`, with the case each
    /// belongs to: one UNION ALL of narrow rows.
    pub async fn case_facts_of(&self, ids: &[i64]) -> Result<Vec<(i64, CaseFact)>, StorageError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // Ids are integers read from the database, never typed text: listing them inline keeps
        // one statement for both engines' placeholder styles.
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let maintenance = ExamType::Maintenance.code();
        let sql = format!(
            "SELECT 1 AS kind, supervisee_id AS sid, id, from_date AS d1, until_date AS d2, \
                 CAST(NULL AS DATE) AS d3, rule AS t1, obligation_key AS t2, \
                 CAST(NULL AS BIGINT) AS n1, CAST(NULL AS TIMESTAMPTZ) AS s1, \
                 CAST(NULL AS TIMESTAMPTZ) AS s2 \
               FROM exemption WHERE supervisee_id IN ({list}) AND decision = 'approved' \
             UNION ALL SELECT 2, supervisee_id, id, start_date, end_date, NULL, kind, \
                 end_outcome, provider_user_id, NULL, NULL \
               FROM treatment WHERE supervisee_id IN ({list}) \
             UNION ALL SELECT 3, supervisee_id, id, on_date, NULL, NULL, documented_side, \
                 NULL, confirmed_by, NULL, NULL \
               FROM contact WHERE supervisee_id IN ({list}) \
             UNION ALL SELECT 4, supervisee_id, id, NULL, NULL, NULL, NULL, NULL, NULL, \
                 signed_at, acknowledged_at \
               FROM monthly_report WHERE supervisee_id IN ({list}) AND signed_at IS NOT NULL \
             UNION ALL SELECT 5, supervisee_id, id, reported_on, provider_ack_on, \
                 officer_ack_on, NULL, NULL, NULL, NULL, NULL \
               FROM self_report WHERE supervisee_id IN ({list}) \
             UNION ALL SELECT 6, supervisee_id, id, exam_date, NULL, NULL, NULL, NULL, NULL, \
                 NULL, NULL \
               FROM polygraph_exam WHERE supervisee_id IN ({list}) \
                 AND exam_type = '{maintenance}' \
             UNION ALL SELECT 7, supervisee_id, id, referred_on, completed_on, NULL, NULL, \
                 NULL, NULL, NULL, NULL \
               FROM assessment WHERE supervisee_id IN ({list})"
        );
        let rows = self
            .txn
            .query_all_raw(Statement::from_string(self.db_backend(), sql))
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push((row.try_get::<i64>("", "sid")?, fact(row)?));
        }
        // The orders each kind was always read in: enrollments, polygraphs and referrals
        // oldest first, contacts and self-reports newest first.
        out.sort_by_key(|(_, f)| order_key(f));
        Ok(out)
    }
}

fn corrupt(e: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

fn fact(row: &QueryResult) -> Result<CaseFact, StorageError> {
    let date = |c: &str| row.try_get::<Option<NaiveDate>>("", c);
    let text = |c: &str| row.try_get::<Option<String>>("", c);
    let required = |d: Option<NaiveDate>| d.ok_or_else(|| corrupt("a required date is empty"));
    let id: i64 = row.try_get("", "id")?;
    Ok(match row.try_get::<i32>("", "kind")? {
        1 => CaseFact::Exemption(ExemptionFact {
            rule: text("t1")?.unwrap_or_default().parse().map_err(corrupt)?,
            key: text("t2")?.and_then(|k| k.parse().ok()),
            from: required(date("d1")?)?,
            until: date("d2")?,
        }),
        2 => {
            let kind: TreatmentKind = text("t1")?.unwrap_or_default().parse().map_err(corrupt)?;
            let end = match (date("d2")?, text("t2")?) {
                (Some(on), Some(outcome)) => Some((on, outcome.parse().map_err(corrupt)?)),
                _ => None,
            };
            CaseFact::Treatment(TreatmentFact {
                id,
                post_conviction: kind == TreatmentKind::PostConviction,
                start: required(date("d1")?)?,
                end,
                provider_user_id: row.try_get("", "n1")?,
            })
        }
        3 => {
            let side: ContactSide = text("t1")?.unwrap_or_default().parse().map_err(corrupt)?;
            let confirmed = row.try_get::<Option<i64>>("", "n1")?.is_some();
            CaseFact::Contact(ContactFact {
                on: required(date("d1")?)?,
                by_provider: confirmed || side == ContactSide::Provider,
                by_officer: confirmed || side == ContactSide::Officer,
            })
        }
        4 => CaseFact::SignedReport(
            row.try_get::<Option<DateTime<Utc>>>("", "s1")?
                .ok_or_else(|| corrupt("a signed report has no signing time"))?,
            row.try_get("", "s2")?,
        ),
        5 => CaseFact::SelfReport(SelfReportFact {
            id,
            reported_on: required(date("d1")?)?,
            provider_ack: date("d2")?,
            officer_ack: date("d3")?,
        }),
        6 => CaseFact::MaintenancePolygraph(required(date("d1")?)?),
        7 => CaseFact::Assessment(AssessmentFact {
            id,
            referred_on: required(date("d1")?)?,
            completed_on: date("d2")?,
        }),
        other => return Err(corrupt(format!("unknown fact kind {other}"))),
    })
}

/// Sorts facts by kind, then in each kind's own order.
fn order_key(f: &CaseFact) -> (u8, i64, i64) {
    let day = |d: NaiveDate| i64::from(d.num_days_from_ce());
    match f {
        CaseFact::Exemption(e) => (1, day(e.from), 0),
        CaseFact::Treatment(t) => (2, day(t.start), t.id),
        CaseFact::Contact(c) => (3, -day(c.on), 0),
        CaseFact::SignedReport(at, _) => (4, at.timestamp_millis(), 0),
        CaseFact::SelfReport(r) => (5, -day(r.reported_on), -r.id),
        CaseFact::MaintenancePolygraph(d) => (6, day(*d), 0),
        CaseFact::Assessment(a) => (7, day(a.referred_on), a.id),
    }
}
