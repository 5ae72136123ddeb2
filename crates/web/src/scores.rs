//! Risk scores on the web: the scoring forms (a Static-99R tally sheet that adds up as it is
//! answered), a score's page with its chain of hand-offs, its printable report, and the export
//! of DOJ submissions; with the same through the JSON API.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate, Utc};
use containment_app::{AppError, CaseView, ScoreEntry, ScoreInput, StepInput, level_label};
use containment_domain::case::local_date;
use containment_domain::instrument::{
    self, ACUTE2007_ITEMS, CombinedLevel, Instrument, LsCmiBand, STABLE2007_ITEMS, ScoreReason,
    SraFvLevel, Static99rAnswers,
};
use containment_domain::score_chain::ChainStep;
use serde::Deserialize;

use crate::AppState;
use crate::error::PageError;
use crate::form::{field, pairs};
use crate::guard::Guard;
use crate::identity::Identity;
use crate::pages::account::signed_in;
use crate::pages::{Layout, render};
use crate::routes::Registry;

pub(crate) fn registry() -> Registry {
    Registry::new()
        .get("/cases/{id}/scores/new", Guard::SignedIn, new_score_form)
        .get("/cases/{id}/scores", Guard::SignedIn, scores_page)
        .post("/cases/{id}/scores", Guard::SignedIn, record_score)
        .post("/instruments/static99r/tally", Guard::SignedIn, tally)
        .get("/cases/{id}/scores/{score}", Guard::SignedIn, score_page)
        .post(
            "/cases/{id}/scores/{score}/steps",
            Guard::SignedIn,
            record_step,
        )
        .get(
            "/cases/{id}/scores/{score}/report.pdf",
            Guard::SignedIn,
            report_pdf,
        )
        .get("/scores/submissions", Guard::SignedIn, submissions_page)
        .get("/scores/submissions.csv", Guard::SignedIn, submissions_csv)
}

/// Static-99R yes/no items in the order of `ScoreInput::yes_no`.
const YES_NO_ITEMS: [u8; 7] = [2, 3, 4, 7, 8, 9, 10];

/// How DOJ submissions are made.
pub(crate) const DOJ_METHODS: [&str; 5] = [
    "SARATSO database",
    "MHS GEARS",
    "Secure e-mail",
    "Mail",
    "Fax",
];

