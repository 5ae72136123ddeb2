//! Importing an agency's existing caseload from a spreadsheet (CSV or XLSX): every row passes
//! the checks of the case form and of the team form, nothing is written unless every row
//! passes, and a supervisee already on file (same CII or CDCR number) is matched, not created
//! again, so the same file can be imported twice.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::{DateTime, NaiveDate, Utc};
use containment_domain::AgencyKind;
use containment_domain::access::{self, Action, RecordKind, Subject, TeamRole};
use containment_domain::audit::Outcome;
use containment_domain::case::local_date;
use containment_domain::caseload_import::{
    Cell, Column, MAX_IMPORT_BYTES, Problem, SheetRow, read_sheet,
};
use containment_storage::{AgencyRecord, StoredUser, Tx};

use crate::actor::{Actor, AuditEntry};
use crate::cases::{CheckedCase, check_case, create_case, team_member_refusal};
use crate::{App, AppError, CaseInput};

/// The spreadsheet column of a case form field.
fn column_of(field: Option<&str>) -> Column {
    match field {
        Some("date_of_birth") => Column::DateOfBirth,
        Some("sex") => Column::Sex,
        Some("cii") => Column::Cii,
        Some("cdcr") => Column::Cdcr,
        Some("county_of_conviction") => Column::CountyOfConviction,
        Some("county_of_registration") => Column::CountyOfRegistration,
        Some("aliases") => Column::Aliases,
        Some("court_cases") => Column::CourtCases,
        Some("kind") => Column::SupervisionKind,
        Some("county") => Column::SupervisingCounty,
        Some("court") => Column::Court,
        Some("placed_on") => Column::PlacedOn,
        Some("start_date") => Column::SupervisionStart,
        Some("expected_end") => Column::ExpectedEnd,
        _ => Column::LegalName,
    }
}

/// A supervisee the file creates (or, on a dry run or with problems elsewhere, would create).
#[derive(Debug, Clone)]
pub struct ImportedSupervisee {
    pub row: u32,
    pub legal_name: String,
    pub cii: Option<String>,
    pub cdcr: Option<String>,
    pub kind: String,
    pub county: String,
    pub start: NaiveDate,
    /// Team role and e-mail address of each member put on the team.
    pub team: Vec<(TeamRole, String)>,
    /// Set once written.
    pub supervisee_id: Option<i64>,
}

/// A row whose supervisee is already on file: left as it is.
#[derive(Debug, Clone)]
pub struct MatchedSupervisee {
    pub row: u32,
    pub supervisee_id: i64,
    /// "CII number" or "CDCR number".
    pub matched_by: &'static str,
}

/// What an import did or, on a dry run, would do.
#[derive(Debug, Clone)]
pub struct CaseloadImport {
    pub agency_id: i64,
    pub agency: String,
    pub dry_run: bool,
    /// Whether the supervisees were written: only when not a dry run and without problems.
    pub committed: bool,
    pub rows: usize,
    pub created: Vec<ImportedSupervisee>,
    pub matched: Vec<MatchedSupervisee>,
    pub problems: Vec<Problem>,
}

fn supervising(agency: &AgencyRecord) -> bool {
    matches!(
        agency.kind,
        AgencyKind::ProbationDepartment | AgencyKind::Parole | AgencyKind::StateAgency
    )
}

/// The cells of the file's first sheet (XLSX) or of the CSV text; a problem with the file as a
/// whole otherwise.
pub fn caseload_cells(file: &[u8]) -> Result<Vec<Vec<Cell>>, Problem> {
    if file.len() > MAX_IMPORT_BYTES {
        return Err(Problem::file(format!(
            "the file is too large ({} KiB): the limit is {} KiB; split it into parts",
            file.len() / 1024,
            MAX_IMPORT_BYTES / 1024
        )));
    }
    if file.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem::file(
            "the file is empty: the first row must hold the column headings (download the template)",
        ));
    }
    if file.starts_with(b"PK\x03\x04") {
        return xlsx_cells(file);
    }
    if file.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(Problem::file(
            "this is an older Excel workbook (.xls): save it as .xlsx or CSV and upload that",
        ));
    }
    let text = file.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(file);
    let text = match std::str::from_utf8(text) {
        Ok(t) if !t.contains('\0') => t,
        _ => {
            return Err(Problem::file(
                "this is not a CSV or XLSX file: save the spreadsheet as CSV (UTF-8) or as an Excel workbook (.xlsx)",
            ));
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut grid = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| Problem {
            row: u32::try_from(i + 1).ok(),
            column: None,
            message: format!("the row cannot be read as CSV: {e}"),
        })?;
        grid.push(record.iter().map(|c| Cell::Text(c.to_owned())).collect());
    }
    Ok(grid)
}

