//! Risk scores: recording a score from its items with the scorer's SARATSO certification
//! checked on the scoring date, the dated steps of its chain (review, sharing, receipt, DOJ),
//! and the case's score history as each viewer may see it.

use crate::Problems;
use chrono::{DateTime, NaiveDate, Utc};
use containment_domain::access::{Action, RecordKind, Relationship, TeamRole};
use containment_domain::audit::Outcome;
use containment_domain::calendar::Calendar;
use containment_domain::case::local_date;
use containment_domain::certification::{CertificationKind, status_on};
use containment_domain::instrument::{
    self, Acute2007Answers, CombinedLevel, Instrument, LsCmiBand, ScoreReason, SraFvLevel,
    Stable2007Answers, Static99rAnswers,
};
use containment_domain::score_chain::{self, ChainStep, StepDone, Waiting};
use containment_domain::wall::{Clearance, TreatmentField};
use containment_domain::{Email, Role};
use containment_storage::{ScoreRecord, StepRecord, Tx};

use crate::actor::{Actor, AuditEntry};
use crate::case_access::{CaseAccess, ops};
use crate::input::date;
use crate::{App, AppError};

/// A score as typed in. Only the fields of the chosen instrument are read.
#[derive(Debug, Clone, Default)]
pub struct ScoreInput {
    pub instrument: String,
    pub scored_on: String,
    pub reason: String,
    /// The scorer's e-mail; empty means the person recording it.
    pub scorer_email: String,
    /// Why a score by a scorer without a current certification is recorded anyway (agency
    /// admins only).
    pub uncertified_reason: String,
    /// Static-99R: the release from the index sex offense.
    pub release_date: String,
    /// Static-99R items 2, 3, 4, 7, 8, 9, 10 in that order: `None` is unanswered.
    pub yes_no: [Option<bool>; 7],
    /// Static-99R items 5 and 6: prior sex charges, prior sex convictions, prior sentencing dates.
    pub counts: [String; 3],
    /// STABLE-2007: a victim was 13 or younger.
    pub child_victim: bool,
    /// STABLE-2007 (13) or ACUTE-2007 (7) ratings; empty text is "not scored".
    pub items: Vec<String>,
    /// STABLE-2007: the evaluator's combined Static-99R/STABLE-2007 level, if entered.
    pub combined_level: String,
    /// LS/CMI, SRA-FV, JSORRAT-II: the total as reported.
    pub total: String,
    /// LS/CMI band or SRA-FV level as reported.
    pub band: String,
    pub gears_reference: String,
}

/// A chain step as typed in.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    pub step: String,
    pub on: String,
    /// How a DOJ submission was made (e.g. SARATSO database, GEARS).
    pub method: String,
    /// The DOJ or GEARS reference of a submission.
    pub reference: String,
    /// The provider's written interpretation given with the score (R5).
    pub interpretation: String,
}

/// A score with its chain, as one viewer sees it.
#[derive(Debug, Clone)]
pub struct ScoreEntry {
    pub record: ScoreRecord,
    pub scorer_name: String,
    pub steps: Vec<StepRecord>,
    pub waiting: Vec<Waiting>,
    /// The viewer may record these steps now.
    pub may_record: Vec<ChainStep>,
    /// The treatment information the viewer may read on this case.
    pub clearance: Clearance,
}

impl ScoreEntry {
    /// A step's written interpretation, when the viewer is covered for dynamic-risk discussion;
    /// [`Withheld`] when there is one the viewer may not read.
    pub fn interpretation<'a>(&'a self, step: &'a StepRecord) -> Result<Option<&'a str>, Withheld> {
        match &step.interpretation {
            None => Ok(None),
            Some(text) => text
                .open(&self.clearance)
                .map(|t| Some(t.as_str()))
                .ok_or(Withheld),
        }
    }
}

/// Treatment information exists here but the viewer is not covered for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Withheld;

/// The record kind an instrument's scores are: static scores go further (to law enforcement
/// and prosecutors) than dynamic and violence scores.
pub fn score_kind(instrument: Instrument) -> RecordKind {
    match instrument {
        Instrument::Static99r | Instrument::Jsorrat2 => RecordKind::RiskScore,
        _ => RecordKind::DynamicRiskScore,
    }
}

fn number<T: std::str::FromStr>(field: &str, v: &str, errors: &mut Problems) -> Option<T> {
    let v = v.trim();
    if v.is_empty() {
        errors.push(format!("{field} is required"));
        return None;
    }
    v.parse()
        .map_err(|_| errors.push(format!("{field}: \"{v}\" is not a whole number in range")))
        .ok()
}