fn yes_no(v: &str) -> Option<bool> {
    match v {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// A score form's fields as a use-case input.
pub(crate) fn score_input(instrument: &str, p: &[(String, String)]) -> ScoreInput {
    let item_count = match instrument {
        "stable2007" => 13,
        "acute2007" => 7,
        _ => 0,
    };
    ScoreInput {
        instrument: instrument.to_owned(),
        scored_on: field(p, "scored_on"),
        reason: field(p, "reason"),
        scorer_email: field(p, "scorer_email"),
        uncertified_reason: field(p, "uncertified_reason"),
        release_date: field(p, "release_date"),
        yes_no: YES_NO_ITEMS.map(|n| yes_no(&field(p, &format!("item{n}")))),
        counts: [
            field(p, "prior_sex_charges"),
            field(p, "prior_sex_convictions"),
            field(p, "prior_sentencing_dates"),
        ],
        child_victim: !field(p, "child_victim").is_empty(),
        items: (1..=item_count)
            .map(|n| field(p, &format!("item{n}")))
            .collect(),
        combined_level: field(p, "combined_level"),
        total: field(p, "total"),
        band: field(p, "band"),
        gears_reference: field(p, "gears_reference"),
    }
}

/// One line of the tally sheet.
pub(crate) struct TallyLine {
    number: u8,
    label: &'static str,
    answer: String,
    points: String,
}

/// The tally sheet as answered so far: points for each answered item, the total and level
/// once all ten are answered.
pub(crate) struct Tally {
    lines: Vec<TallyLine>,
    total: Option<i32>,
    level: String,
    error: Option<String>,
}

fn count(v: &str) -> Option<u16> {
    v.trim().parse().ok()
}

/// Scores what is answered: unanswered items are filled with neutral answers only to let the
/// answered ones be scored, and are shown as unanswered.
pub(crate) fn tally_of(date_of_birth: Option<NaiveDate>, p: &[(String, String)]) -> Tally {
    let release = containment_domain::input::date("release date", &field(p, "release_date")).ok();
    let answers: Vec<Option<bool>> = YES_NO_ITEMS
        .iter()
        .map(|n| yes_no(&field(p, &format!("item{n}"))))
        .collect();
    let counts = [
        count(&field(p, "prior_sex_charges")),
        count(&field(p, "prior_sex_convictions")),
        count(&field(p, "prior_sentencing_dates")),
    ];
    let age_known = date_of_birth.zip(release);
    let (dob, rel) = age_known.unwrap_or((
        NaiveDate::from_ymd_opt(1980, 1, 1).unwrap_or_default(),
        NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default(),
    ));
    let get = |i: usize, fill: bool| answers.get(i).copied().flatten().unwrap_or(fill);
    let filled = Static99rAnswers {
        date_of_birth: dob,
        release_date: rel,
        lived_with_partner_two_years: get(0, true),
        index_nonsexual_violence: get(1, false),
        prior_nonsexual_violence: get(2, false),
        prior_sex_charges: counts[0].unwrap_or(0),
        prior_sex_convictions: counts[1].unwrap_or(0),
        prior_sentencing_dates: counts[2].unwrap_or(0),
        noncontact_sex_offense: get(3, false),
        // A stranger victim is also unrelated: fill item 8 to agree with item 9.
        unrelated_victim: get(4, get(5, false)),
        stranger_victim: get(5, false),
        male_victim: get(6, false),
    };
    let answered = |number: u8| match number {
        1 => age_known.is_some(),
        5 => counts[0].is_some() && counts[1].is_some(),
        6 => counts[2].is_some(),
        n => YES_NO_ITEMS
            .iter()
            .position(|x| *x == n)
            .and_then(|i| answers.get(i).copied().flatten())
            .is_some(),
    };
    match instrument::score_static99r(&filled) {
        Ok(result) => {
            let complete = (1..=10).all(answered);
            Tally {
                lines: result
                    .items
                    .iter()
                    .map(|i| TallyLine {
                        number: i.number,
                        label: i.label,
                        answer: if answered(i.number) {
                            i.answer.clone()
                        } else {
                            "not answered".into()
                        },
                        points: if answered(i.number) {
                            format!("{:+}", i.points)
                        } else {
                            "—".into()
                        },
                    })
                    .collect(),
                total: complete.then_some(result.total),
                level: if complete {
                    format!(
                        "{} (before 2016: {})",
                        result.level.label(),
                        result.pre2016.label()
                    )
                } else {
                    String::new()
                },
                error: None,
            }
        }
        Err(e) => Tally {
            lines: Vec::new(),
            total: None,
            level: String::new(),
            error: Some(e.to_string()),
        },
    }
}

#[derive(Template)]
#[template(path = "_static99r_tally.html")]
struct TallyFragment {
    tally: Tally,
}

#[derive(Debug, Deserialize)]
struct NewScoreQuery {
    instrument: Option<String>,
}

#[derive(Template)]
#[template(path = "score_new.html")]
struct NewScorePage {
    layout: Layout,
    supervisee_id: i64,
    name: String,
    date_of_birth: NaiveDate,
    instrument: Instrument,
    choices: Vec<Instrument>,
    reasons: &'static [ScoreReason],
    stable_items: &'static [&'static str],
    acute_items: &'static [&'static str],
    combined_levels: &'static [CombinedLevel],
    lscmi_bands: &'static [LsCmiBand],
    sra_levels: &'static [SraFvLevel],
    values: Vec<(String, String)>,
    tally: Tally,
    errors: crate::error::FormErrors,
    today: NaiveDate,
}

impl NewScorePage {
    fn value(&self, name: &str) -> String {
        field(&self.values, name)
    }

    fn checked(&self, name: &str, v: &str) -> bool {
        field(&self.values, name) == v
    }
}