fn xlsx_cells(file: &[u8]) -> Result<Vec<Vec<Cell>>, Problem> {
    let unreadable =
        |e: &dyn std::fmt::Display| Problem::file(format!("the workbook cannot be read: {e}"));
    let mut book = Xlsx::new(Cursor::new(file)).map_err(|e| unreadable(&e))?;
    let range = match book.worksheet_range_at(0) {
        Some(r) => r.map_err(|e| unreadable(&e))?,
        None => return Err(Problem::file("the workbook has no sheet")),
    };
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut grid: Vec<Vec<Cell>> = (0..top).map(|_| Vec::new()).collect();
    for row in range.rows() {
        let mut cells: Vec<Cell> = (0..left).map(|_| Cell::Text(String::new())).collect();
        cells.extend(row.iter().map(xlsx_cell));
        grid.push(cells);
    }
    Ok(grid)
}

fn xlsx_cell(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Text(String::new()),
        Data::String(s) => Cell::Text(s.clone()),
        // Identifiers typed as numbers come back as floats: 12345678.0 is "12345678".
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
            Cell::Text(format!("{}", *f as i64))
        }
        Data::Float(f) => Cell::Text(f.to_string()),
        Data::Int(i) => Cell::Text(i.to_string()),
        Data::Bool(b) => Cell::Text(if *b { "yes" } else { "no" }.to_owned()),
        Data::DateTime(d) => match d.as_datetime() {
            Some(dt) if d.is_datetime() => Cell::Date(dt.date()),
            _ => Cell::Text(d.to_string()),
        },
        Data::DateTimeIso(s) => s
            .get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map_or_else(|| Cell::Text(s.clone()), Cell::Date),
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}

fn case_input(row: &SheetRow) -> CaseInput {
    CaseInput {
        legal_name: row.get(Column::LegalName).to_owned(),
        date_of_birth: row.get(Column::DateOfBirth).to_owned(),
        sex: row.get(Column::Sex).to_owned(),
        cii: row.get(Column::Cii).to_owned(),
        cdcr: row.get(Column::Cdcr).to_owned(),
        county_of_conviction: row.get(Column::CountyOfConviction).to_owned(),
        county_of_registration: row.get(Column::CountyOfRegistration).to_owned(),
        juvenile: row.juvenile,
        aliases: row.get(Column::Aliases).to_owned(),
        court_cases: row.get(Column::CourtCases).to_owned(),
        kind: row.get(Column::SupervisionKind).to_owned(),
        county: row.get(Column::SupervisingCounty).to_owned(),
        court: row.get(Column::Court).to_owned(),
        placed_on: row.get(Column::PlacedOn).to_owned(),
        start_date: row.get(Column::SupervisionStart).to_owned(),
        expected_end: row.get(Column::ExpectedEnd).to_owned(),
        ..CaseInput::default()
    }
}

fn team_role(column: Column) -> TeamRole {
    match column {
        Column::TreatmentProvider => TeamRole::TreatmentProvider,
        Column::PolygraphExaminer => TeamRole::PolygraphExaminer,
        _ => TeamRole::SupervisingOfficer,
    }
}

/// What one row comes to once looked up.
enum RowPlan {
    Create(Box<CheckedCase>, Vec<(TeamRole, StoredUser)>),
    Matched(MatchedSupervisee),
    Refused(Vec<Problem>),
}