/// Whether the actor's place on the case's team lets them take a step owed by `responsible`.
fn takes_steps_for(actor: &Actor, relationships: &[Relationship], responsible: TeamRole) -> bool {
    containment_domain::access::Step::score_step_of(responsible)
        .is_some_and(|step| crate::case_access::takes(actor, relationships, step))
}

/// What the instrument's fields give: answers as JSON, total, level code, pre-2016 category,
/// combined level and GEARS reference.
#[derive(Debug, Default)]
struct Scored {
    answers: String,
    total: i32,
    level: String,
    pre2016: Option<String>,
    combined: Option<String>,
    gears: Option<String>,
    release_date: Option<NaiveDate>,
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, AppError> {
    serde_json::to_string(v).map_err(|e| AppError::Internal(e.to_string()))
}

/// A code of a closed set, or the error added to the list.
fn code<T: std::str::FromStr<Err = containment_domain::ParseError>>(
    v: &str,
    errors: &mut Problems,
) -> Option<T> {
    v.parse::<T>().map_err(|e| errors.push(e.to_string())).ok()
}

/// The Static-99R answers typed in; `None` (with errors added) when some are missing.
fn static99r_answers(
    input: &ScoreInput,
    date_of_birth: NaiveDate,
    errors: &mut Problems,
) -> Option<Static99rAnswers> {
    let release = date("release_date", "release date", &input.release_date, errors);
    let labels = [2, 3, 4, 7, 8, 9, 10];
    let mut yes = [false; 7];
    for (i, v) in input.yes_no.iter().enumerate() {
        match v {
            Some(b) => yes[i] = *b,
            None => errors.push(format!("item {}: answer yes or no", labels[i])),
        }
    }
    let charges = number::<u16>("item 5, prior sex charges", &input.counts[0], errors);
    let convictions = number::<u16>("item 5, prior sex convictions", &input.counts[1], errors);
    let sentencings = number::<u16>("item 6, prior sentencing dates", &input.counts[2], errors);
    let answered = input.yes_no.iter().all(Option::is_some);
    Some(Static99rAnswers {
        date_of_birth,
        release_date: release?,
        lived_with_partner_two_years: yes[0],
        index_nonsexual_violence: yes[1],
        prior_nonsexual_violence: yes[2],
        prior_sex_charges: charges?,
        prior_sex_convictions: convictions?,
        prior_sentencing_dates: sentencings?,
        noncontact_sex_offense: yes[3],
        unrelated_victim: yes[4],
        stranger_victim: yes[5],
        male_victim: yes[6],
    })
    .filter(|_| answered)
}

/// Refuses a list of ratings that is not one per item (an empty rating is "not scored", but it
/// is still sent).
fn item_count(instrument: &str, items: usize, given: usize, errors: &mut Problems) {
    if given != items {
        errors.push(format!(
            "items: {instrument} has {items} items; {given} ratings were given"
        ));
    }
}

/// Scores the chosen instrument's fields; `Ok(None)` when the errors list says why not.
fn score_fields(
    instrument: Instrument,
    input: &ScoreInput,
    date_of_birth: NaiveDate,
    scored_on: Option<NaiveDate>,
    errors: &mut Problems,
) -> Result<Option<Scored>, AppError> {
    let scored: Option<Result<Scored, containment_domain::ParseError>> = match instrument {
        Instrument::Static99r => static99r_answers(input, date_of_birth, errors).map(|answers| {
            instrument::score_static99r(&answers).map(|r| Scored {
                answers: serde_json::to_string(&answers).unwrap_or_default(),
                total: r.total,
                level: r.level.code().to_owned(),
                pre2016: Some(r.pre2016.code().to_owned()),
                release_date: Some(answers.release_date),
                ..Scored::default()
            })
        }),
        Instrument::Stable2007 => {
            item_count("STABLE-2007", 13, input.items.len(), errors);
            let mut items = [None; 13];
            for (i, slot) in items.iter_mut().enumerate() {
                let v = input.items.get(i).map(|s| s.trim()).unwrap_or_default();
                if !v.is_empty() {
                    *slot = number::<u8>(&format!("STABLE-2007 item {}", i + 1), v, errors);
                }
            }
            let combined = match input.combined_level.trim() {
                "" => None,
                v => code::<CombinedLevel>(v, errors),
            };
            let answers = Stable2007Answers {
                child_victim: input.child_victim,
                items,
            };
            Some(instrument::score_stable2007(&answers).map(|r| Scored {
                answers: serde_json::to_string(&answers).unwrap_or_default(),
                total: r.total,
                level: r.band.code().to_owned(),
                combined: combined.map(|c| c.code().to_owned()),
                ..Scored::default()
            }))
        }
        Instrument::Acute2007 => {
            item_count("ACUTE-2007", 7, input.items.len(), errors);
            let mut items = [0u8; 7];
            for (i, slot) in items.iter_mut().enumerate() {
                let v = input.items.get(i).map(String::as_str).unwrap_or_default();
                *slot = number::<u8>(&format!("ACUTE-2007 item {}", i + 1), v, errors)
                    .unwrap_or_default();
            }
            let answers = Acute2007Answers { items };
            Some(instrument::score_acute2007(&answers).map(|r| Scored {
                answers: serde_json::to_string(&answers).unwrap_or_default(),
                total: r.general,
                level: format!("sex_violence_{}", r.sex_violence),
                ..Scored::default()
            }))
        }
        Instrument::LsCmi => {
            let total = number::<i32>("LS/CMI total", &input.total, errors);
            let band = code::<LsCmiBand>(&input.band, errors);
            total.zip(band).map(|(total, band)| {
                instrument::check_lscmi(total, &input.gears_reference).map(|reference| Scored {
                    total,
                    level: band.code().to_owned(),
                    gears: Some(reference),
                    ..Scored::default()
                })
            })
        }
        Instrument::SraFv => {
            let total = number::<i32>("SRA-FV total", &input.total, errors);
            let level = code::<SraFvLevel>(&input.band, errors);
            total.zip(level).map(|(total, level)| {
                instrument::check_sra_fv(total).map(|()| Scored {
                    total,
                    level: level.code().to_owned(),
                    ..Scored::default()
                })
            })
        }
        Instrument::Jsorrat2 => {
            let total = number::<i32>("JSORRAT-II total", &input.total, errors);
            total.zip(scored_on).map(|(total, on)| {
                instrument::check_jsorrat2(total, date_of_birth, on).map(|()| Scored {
                    total,
                    ..Scored::default()
                })
            })
        }
    };
    Ok(match scored {
        Some(Ok(mut s)) => {
            if s.answers.is_empty() {
                s.answers = json(&serde_json::json!({}))?;
            }
            Some(s)
        }
        Some(Err(e)) => {
            errors.push(e.to_string());
            None
        }
        None => None,
    })
}

/// Whether the user held a current SARATSO certification for the instrument on the day.
async fn scorer_certified(
    tx: &Tx,
    user_id: i64,
    instrument: Instrument,
    on: NaiveDate,
) -> Result<bool, AppError> {
    Ok(tx
        .certifications_of(&[user_id], &[])
        .await?
        .iter()
        .any(|c| {
            c.kind == CertificationKind::SaratsoScorer
                && c.instrument.as_deref() == Some(instrument.code())
                && status_on(c.issued_on, c.expires_on, c.revoked_on, on).is_valid()
        }))
}

fn done_steps(steps: &[StepRecord], score_id: i64) -> Vec<StepDone> {
    steps
        .iter()
        .filter(|s| s.risk_score_id == score_id)
        .map(|s| StepDone {
            step: s.step,
            on: s.on,
        })
        .collect()
}

impl App {
    /// Records a score on the case, computed from its items where the instrument has them.
    pub async fn record_score(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        input: &ScoreInput,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let instrument: Instrument = input.instrument.parse()?;
        let (tx, case, grant) = self
            .authorize(
                actor,
                ops::SCORE_RECORD.on(score_kind(instrument)),
                supervisee_id,
                now,
            )
            .await?;
        let today = local_date(now);
        let mut errors = Problems::new();
        let scored_on = date("scored_on", "scored on", &input.scored_on, &mut errors);
        if let Some(d) = scored_on
            && d > today
        {
            errors.at("scored_on", "scored on: it is in the future");
        }
        let reason = input
            .reason
            .parse::<ScoreReason>()
            .map_err(|e| errors.push(e.to_string()))
            .ok();
        if instrument == Instrument::Static99r && case.supervisee.sex == "female" {
            errors.push("Static-99R is scored for adult males only");
        }
        let scorer = match input.scorer_email.trim() {
            "" => actor.user.clone(),
            email => match Email::parse(email) {
                Ok(e) => {
                    let found = tx.user_by_email(&e).await?;
                    if found.is_none() {
                        errors.at(
                            "scorer",
                            format!("scorer: no account has the e-mail address {e}"),
                        );
                    }
                    found
                }
                Err(e) => {
                    errors.at("scorer", format!("scorer: {e}"));
                    None
                }
            },
        };
        let scored = score_fields(
            instrument,
            input,
            case.supervisee.date_of_birth,
            scored_on,
            &mut errors,
        )?;
        let (Some(scored_on), Some(reason), Some(scorer), Some(scored)) =
            (scored_on, reason, scorer, scored)
        else {
            return Err(AppError::InvalidInput(errors));
        };
        if !errors.is_empty() {
            return Err(AppError::InvalidInput(errors));
        }
        let certified = scorer_certified(&tx, scorer.id, instrument, scored_on).await?;
        let uncertified_reason = match (certified, input.uncertified_reason.trim()) {
            (true, _) => None,
            (false, "") => {
                return Err(AppError::invalid(format!(
                    "{} held no current SARATSO certification for {} on {scored_on}: the score is \
                     not valid (R10). An agency admin may record it as uncertified, with a reason.",
                    scorer.display_name,
                    instrument.label()
                )));
            }
            (false, why) => {
                let admin = case
                    .relationships
                    .contains(&Relationship::AdminOfOwningAgency)
                    && actor.has_role(Role::AgencyAdmin);
                if !admin {
                    return Err(AppError::invalid(
                        "only the owning agency's admin may record an uncertified score",
                    ));
                }
                Some(why.chars().take(500).collect::<String>())
            }
        };
        let record = ScoreRecord {
            id: 0,
            supervisee_id,
            instrument,
            scored_on,
            reason,
            scorer_user_id: scorer.id,
            scorer_certified: certified,
            uncertified_reason,
            release_date: scored.release_date,
            answers: scored.answers,
            total: scored.total,
            level: scored.level,
            pre2016_category: scored.pre2016,
            combined_level: scored.combined,
            gears_reference: scored.gears,
            created_at: now,
            recorded_by: actor.author()?,
        };
        let id = tx.create_score(&record, now).await?;
        grant
            .audit_as(if score_kind(instrument) == RecordKind::RiskScore {
                ops::SCORE_RECORD
            } else {
                ops::DYNAMIC_SCORE_RECORD
            })
            .detail(format!(
                "score {id} ({}){}",
                instrument.code(),
                if certified { "" } else { ", uncertified" }
            ))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records a step of a score's chain, by the team member the step belongs to.
    pub async fn record_score_step(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        score_id: i64,
        input: &StepInput,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let step: ChainStep = input.step.parse()?;
        let (tx, case) = self
            .open_case_for(actor, ops::SCORE_STEP, supervisee_id, now)
            .await?;
        let Some(score) = tx
            .scores(supervisee_id)
            .await?
            .into_iter()
            .find(|s| s.id == score_id)
        else {
            return Err(AppError::NotFound);
        };
        let (tx, grant) = case
            .grant(
                tx,
                actor,
                ops::SCORE_STEP.on(score_kind(score.instrument)),
                now,
            )
            .await?;
        let responsible = score_chain::responsible_for(step, score.scored_on);
        if !takes_steps_for(actor, &case.relationships, responsible) {
            return Err(grant
                .refuse(
                    tx,
                    format!("score {score_id}: {} only", responsible.code()),
                    AppError::Forbidden(format!(
                        "this step is taken by the team's {}",
                        responsible.label()
                    )),
                )
                .await);
        }
        let mut errors = Problems::new();
        let on = date("on", "date", &input.on, &mut errors);
        if let Some(d) = on
            && d > local_date(now)
        {
            errors.push("date: it is in the future");
        }
        let text = |v: &str, max: usize| {
            let v = v.trim();
            (!v.is_empty()).then(|| v.chars().take(max).collect::<String>())
        };
        let interpretation = text(&input.interpretation, 4000);
        let method = text(&input.method, 100);
        let reference = text(&input.reference, 100);
        if step == ChainStep::SharedWithOfficer && interpretation.is_none() {
            errors.at(
                "interpretation",
                "interpretation: the score is shared with its interpretation in writing (R5)",
            );
        }
        if step == ChainStep::DojSubmission && method.is_none() {
            errors.at("method", "method: how the score was sent to DOJ");
        }
        let Some(on) = on else {
            return Err(AppError::InvalidInput(errors));
        };
        if !errors.is_empty() {
            return Err(AppError::InvalidInput(errors));
        }
        let steps = tx.score_steps(supervisee_id).await?;
        score_chain::check_step(
            score.instrument,
            score.scored_on,
            &done_steps(&steps, score_id),
            step,
            on,
        )
        .map_err(|e| AppError::Conflict(e.to_owned()))?;
        let id = tx
            .create_score_step(
                &StepRecord {
                    id: 0,
                    risk_score_id: score_id,
                    supervisee_id,
                    step,
                    on,
                    by_user_id: actor.author()?,
                    method,
                    reference,
                    interpretation: interpretation
                        .map(|t| TreatmentField::ScoreInterpretation.wall(actor.user_id(), t)),
                    created_at: now,
                },
                now,
            )
            .await?;
        grant
            .audit()
            .detail(format!("score {score_id}: {}", step.code()))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }
}

/// The case's scores the viewer may read, oldest first, each with its chain.
pub(crate) async fn visible_scores(
    tx: &Tx,
    actor: &Actor,
    case: &CaseAccess,
    scores: &[containment_storage::ScoreRecord],
    steps: &[StepRecord],
    policies: &crate::compliance::Policies,
    default_calendar: &Calendar,
) -> Result<Vec<ScoreEntry>, AppError> {
    if scores.is_empty() {
        return Ok(Vec::new());
    }
    // Deadlines follow the county's own calendar and numbers, as the obligations do.
    let (overrides, calendar) = policies.for_county(
        crate::compliance::case_county(&case.episodes),
        default_calendar,
    );
    // Scorers are mostly on the team; the others' names are read in one statement.
    let mut names: std::collections::HashMap<i64, String> = case
        .team
        .iter()
        .map(|m| (m.user_id, m.user_name.clone()))
        .collect();
    let mut missing: Vec<i64> = scores
        .iter()
        .map(|s| s.scorer_user_id)
        .filter(|id| !names.contains_key(id))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    if !missing.is_empty() {
        names.extend(tx.user_names(&missing).await?);
    }
    let clearance = case.clearance(actor);
    let mut out = Vec::new();
    for record in scores.iter().cloned() {
        if !case
            .decide(actor, Action::Read, score_kind(record.instrument))
            .is_allowed()
        {
            continue;
        }
        let scorer_name = names
            .get(&record.scorer_user_id)
            .cloned()
            .unwrap_or_else(|| "unknown".to_owned());
        let done = done_steps(steps, record.id);
        let waiting = score_chain::waiting_on(
            record.instrument,
            record.scored_on,
            &done,
            calendar,
            overrides,
        );
        let may_record = waiting
            .iter()
            .filter(|w| takes_steps_for(actor, &case.relationships, w.responsible))
            .map(|w| w.step)
            .collect();
        out.push(ScoreEntry {
            steps: steps
                .iter()
                .filter(|s| s.risk_score_id == record.id)
                .cloned()
                .collect(),
            record,
            scorer_name,
            waiting,
            may_record,
            clearance: clearance.clone(),
        });
    }
    Ok(out)
}

/// One DOJ submission for the export: the fields of the SARATSO submission form.
#[derive(Debug, Clone)]
pub struct SubmissionRow {
    pub submitted_on: NaiveDate,
    pub method: String,
    pub reference: String,
    pub submitted_by: String,
    pub supervisee_id: i64,
    pub name: String,
    pub date_of_birth: NaiveDate,
    pub cii: String,
    pub cdcr: String,
    pub court_cases: String,
    pub county_of_conviction: String,
    pub county_of_registration: String,
    pub instrument: Instrument,
    pub scored_on: NaiveDate,
    pub total: i32,
    pub level: String,
    pub scorer: String,
}

impl App {
    /// A score with the case it belongs to, for its page and its printable report. `export`
    /// marks a download (audited as an export, which the policy must allow).
    pub async fn score_detail(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        score_id: i64,
        export: bool,
        now: DateTime<Utc>,
    ) -> Result<(crate::CaseView, ScoreEntry), AppError> {
        let view = self
            .case_view(actor, supervisee_id, now, local_date(now))
            .await?;
        let entry = view
            .scores
            .iter()
            .find(|s| s.record.id == score_id)
            .cloned()
            .ok_or(AppError::NotFound)?;
        if export {
            let op = ops::SCORE_REPORT.on(score_kind(entry.record.instrument));
            let (tx, _, grant) = self.authorize(actor, op, supervisee_id, now).await?;
            grant
                .audit()
                .detail(format!("score {score_id}"))
                .write(&tx)
                .await?;
            tx.commit().await?;
        }
        Ok((view, entry))
    }