#[allow(clippy::too_many_arguments)]
fn new_score_page(
    identity: &Identity,
    view: &CaseView,
    instrument: Instrument,
    values: Vec<(String, String)>,
    errors: crate::error::FormErrors,
) -> Response {
    let dob = view.supervisee.date_of_birth;
    render(&NewScorePage {
        layout: Layout::new(
            format!("{} for {}", instrument.label(), view.supervisee.legal_name),
            "caseload",
            identity,
        ),
        supervisee_id: view.supervisee.id,
        name: view.supervisee.legal_name.clone(),
        date_of_birth: dob,
        instrument,
        choices: view.may_score.clone(),
        reasons: ScoreReason::ALL,
        stable_items: &STABLE2007_ITEMS,
        acute_items: &ACUTE2007_ITEMS,
        combined_levels: CombinedLevel::ALL,
        lscmi_bands: LsCmiBand::ALL,
        sra_levels: SraFvLevel::ALL,
        tally: tally_of(Some(dob), &values),
        values,
        errors,
        today: local_date(Utc::now()),
    })
}

async fn new_score_form(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    Query(q): Query<NewScoreQuery>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let now = Utc::now();
    let view = state.app.case_view(actor, id, now, local_date(now)).await?;
    let instrument = match q.instrument.as_deref() {
        Some(code) => code.parse::<Instrument>().map_err(AppError::from)?,
        None => view
            .may_score
            .first()
            .copied()
            .ok_or_else(|| AppError::Forbidden("you record no scores on this case".into()))?,
    };
    if !view.may_score.contains(&instrument) {
        return Err(AppError::Forbidden(format!(
            "{} scores on this case are recorded by another team member",
            instrument.label()
        ))
        .into());
    }
    Ok(new_score_page(
        &identity,
        &view,
        instrument,
        vec![("scored_on".into(), local_date(now).to_string())],
        crate::error::FormErrors::new(),
    ))
}