impl App {
    /// Imports a caseload file into an agency: the actor's own, or for the console the one
    /// named by id or name. All rows or none; `dry_run` checks everything and writes only its
    /// audit event.
    pub async fn import_caseload(
        &self,
        actor: &Actor,
        agency: Option<&str>,
        file: &[u8],
        dry_run: bool,
        now: DateTime<Utc>,
    ) -> Result<CaseloadImport, AppError> {
        let tx = self.store.begin().await?;
        let agency = match (agency.map(str::trim), actor.user.as_ref()) {
            (Some(named), _) => {
                let found = match named.parse::<i64>() {
                    Ok(id) => tx.agency(id).await?,
                    Err(_) => tx.agency_by_name(named).await?,
                };
                found.ok_or_else(|| {
                    AppError::invalid(format!("agency: no agency has the id or name {named}"))
                })?
            }
            (None, Some(user)) => tx.agency(user.agency_id).await?.ok_or(AppError::NotFound)?,
            (None, None) => {
                return Err(AppError::invalid(
                    "agency: name the agency the caseload belongs to (--agency)",
                ));
            }
        };
        // The console acts with the operator's rights; people need the grant.
        let allowed = actor.policy_actor().is_none_or(|who| {
            let subject = Subject::Agency {
                agency: access::AgencyId(agency.id),
            };
            access::decide(&who, &subject, Action::Create, RecordKind::CaseloadImport).is_allowed()
        });
        if !allowed {
            AuditEntry::new("caseload_import", Outcome::Denied, now)
                .by(actor)
                .object("agency", agency.id)
                .write(&tx)
                .await?;
            tx.commit().await?;
            return Err(AppError::Forbidden(
                "only an administrator of the agency imports its caseload".into(),
            ));
        }
        if !supervising(&agency) {
            return Err(AppError::invalid(format!(
                "{} is not a supervising agency: only probation departments, parole and state agencies hold caseloads",
                agency.name
            )));
        }
        let mut report = CaseloadImport {
            agency_id: agency.id,
            agency: agency.name.clone(),
            dry_run,
            committed: false,
            rows: 0,
            created: Vec::new(),
            matched: Vec::new(),
            problems: Vec::new(),
        };
        let mut plans = Vec::new();
        match caseload_cells(file) {
            Err(problem) => report.problems.push(problem),
            Ok(grid) => {
                let sheet = read_sheet(&grid);
                report.rows = sheet.rows.len();
                report.problems = sheet.problems;
                // Row checks wait until the headings are right: a missing column would
                // otherwise be reported once per row.
                let headings_ok = !report.problems.iter().any(|p| p.row.is_none_or(|r| r == 1));
                if headings_ok {
                    for row in &sheet.rows {
                        let plan = self
                            .plan_row(&tx, &agency, row, &report.problems, now)
                            .await?;
                        plans.push((row.row, plan));
                    }
                }
            }
        }
        let mut to_create = Vec::new();
        for (row, plan) in plans {
            match plan {
                RowPlan::Create(case, team) => to_create.push((row, case, team)),
                RowPlan::Matched(m) => report.matched.push(m),
                RowPlan::Refused(problems) => report.problems.extend(problems),
            }
        }
        report
            .problems
            .sort_by(|a, b| (a.row, &a.column).cmp(&(b.row, &b.column)));
        let write = !dry_run && report.problems.is_empty();
        for (row, case, team) in to_create {
            let mut entry = ImportedSupervisee {
                row,
                legal_name: case.legal_name.clone(),
                cii: case.cii.as_ref().map(ToString::to_string),
                cdcr: case.cdcr.as_ref().map(ToString::to_string),
                kind: case.kind.label().to_owned(),
                county: case.county.name().to_owned(),
                start: case.start,
                team: team
                    .iter()
                    .map(|(role, u)| (*role, u.email.to_string()))
                    .collect(),
                supervisee_id: None,
            };
            if write {
                let start = case.start;
                let (supervisee_id, episode) = create_case(&tx, *case, agency.id, now).await?;
                AuditEntry::new("case_open", Outcome::Success, now)
                    .by(actor)
                    .object("supervisee", supervisee_id)
                    .detail("caseload import")
                    .write(&tx)
                    .await?;
                for (role, member) in &team {
                    let id = tx
                        .add_team_member(episode.id, member.id, *role, start, now)
                        .await?;
                    AuditEntry::new("team_member_add", Outcome::Success, now)
                        .by(actor)
                        .object("supervisee", supervisee_id)
                        .detail(format!("team_member {id} {}", role.code()))
                        .write(&tx)
                        .await?;
                }
                entry.supervisee_id = Some(supervisee_id);
            }
            report.created.push(entry);
        }
        report.committed = write;
        let outcome = if report.problems.is_empty() {
            Outcome::Success
        } else {
            Outcome::Failure
        };
        AuditEntry::new("caseload_import", outcome, now)
            .by(actor)
            .object("agency", agency.id)
            .detail(format!(
                "{}: {} rows, {} {}, {} matched, {} problems",
                if dry_run { "dry run" } else { "import" },
                report.rows,
                report.created.len(),
                if write { "created" } else { "not created" },
                report.matched.len(),
                report.problems.len()
            ))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Checks one row as the case form and the team form would, and looks up whether its
    /// supervisee is already on file.
    async fn plan_row(
        &self,
        tx: &Tx,
        agency: &AgencyRecord,
        row: &SheetRow,
        known: &[Problem],
        now: DateTime<Utc>,
    ) -> Result<RowPlan, AppError> {
        let at = |column: Column, message: String| Problem::at(row.row, column, message);
        // A cell the reading already refused is not reported a second time.
        let fresh = |p: &Problem| !known.iter().any(|k| k.row == p.row && k.column == p.column);
        let case = match check_case(&case_input(row), local_date(now)) {
            Ok(case) => case,
            Err(problems) => {
                let mut out: Vec<Problem> = Vec::new();
                for p in problems
                    .into_iter()
                    .map(|p| at(column_of(p.field.as_deref()), p.message))
                {
                    if fresh(&p) && !out.contains(&p) {
                        out.push(p);
                    }
                }
                // The accounts named are checked too, so that one check shows every problem
                // of the row.
                let (_, team_problems) = team_of(tx, row, None, now).await?;
                out.extend(team_problems.into_iter().filter(|p| fresh(p)));
                return Ok(RowPlan::Refused(out));
            }
        };
        if known.iter().any(|k| k.row == Some(row.row)) {
            let (_, team_problems) = team_of(tx, row, Some(case.start), now).await?;
            return Ok(RowPlan::Refused(
                team_problems.into_iter().filter(|p| fresh(p)).collect(),
            ));
        }
        if let Some((existing_id, what)) = tx
            .supervisee_with_identifier(case.cii.as_ref(), case.cdcr.as_ref())
            .await?
        {
            let column = if what == "CII number" {
                Column::Cii
            } else {
                Column::Cdcr
            };
            let number = if column == Column::Cii {
                row.get(Column::Cii)
            } else {
                row.get(Column::Cdcr)
            };
            let Some(existing) = tx.supervisee(existing_id).await? else {
                return Err(AppError::NotFound);
            };
            let problem = if existing.owning_agency_id != agency.id {
                Some(format!(
                    "{what} {number} is already on another agency's case (record {existing_id}): ask that agency about it"
                ))
            } else if existing.legal_name.trim().to_lowercase() != case.legal_name.to_lowercase() {
                Some(format!(
                    "{what} {number} is on file for a supervisee with a different legal name (record {existing_id}): check the number or the name"
                ))
            } else if let (Some(on_file), Some(given)) = (&existing.cii, &case.cii)
                && on_file != given.as_str()
            {
                Some(format!(
                    "the supervisee on file (record {existing_id}) has another CII number"
                ))
            } else if let (Some(on_file), Some(given)) = (&existing.cdcr, &case.cdcr)
                && on_file != given.as_str()
            {
                Some(format!(
                    "the supervisee on file (record {existing_id}) has another CDCR number"
                ))
            } else {
                None
            };
            return Ok(match problem {
                Some(p) => RowPlan::Refused(vec![at(column, p)]),
                None => RowPlan::Matched(MatchedSupervisee {
                    row: row.row,
                    supervisee_id: existing_id,
                    matched_by: what,
                }),
            });
        }
        let (team, problems) = team_of(tx, row, Some(case.start), now).await?;
        Ok(if problems.is_empty() {
            RowPlan::Create(Box::new(case), team)
        } else {
            RowPlan::Refused(problems)
        })
    }
}

/// The accounts a row puts on the team, and the problems with them: an e-mail no account has,
/// and, once the supervision start is known, an account the team form would refuse.
async fn team_of(
    tx: &Tx,
    row: &SheetRow,
    start: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<(Vec<(TeamRole, StoredUser)>, Vec<Problem>), AppError> {
    let mut problems = Vec::new();
    let mut team = Vec::new();
    for (column, email) in row.team() {
        let role = team_role(column);
        let Some(member) = tx.user_by_email(&email).await? else {
            problems.push(Problem::at(
                row.row,
                column,
                format!("no account has the e-mail address {email}"),
            ));
            continue;
        };
        let Some(start) = start else { continue };
        match team_member_refusal(tx, &member, role, start, now).await? {
            Some(refusal) => problems.push(Problem::at(row.row, column, refusal)),
            None => team.push((role, member)),
        }
    }
    Ok((team, problems))
}