    /// DOJ submissions dated `from..=to` on the cases whose scores the actor may export.
    pub async fn doj_submissions(
        &self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<SubmissionRow>, AppError> {
        if to < from {
            return Err(AppError::invalid(
                "to: the end of the range is before its start",
            ));
        }
        let today = local_date(now);
        let tx = self.store.begin_read().await?;
        let mut allowed: std::collections::HashMap<(i64, RecordKind), bool> =
            std::collections::HashMap::new();
        let mut names = std::collections::HashMap::new();
        let mut rows = Vec::new();
        for (step, score) in tx.doj_submissions(from, to).await? {
            let kind = score_kind(score.instrument);
            let Some(supervisee) = tx.supervisee(score.supervisee_id).await? else {
                continue;
            };
            let ok = match allowed.get(&(supervisee.id, kind)) {
                Some(v) => *v,
                None => {
                    let rels = self.relationships(&tx, actor, &supervisee, today).await?;
                    let v = crate::case_access::decide_on_case(actor, &rels, Action::Export, kind)
                        .is_allowed();
                    allowed.insert((supervisee.id, kind), v);
                    v
                }
            };
            if !ok {
                continue;
            }
            let mut name_of = async |id: i64| -> Result<String, AppError> {
                if let Some(n) = names.get(&id) {
                    return Ok(String::clone(n));
                }
                let n = tx
                    .user(id)
                    .await?
                    .map_or_else(|| "unknown".to_owned(), |u| u.display_name);
                names.insert(id, n.clone());
                Ok(n)
            };
            let submitted_by = name_of(step.by_user_id).await?;
            let scorer = name_of(score.scorer_user_id).await?;
            rows.push(SubmissionRow {
                submitted_on: step.on,
                method: step.method.unwrap_or_default(),
                reference: step.reference.unwrap_or_default(),
                submitted_by,
                supervisee_id: supervisee.id,
                name: supervisee.legal_name,
                date_of_birth: supervisee.date_of_birth,
                cii: supervisee.cii.unwrap_or_default(),
                cdcr: supervisee.cdcr.unwrap_or_default(),
                court_cases: supervisee.court_cases.join(" "),
                county_of_conviction: supervisee.county_of_conviction.unwrap_or_default(),
                county_of_registration: supervisee.county_of_registration.unwrap_or_default(),
                instrument: score.instrument,
                scored_on: score.scored_on,
                total: score.total,
                level: score.level,
                scorer,
            });
        }
        AuditEntry::new("score_submissions_export", Outcome::Success, now)
            .by(actor)
            .detail(format!("{from} to {to}: {} rows", rows.len()))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(rows)
    }
}

/// The label of a stored level code, whatever the instrument.
pub fn level_label(instrument: Instrument, code: &str) -> String {
    use containment_domain::instrument::{StableBand, Static99rLevel};
    let label = match instrument {
        Instrument::Static99r => code.parse::<Static99rLevel>().ok().map(|l| l.label()),
        Instrument::Stable2007 => code.parse::<StableBand>().ok().map(|l| l.label()),
        Instrument::LsCmi => code.parse::<LsCmiBand>().ok().map(|l| l.label()),
        Instrument::SraFv => code.parse::<SraFvLevel>().ok().map(|l| l.label()),
        Instrument::Acute2007 => {
            return code
                .strip_prefix("sex_violence_")
                .map(|n| format!("sexual/violent subtotal {n}"))
                .unwrap_or_default();
        }
        Instrument::Jsorrat2 => None,
    };
    label.map(str::to_owned).unwrap_or_default()
}

/// The items of a stored score with their points, re-scored from the stored answers (empty for
/// instruments recorded by their total only).
pub fn score_items(record: &ScoreRecord) -> Vec<instrument::ItemPoints> {
    let items = match record.instrument {
        Instrument::Static99r => serde_json::from_str::<Static99rAnswers>(&record.answers)
            .ok()
            .and_then(|a| instrument::score_static99r(&a).ok())
            .map(|r| r.items),
        Instrument::Stable2007 => serde_json::from_str::<Stable2007Answers>(&record.answers)
            .ok()
            .and_then(|a| instrument::score_stable2007(&a).ok())
            .map(|r| r.items),
        Instrument::Acute2007 => serde_json::from_str::<Acute2007Answers>(&record.answers)
            .ok()
            .and_then(|a| instrument::score_acute2007(&a).ok())
            .map(|r| r.items),
        _ => None,
    };
    items.unwrap_or_default()
}