async fn record_score(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let code = field(&p, "instrument");
    let instrument: Instrument = code.parse().map_err(AppError::from)?;
    let now = Utc::now();
    match p
        .submit(
            state
                .app
                .record_score(actor, id, &score_input(&code, &p), now),
        )
        .await
    {
        Ok(score) => Ok(Redirect::to(&format!("/cases/{id}/scores/{score}")).into_response()),
        Err(AppError::InvalidInput(msg)) => {
            let view = state.app.case_view(actor, id, now, local_date(now)).await?;
            let errors = crate::error::FormErrors::from(msg);
            Ok(new_score_page(
                &identity,
                &view,
                instrument,
                p.into_pairs(),
                errors,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// The tally sheet for the answers so far (htmx swaps it in as the form is answered).
async fn tally(body: Bytes) -> Response {
    let p = pairs(&body);
    let dob = containment_domain::input::date("date of birth", &field(&p, "date_of_birth")).ok();
    render(&TallyFragment {
        tally: tally_of(dob, &p),
    })
}

/// A recorded step as shown.
pub(crate) struct StepLine {
    on: String,
    step: &'static str,
    by: String,
    detail: String,
}

/// A step the score waits on, as shown.
pub(crate) struct WaitingLine {
    step: &'static str,
    code: &'static str,
    who: &'static str,
    due: String,
    overdue: bool,
    rule: &'static str,
    mine: bool,
}

pub(crate) fn waiting_lines(entry: &ScoreEntry, today: NaiveDate) -> Vec<WaitingLine> {
    entry
        .waiting
        .iter()
        .map(|w| WaitingLine {
            step: w.step.label(),
            code: w.step.code(),
            who: w.responsible.label(),
            due: w.due.map(crate::today::day).unwrap_or_default(),
            overdue: w.due.is_some_and(|d| today > d),
            rule: w.rule,
            mine: entry.may_record.contains(&w.step),
        })
        .collect()
}

fn step_lines(entry: &ScoreEntry, names: &dyn Fn(i64) -> String) -> Vec<StepLine> {
    entry
        .steps
        .iter()
        .map(|s| StepLine {
            on: crate::today::day(s.on),
            step: s.step.label(),
            by: names(s.by_user_id),
            detail: [
                s.method.clone(),
                s.reference.clone().map(|r| format!("reference {r}")),
                match entry.interpretation(s) {
                    Ok(text) => text.map(str::to_owned),
                    Err(_) => Some(
                        "written interpretation withheld: no waiver covers dynamic-risk discussion"
                            .to_owned(),
                    ),
                },
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("; "),
        })
        .collect()
}

/// Everyone named on the case's team, by user id.
fn team_names(view: &CaseView) -> impl Fn(i64) -> String + '_ {
    move |id| {
        view.team
            .iter()
            .find(|m| m.user_id == id)
            .map_or_else(|| format!("user {id}"), |m| m.user_name.clone())
    }
}

#[derive(Template)]
#[template(path = "score.html")]
struct ScorePage {
    layout: Layout,
    supervisee_id: i64,
    name: String,
    score_id: i64,
    instrument: &'static str,
    total: i32,
    level: String,
    other_level: String,
    scored_on: String,
    reason: &'static str,
    scorer: String,
    certified: bool,
    uncertified_reason: String,
    release_date: String,
    cori_mark: Option<&'static str>,
    items: Vec<instrument::ItemPoints>,
    steps: Vec<StepLine>,
    waiting: Vec<WaitingLine>,
    doj_methods: &'static [&'static str],
    today: NaiveDate,
    notice: Option<String>,
    errors: crate::error::FormErrors,
}

/// The extra level line of a score: the pre-2016 category, the combined level or the GEARS
/// reference.
pub(crate) fn other_level(r: &containment_app::ScoreRecord) -> String {
    use containment_domain::instrument::Pre2016Category;
    if let Some(c) = r
        .pre2016_category
        .as_deref()
        .and_then(|c| c.parse::<Pre2016Category>().ok())
    {
        return format!("Before 2016: {}", c.label());
    }
    if let Some(c) = r
        .combined_level
        .as_deref()
        .and_then(|c| c.parse::<CombinedLevel>().ok())
    {
        return format!("Combined Static-99R/STABLE-2007: {}", c.label());
    }
    r.gears_reference
        .as_ref()
        .map(|g| format!("GEARS reference {g}"))
        .unwrap_or_default()
}

async fn score_page_for(
    state: &AppState,
    identity: &Identity,
    id: i64,
    score: i64,
    notice: Option<String>,
    errors: crate::error::FormErrors,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(identity)?;
    let now = Utc::now();
    let (view, entry) = state.app.score_detail(actor, id, score, false, now).await?;
    let r = &entry.record;
    let names = team_names(&view);
    Ok(render(&ScorePage {
        layout: Layout::new(
            format!("{} of {}", r.instrument.label(), view.supervisee.legal_name),
            "caseload",
            identity,
        ),
        supervisee_id: id,
        name: view.supervisee.legal_name.clone(),
        score_id: r.id,
        instrument: r.instrument.label(),
        total: r.total,
        level: level_label(r.instrument, &r.level),
        other_level: match (
            r.instrument,
            instrument::jsorrat2_expires_on(view.supervisee.date_of_birth),
        ) {
            (Instrument::Jsorrat2, Some(expires)) => {
                format!("Expires on {expires}, the 18th birthday")
            }
            _ => other_level(r),
        },
        scored_on: crate::today::day(r.scored_on),
        reason: r.reason.label(),
        scorer: entry.scorer_name.clone(),
        certified: r.scorer_certified,
        uncertified_reason: r.uncertified_reason.clone().unwrap_or_default(),
        release_date: r.release_date.map(crate::today::day).unwrap_or_default(),
        cori_mark: (r.instrument == Instrument::Static99r)
            .then_some(containment_domain::document::CORI_MARK),
        items: containment_app::score_items(r),
        steps: step_lines(&entry, &names),
        waiting: waiting_lines(&entry, local_date(now)),
        doj_methods: &DOJ_METHODS,
        today: local_date(now),
        notice,
        errors,
    }))
}

async fn score_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, score)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    score_page_for(
        &state,
        &identity,
        id,
        score,
        None,
        crate::error::FormErrors::new(),
    )
    .await
}

pub(crate) fn step_input(p: &[(String, String)]) -> StepInput {
    StepInput {
        step: field(p, "step"),
        on: field(p, "on"),
        method: field(p, "method"),
        reference: field(p, "reference"),
        interpretation: field(p, "interpretation"),
    }
}

async fn record_step(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, score)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let p = pairs(&body);
    let input = step_input(&p);
    match p
        .submit(
            state
                .app
                .record_score_step(actor, id, score, &input, Utc::now()),
        )
        .await
    {
        Ok(_) => {
            let label = input
                .step
                .parse::<ChainStep>()
                .map(|s| s.label())
                .unwrap_or("Step");
            score_page_for(
                &state,
                &identity,
                id,
                score,
                Some(format!("{label}: recorded.")),
                crate::error::FormErrors::new(),
            )
            .await
        }
        Err(AppError::InvalidInput(msg)) => {
            let errors = crate::error::FormErrors::from(msg);
            score_page_for(&state, &identity, id, score, None, errors).await
        }
        Err(e @ AppError::Conflict(_)) => {
            score_page_for(
                &state,
                &identity,
                id,
                score,
                None,
                crate::error::FormErrors::from(vec![e.to_string()]),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The printable report of a score.
pub(crate) async fn report_response(
    state: &AppState,
    actor: &containment_app::Actor,
    id: i64,
    score: i64,
) -> Result<Response, AppError> {
    let now = Utc::now();
    let (view, entry) = state.app.score_detail(actor, id, score, true, now).await?;
    let r = &entry.record;
    let names = team_names(&view);
    let s = &view.supervisee;
    let episode = view
        .current_episode()
        .or_else(|| view.episodes.iter().max_by_key(|e| e.start_date));
    let report = containment_reports::ScoreReport {
        generated: crate::pages::account::when(now),
        name: s.legal_name.clone(),
        date_of_birth: crate::today::day(s.date_of_birth),
        sex: s.sex.clone(),
        cii: s.cii.clone().unwrap_or_default(),
        cdcr: s.cdcr.clone().unwrap_or_default(),
        case_number: s.court_cases.join(", "),
        county_of_conviction: s.county_of_conviction.clone().unwrap_or_default(),
        county_of_registration: s.county_of_registration.clone().unwrap_or_default(),
        sentencing_date: episode
            .and_then(|e| e.placed_on)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        supervision_status: episode
            .map(|e| match e.actual_end {
                Some(end) => format!("{} (ended {end})", e.kind.label()),
                None => format!("{} (active since {})", e.kind.label(), e.start_date),
            })
            .unwrap_or_default(),
        agency: String::new(),
        instrument: r.instrument.label().to_owned(),
        total: r.total.to_string(),
        level: level_label(r.instrument, &r.level),
        other_level: other_level(r),
        scored_on: crate::today::day(r.scored_on),
        reason: r.reason.label().to_owned(),
        release_date: r.release_date.map(crate::today::day).unwrap_or_default(),
        scorer: entry.scorer_name.clone(),
        certified: if r.scorer_certified { "Yes" } else { "No" }.to_owned(),
        uncertified_reason: r.uncertified_reason.clone().unwrap_or_default(),
        items: containment_app::score_items(r)
            .into_iter()
            .map(|i| containment_reports::ReportItem {
                number: i.number,
                label: i.label.to_owned(),
                answer: i.answer,
                points: i.points,
            })
            .collect(),
        steps: step_lines(&entry, &names)
            .into_iter()
            .map(|l| containment_reports::ReportStep {
                on: l.on,
                step: l.step.to_owned(),
                by: l.by,
                detail: l.detail,
            })
            .collect(),
        waiting: entry
            .waiting
            .iter()
            .map(|w| {
                format!(
                    "{} by the {}{}",
                    w.step.label(),
                    w.responsible.label(),
                    w.due
                        .map(|d| format!(", due {}", crate::today::day(d)))
                        .unwrap_or_default()
                )
            })
            .collect(),
        cori_mark: if r.instrument == Instrument::Static99r {
            containment_domain::document::CORI_MARK.to_owned()
        } else {
            String::new()
        },
    };
    let mut res = crate::pages::typeset_pdf(
        move || containment_reports::score_report_pdf(&report),
        format!("score-{score}-{}.pdf", r.instrument.code()),
    )
    .await?;
    let h = res.headers_mut();
    if r.instrument == Instrument::Static99r
        && let Ok(v) = HeaderValue::from_str(containment_domain::document::CORI_MARK)
    {
        h.insert(crate::documents::NOTICE_HEADER, v);
    }
    Ok(res)
}

async fn report_pdf(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((id, score)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    Ok(report_response(&state, actor, id, score).await?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RangeQuery {
    pub from: String,
    pub to: String,
}

/// The range asked for; by default the current month to today.
pub(crate) fn range(q: &RangeQuery) -> Result<(NaiveDate, NaiveDate), AppError> {
    let today = local_date(Utc::now());
    let parse = |field: &str, v: &str, default: NaiveDate| {
        if v.trim().is_empty() {
            return Ok(default);
        }
        containment_domain::input::date(field, v).map_err(AppError::invalid)
    };
    Ok((
        parse("from", &q.from, today.with_day(1).unwrap_or(today))?,
        parse("to", &q.to, today)?,
    ))
}

struct SubmissionLine {
    row: containment_app::SubmissionRow,
    instrument: &'static str,
    level: String,
}

#[derive(Template)]
#[template(path = "score_submissions.html")]
struct SubmissionsPage {
    layout: Layout,
    from: NaiveDate,
    to: NaiveDate,
    rows: Vec<SubmissionLine>,
    errors: crate::error::FormErrors,
}

async fn submissions_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Query(q): Query<RangeQuery>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let today = local_date(Utc::now());
    let (from, to, rows, errors) = match range(&q) {
        Ok((from, to)) => match state.app.doj_submissions(actor, from, to, Utc::now()).await {
            Ok(rows) => (from, to, rows, crate::error::FormErrors::new()),
            Err(AppError::InvalidInput(m)) => (from, to, Vec::new(), m.into()),
            Err(e) => return Err(e.into()),
        },
        Err(e) => (today, today, Vec::new(), e.to_string().into()),
    };
    Ok(render(&SubmissionsPage {
        layout: Layout::new("DOJ score submissions", "caseload", &identity),
        from,
        to,
        rows: rows
            .into_iter()
            .map(|row| SubmissionLine {
                instrument: row.instrument.label(),
                level: level_label(row.instrument, &row.level),
                row,
            })
            .collect(),
        errors,
    }))
}

/// The submissions as CSV: the columns of the SARATSO submission form.
pub(crate) fn submissions_csv_text(rows: &[containment_app::SubmissionRow]) -> String {
    use crate::pages::audit::push_csv_line;
    let mut out = String::from(
        "submitted_on,method,reference,submitted_by,supervisee_id,name,date_of_birth,cii,cdcr,court_cases,county_of_conviction,county_of_registration,instrument,scored_on,total,level,scorer\r\n",
    );
    for r in rows {
        let cells = [
            r.submitted_on.to_string(),
            r.method.clone(),
            r.reference.clone(),
            r.submitted_by.clone(),
            r.supervisee_id.to_string(),
            r.name.clone(),
            r.date_of_birth.to_string(),
            r.cii.clone(),
            r.cdcr.clone(),
            r.court_cases.clone(),
            r.county_of_conviction.clone(),
            r.county_of_registration.clone(),
            r.instrument.code().to_owned(),
            r.scored_on.to_string(),
            r.total.to_string(),
            level_label(r.instrument, &r.level),
            r.scorer.clone(),
        ];
        push_csv_line(&mut out, &cells);
    }
    out
}

async fn submissions_csv(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Query(q): Query<RangeQuery>,
) -> Result<Response, PageError> {
    let (actor, _) = signed_in(&identity)?;
    let (from, to) = range(&q)?;
    let rows = state
        .app
        .doj_submissions(actor, from, to, Utc::now())
        .await?;
    let mut res = submissions_csv_text(&rows).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"doj-submissions-{from}-to-{to}.csv\""
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

/// The range of totals an instrument's chart spans.
fn chart_range(instrument: Instrument) -> (i32, i32) {
    match instrument {
        Instrument::Static99r => (-3, 12),
        Instrument::Stable2007 => (0, 26),
        Instrument::Acute2007 => (0, 14),
        Instrument::LsCmi => (0, 43),
        Instrument::SraFv => (0, 10),
        Instrument::Jsorrat2 => (0, 21),
    }
}

/// A small line chart of totals over time. It is an image with a text alternative that reads
/// the whole series; the table beside it holds the same figures.
pub(crate) fn chart_svg(instrument: Instrument, points: &[(NaiveDate, i32)]) -> String {
    const W: f64 = 240.0;
    const H: f64 = 64.0;
    const PAD: f64 = 6.0;
    let (lo, hi) = chart_range(instrument);
    let hi = points.iter().map(|p| p.1).max().unwrap_or(hi).max(hi);
    let lo = points.iter().map(|p| p.1).min().unwrap_or(lo).min(lo);
    let span = f64::from((hi - lo).max(1));
    let n = points.len();
    let xy: Vec<(f64, f64)> = points
        .iter()
        .enumerate()
        .map(|(i, (_, total))| {
            let x = if n <= 1 {
                W / 2.0
            } else {
                PAD + (W - 2.0 * PAD) * i as f64 / (n - 1) as f64
            };
            let y = H - PAD - (H - 2.0 * PAD) * f64::from(total - lo) / span;
            (x, y)
        })
        .collect();
    let alt = points
        .iter()
        .map(|(d, t)| format!("{d}: {t}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut svg = format!(
        "<svg class=\"app-chart\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" role=\"img\" \
         aria-label=\"{} totals over time (scale {lo} to {hi}): {alt}\">\
         <rect x=\"0\" y=\"0\" width=\"{W}\" height=\"{H}\" fill=\"#f0f0f0\"/>",
        instrument.label()
    );
    if xy.len() > 1 {
        let line = xy
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect::<Vec<_>>()
            .join(" ");
        svg.push_str(&format!(
            "<polyline points=\"{line}\" fill=\"none\" stroke=\"#005ea2\" stroke-width=\"2\"/>"
        ));
    }
    for (x, y) in &xy {
        svg.push_str(&format!(
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\" fill=\"#1a4480\"/>"
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// The case's risk scores, each instrument with its chart and history.
async fn scores_page(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    crate::pages::cases::case_section_page(
        &state,
        &identity,
        id,
        containment_app::CaseSection::Scores,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_chart_reads_its_series_aloud_and_plots_every_point() {
        let svg = chart_svg(
            Instrument::Stable2007,
            &[(d("2026-01-05"), 8), (d("2026-06-01"), 5)],
        );
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains(
            "STABLE-2007 totals over time (scale 0 to 26): 2026-01-05: 8, 2026-06-01: 5"
        ));
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("<polyline"));
        // A higher total sits higher on the chart (smaller y).
        let ys: Vec<f64> = svg
            .match_indices("cy=\"")
            .map(|(i, _)| {
                let rest = &svg[i + 4..];
                rest[..rest.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert!(ys[0] < ys[1]);
    }

    #[test]
    fn the_tally_adds_up_only_once_every_item_is_answered() {
        let mut p: Vec<(String, String)> = vec![
            ("release_date".into(), "2014-06-01".into()),
            ("item2".into(), "no".into()),
            ("item3".into(), "yes".into()),
        ];
        let dob = Some(d("1980-06-02"));
        let t = tally_of(dob, &p);
        assert_eq!(t.total, None);
        // Age 33 at release: +1; never lived with a partner: +1; index violence: +1.
        assert_eq!(t.lines[0].points, "+1");
        assert_eq!(t.lines[1].points, "+1");
        assert_eq!(t.lines[2].points, "+1");
        assert_eq!(t.lines[3].points, "—");
        for (k, v) in [
            ("item4", "no"),
            ("prior_sex_charges", "3"),
            ("prior_sex_convictions", "0"),
            ("prior_sentencing_dates", "4"),
            ("item7", "no"),
            ("item8", "yes"),
            ("item9", "no"),
            ("item10", "yes"),
        ] {
            p.push((k.into(), v.into()));
        }
        let t = tally_of(dob, &p);
        // 1 + 1 + 1 + 0 + 2 + 1 + 0 + 1 + 0 + 1 = 8
        assert_eq!(t.total, Some(8));
        assert!(t.level.starts_with("Level IVb"));
        // A stranger victim without an unrelated one is refused, not guessed.
        p.retain(|(k, _)| k != "item8" && k != "item9");
        p.push(("item8".into(), "no".into()));
        p.push(("item9".into(), "yes".into()));
        assert!(tally_of(dob, &p).error.is_some());
    }
}
