//! Polygraph exams: recording an exam by the team's examiner with their PCSOT certification
//! checked on the exam date, the case's exams as each viewer may see them (disclosures only
//! past the waiver wall), the next maintenance exam, and the follow-up actions agreed after an
//! exam.

use crate::Problems;
use chrono::{DateTime, NaiveDate, Utc};
use containment_domain::access::{Action, RecordKind, Relationship, TeamRole};
use containment_domain::case::local_date;
use containment_domain::certification::CertificationKind;
use containment_domain::polygraph::{self, DisclosureCategory, ExamResult, ExamType};
use containment_storage::{ExamRecord, FollowupRecord, NotificationRecord, ReferralRecord, Tx};

use crate::actor::Actor;
use crate::case_access::{CaseAccess, Grant, Operation, ops};
use crate::certifications::holds_valid;
use crate::input::date;
use crate::{App, AppError};

/// Longest referral questions kept, in characters.
const MAX_QUESTIONS: usize = 4000;
/// Longest disclosures kept, in characters.
const MAX_DISCLOSURES: usize = 8000;
/// Longest follow-up action kept, in characters.
const MAX_ACTION: usize = 1000;

/// An exam as typed in.
#[derive(Debug, Clone, Default)]
pub struct ExamInput {
    pub exam_type: String,
    pub exam_date: String,
    /// The questions drafted with the team.
    pub referral_questions: String,
    pub result: String,
    /// What the supervisee disclosed; empty when nothing was.
    pub disclosures: String,
    /// What the disclosures are about (codes of [`DisclosureCategory`]); at least one when
    /// something was disclosed.
    pub disclosure_categories: Vec<String>,
    /// The team's referral this exam takes up, if any.
    pub referral_id: String,
}

/// Referral questions the team drafts for an exam.
#[derive(Debug, Clone, Default)]
pub struct ReferralInput {
    pub exam_type: String,
    pub questions: String,
}

/// An open referral as the core team sees it.
#[derive(Debug, Clone)]
pub struct ReferralEntry {
    pub record: ReferralRecord,
    pub drafted_by_name: String,
}

/// A follow-up action as typed in.
#[derive(Debug, Clone, Default)]
pub struct FollowupInput {
    /// The exam it follows.
    pub exam_id: String,
    pub action: String,
    /// The team role that owns it.
    pub owner_role: String,
    pub due_on: String,
}

/// An exam as one viewer sees it.
#[derive(Debug, Clone)]
pub struct ExamEntry {
    pub id: i64,
    pub exam_type: ExamType,
    pub exam_date: NaiveDate,
    pub examiner_user_id: i64,
    pub examiner_name: String,
    pub referral_questions: String,
    pub result: ExamResult,
    /// The disclosures, when there are some and the viewer's waivers let them read them.
    pub disclosures: Option<String>,
    /// What they are about; empty when the disclosures are withheld.
    pub disclosure_categories: Vec<DisclosureCategory>,
    /// Disclosures were made, but no waiver lets this viewer read them.
    pub disclosures_withheld: bool,
    pub recorded_at: DateTime<Utc>,
}

/// Disclosures shown to a viewer who may read them (a consent names them) but not the exams.
#[derive(Debug, Clone)]
pub struct DisclosureEntry {
    pub exam_id: i64,
    pub exam_date: NaiveDate,
    pub text: String,
    pub categories: Vec<DisclosureCategory>,
}

/// A follow-up action as one viewer sees it.
#[derive(Debug, Clone)]
pub struct FollowupEntry {
    pub record: FollowupRecord,
    pub done_by_name: Option<String>,
    /// Open and past its due date.
    pub overdue: bool,
}

/// The case's exams as one viewer may see them.
#[derive(Debug, Clone)]
pub struct ExamsView {
    pub supervisee_id: i64,
    pub name: String,
    /// The viewer reads the exams. When false, only `disclosures_only` is filled: the viewer
    /// reads disclosures under a consent naming them, but not the exams.
    pub exams_readable: bool,
    /// Newest exam date first.
    pub exams: Vec<ExamEntry>,
    pub disclosures_only: Vec<DisclosureEntry>,
    /// Earliest due first.
    pub followups: Vec<FollowupEntry>,
    pub latest_maintenance: Option<NaiveDate>,
    /// Twelve months after the latest maintenance exam; `None` when none is on record.
    pub next_maintenance: Option<NaiveDate>,
    /// The viewer records exams (the examiner on the team).
    pub may_record: bool,
    /// The viewer adds and completes follow-up actions, and drafts referral questions (the
    /// core team).
    pub may_follow_up: bool,
    /// Referral questions the team drafted and no exam has taken up yet, newest first.
    pub referrals: Vec<ReferralEntry>,
    /// The waiver that let disclosures through, when some were shown.
    pub waiver_id: Option<i64>,
}

fn text(v: &str, max: usize) -> Option<String> {
    let v = v.trim();
    (!v.is_empty()).then(|| v.chars().take(max).collect())
}

/// Whether the actor serves on the case's core team (officer, provider, examiner), who keep
/// the follow-up actions and referral questions.
fn on_core_team(actor: &Actor, relationships: &[Relationship]) -> bool {
    crate::case_access::takes(
        actor,
        relationships,
        containment_domain::access::Step::KeepExamFollowUp,
    )
}

async fn name_of(
    tx: &Tx,
    names: &mut std::collections::HashMap<i64, String>,
    id: i64,
) -> Result<String, AppError> {
    if let Some(n) = names.get(&id) {
        return Ok(String::clone(n));
    }
    let n = tx
        .user(id)
        .await?
        .map_or_else(|| "unknown".to_owned(), |u| u.display_name);
    names.insert(id, n.clone());
    Ok(n)
}

impl App {
    /// Records an exam given by the acting examiner.
    pub async fn record_exam(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        input: &ExamInput,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let (mut tx, case, grant) = self
            .authorize(actor, ops::POLYGRAPH_EXAM_RECORD, supervisee_id, now)
            .await?;
        let disclosures = text(&input.disclosures, MAX_DISCLOSURES);
        if disclosures.is_some() {
            let disclose = case.decide(actor, Action::Create, RecordKind::Disclosure);
            tx = grant.require(tx, &disclose).await?;
        }
        let Some(examiner) = actor.user.clone() else {
            return Err(AppError::Forbidden(
                "an exam is recorded by the examiner who gave it".into(),
            ));
        };
        let mut errors = Problems::new();
        let exam_type = input
            .exam_type
            .parse::<ExamType>()
            .map_err(|e| errors.push(e.to_string()))
            .ok();
        let exam_date = date("exam_date", "exam date", &input.exam_date, &mut errors);
        if let Some(d) = exam_date
            && d > local_date(now)
        {
            errors.at("exam_date", "exam date: it is in the future");
        }
        let result = input
            .result
            .parse::<ExamResult>()
            .map_err(|e| errors.push(e.to_string()))
            .ok();
        let mut categories = Vec::new();
        for c in &input.disclosure_categories {
            match c.parse::<DisclosureCategory>() {
                Ok(c) if !categories.contains(&c) => categories.push(c),
                Ok(_) => {}
                Err(e) => errors.push(e.to_string()),
            }
        }
        match (&disclosures, categories.is_empty()) {
            (Some(_), true) => errors.at(
                "disclosures",
                "disclosures: say what they are about (one category or more)",
            ),
            (None, false) => errors.at(
                "disclosure_categories",
                "disclosure categories: write the disclosures, or leave the categories empty",
            ),
            _ => {}
        }
        if let (Some(t), Some(r)) = (exam_type, result)
            && let Err(e) = polygraph::check_result(t, r)
        {
            errors.push(e);
        }
        let questions = text(&input.referral_questions, MAX_QUESTIONS);
        if questions.is_none() {
            errors.at(
                "referral_questions",
                "referral questions: the questions drafted with the team",
            );
        }
        let (Some(exam_type), Some(exam_date), Some(result), Some(questions)) =
            (exam_type, exam_date, result, questions)
        else {
            return Err(AppError::InvalidInput(errors));
        };
        if !errors.is_empty() {
            return Err(AppError::InvalidInput(errors));
        }
        let certs = tx.certifications_of(&[examiner.id], &[]).await?;
        if !holds_valid(&certs, CertificationKind::PolygraphPcsot, &[exam_date]) {
            return Err(AppError::invalid(format!(
                "{} held no current {} certification on {exam_date}: an exam by an examiner \
                 without it cannot be recorded (R10)",
                examiner.display_name,
                CertificationKind::PolygraphPcsot.label()
            )));
        }
        let referral = match input.referral_id.trim() {
            "" => None,
            v => {
                let open = match v.parse::<i64>() {
                    Ok(rid) => tx
                        .polygraph_referrals(supervisee_id)
                        .await?
                        .into_iter()
                        .find(|r| r.id == rid && r.exam_id.is_none()),
                    Err(_) => None,
                };
                match open {
                    Some(r) => Some(r.id),
                    None => {
                        return Err(AppError::invalid(format!(
                            "referral: \"{v}\" is not an open referral of this case"
                        )));
                    }
                }
            }
        };
        let with_disclosures = disclosures.is_some();
        let id = tx
            .create_polygraph_exam(
                &ExamRecord {
                    id: 0,
                    supervisee_id,
                    exam_type,
                    exam_date,
                    examiner_user_id: examiner.id,
                    referral_questions: questions,
                    result,
                    disclosures,
                    disclosure_categories: categories.clone(),
                    created_at: now,
                    recorded_by: examiner.id,
                },
                now,
            )
            .await?;
        if with_disclosures {
            self.route_disclosures(&tx, &case, id, exam_date, now)
                .await?;
        }
        if let Some(rid) = referral
            && !tx.take_up_polygraph_referral(rid, id).await?
        {
            return Err(AppError::Conflict(format!(
                "referral {rid} was taken up by another exam meanwhile"
            )));
        }
        grant
            .audit()
            .detail(format!(
                "exam {id} ({}){}",
                exam_type.code(),
                if with_disclosures {
                    ", with disclosures"
                } else {
                    ""
                }
            ))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The case's exams, follow-ups and next maintenance date, as the actor may see them.
    pub async fn exams(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        now: DateTime<Utc>,
    ) -> Result<ExamsView, AppError> {
        let op = ops::POLYGRAPH_EXAM_LIST;
        let (tx, case) = self.open_case_for(actor, op, supervisee_id, now).await?;
        let exam_read = case.decide(actor, Action::Read, RecordKind::PolygraphExam);
        let disclosure_read = case.decide(actor, Action::Read, RecordKind::Disclosure);
        // Disclosures alone (under a waiver) are enough to open the list.
        let either = match exam_read.is_allowed() || !disclosure_read.is_allowed() {
            true => &exam_read,
            false => &disclosure_read,
        };
        let (tx, grant) = case.grant_with(tx, actor, op, either, now).await?;
        let today = local_date(now);
        let records = tx.polygraph_exams(supervisee_id).await?;
        let shows_disclosures = disclosure_read.is_allowed();
        let disclosed = records.iter().any(|r| r.disclosures.is_some());
        let view = if exam_read.is_allowed() {
            exams_view(&tx, actor, &case, records, today, &self.calendar).await?
        } else {
            ExamsView {
                disclosures_only: records
                    .into_iter()
                    .filter_map(|r| {
                        r.disclosures.map(|text| DisclosureEntry {
                            exam_id: r.id,
                            exam_date: r.exam_date,
                            text,
                            categories: r.disclosure_categories,
                        })
                    })
                    .collect(),
                ..empty_view(&case)
            }
        };
        let waiver = if shows_disclosures && disclosed {
            disclosure_read.waiver().map(|w| w.0)
        } else {
            None
        };
        let detail = match (view.exams_readable, disclosed, shows_disclosures) {
            (true, false, _) => format!("{} exams", view.exams.len()),
            (true, true, true) => format!("{} exams, disclosures shown", view.exams.len()),
            (true, true, false) => format!("{} exams, disclosures withheld", view.exams.len()),
            (false, _, _) => format!("disclosures only, {}", view.disclosures_only.len()),
        };
        grant
            .audit()
            .waiver(waiver)
            .detail(detail)
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(ExamsView {
            waiver_id: waiver,
            ..view
        })
    }

    /// Sends word of an exam's disclosures to the provider and the officer on the team. The
    /// message names the exam, never what was disclosed: that stays behind the waiver wall.
    async fn route_disclosures(
        &self,
        tx: &Tx,
        case: &CaseAccess,
        exam_id: i64,
        exam_date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let today = local_date(now);
        let case_id = case.supervisee.id;
        let sides = case.members_in(today, &crate::treatment::TREATMENT_SIDES);
        case.notify(
            tx,
            sides.iter().map(|m| m.user_id),
            NotificationRecord {
                id: 0,
                user_id: 0,
                supervisee_id: case_id,
                obligation_key: format!("disclosure:{exam_id}"),
                kind: "disclosure".into(),
                due_on: today,
                message: format!(
                    "The polygraph exam of {} recorded disclosures: read them on the case's polygraph page.",
                    containment_domain::case::day_words(exam_date)
                ),
                created_at: now,
                read_at: None,
            },
            now,
        )
        .await
    }

    /// The core team drafts the questions for the next exam; the examiner takes them up when
    /// recording it.
    pub async fn draft_referral(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        input: &ReferralInput,
        now: DateTime<Utc>,
    ) -> Result<i64, AppError> {
        let (tx, grant) = self
            .followup_access(actor, ops::POLYGRAPH_REFERRAL_DRAFT, supervisee_id, now)
            .await?;
        let mut errors = Problems::new();
        let exam_type = input
            .exam_type
            .parse::<ExamType>()
            .map_err(|e| errors.push(e.to_string()))
            .ok();
        let questions = text(&input.questions, MAX_QUESTIONS);
        if questions.is_none() {
            errors.at(
                "questions",
                "questions: write the questions for the examiner",
            );
        }
        let (Some(exam_type), Some(questions)) = (exam_type, questions) else {
            return Err(AppError::InvalidInput(errors));
        };
        let id = tx
            .create_polygraph_referral(&ReferralRecord {
                id: 0,
                supervisee_id,
                exam_type,
                questions,
                drafted_by: actor.author()?,
                drafted_at: now,
                exam_id: None,
            })
            .await?;
        grant
            .audit()
            .detail(format!("referral {id} ({})", exam_type.code()))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Adds a follow-up action to one of the case's exams; answers the record as stored.
    pub async fn add_followup(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        input: &FollowupInput,
        now: DateTime<Utc>,
    ) -> Result<FollowupRecord, AppError> {
        let (tx, grant) = self
            .followup_access(actor, ops::POLYGRAPH_FOLLOWUP_ADD, supervisee_id, now)
            .await?;
        let mut errors = Problems::new();
        let exams = tx.polygraph_exams(supervisee_id).await?;
        let exam = match input.exam_id.trim().parse::<i64>() {
            Ok(id) => match exams.iter().find(|e| e.id == id) {
                Some(e) => Some(e),
                None => {
                    errors.at("exam_date", format!("exam: this case has no exam {id}"));
                    None
                }
            },
            Err(_) => {
                errors.at("exam_date", "exam: choose the exam the action follows");
                None
            }
        };
        let action = text(&input.action, MAX_ACTION);
        if action.is_none() {
            errors.at("action", "action: say what is to be done");
        }
        let owner = input
            .owner_role
            .parse::<TeamRole>()
            .map_err(|e| errors.push(format!("owner: {e}")))
            .ok();
        let due_on = date("due_on", "due on", &input.due_on, &mut errors);
        if let (Some(e), Some(d)) = (exam, due_on)
            && d < e.exam_date
        {
            errors.at("due_on", "due on: it is before the exam");
        }
        let (Some(exam), Some(action), Some(owner_role), Some(due_on)) =
            (exam, action, owner, due_on)
        else {
            return Err(AppError::InvalidInput(errors));
        };
        if !errors.is_empty() {
            return Err(AppError::InvalidInput(errors));
        }
        let exam_id = exam.id;
        let mut record = FollowupRecord {
            id: 0,
            supervisee_id,
            exam_id,
            action,
            owner_role,
            due_on,
            created_by: actor.author()?,
            created_at: now,
            done_on: None,
            done_by: None,
            done_at: None,
        };
        let id = tx.create_polygraph_followup(&record, now).await?;
        record.id = id;
        grant
            .audit()
            .detail(format!(
                "follow-up {id} of exam {exam_id}, owner {}",
                owner_role.code()
            ))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Marks a follow-up action done today; answers the record as it now stands.
    pub async fn complete_followup(
        &self,
        actor: &Actor,
        supervisee_id: i64,
        followup_id: i64,
        now: DateTime<Utc>,
    ) -> Result<FollowupRecord, AppError> {
        let (tx, grant) = self
            .followup_access(actor, ops::POLYGRAPH_FOLLOWUP_DONE, supervisee_id, now)
            .await?;
        let Some(followup) = tx
            .polygraph_followups(supervisee_id)
            .await?
            .into_iter()
            .find(|f| f.id == followup_id)
        else {
            return Err(AppError::NotFound);
        };
        if followup.done_on.is_some() {
            return Err(AppError::Conflict("this follow-up is already done".into()));
        }
        let by = actor.author()?;
        let today = local_date(now);
        if !tx
            .complete_polygraph_followup(supervisee_id, followup_id, today, by, now)
            .await?
        {
            return Err(AppError::Conflict("this follow-up is already done".into()));
        }
        grant
            .audit()
            .detail(format!("follow-up {followup_id}"))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(FollowupRecord {
            done_on: Some(today),
            done_by: Some(by),
            done_at: Some(now),
            ..followup
        })
    }

    /// Lets through the core team (who read the exams); every refusal is audited.
    async fn followup_access<'a>(
        &self,
        actor: &'a Actor,
        op: Operation,
        supervisee_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(Tx, Grant<'a>), AppError> {
        let (tx, case, grant) = self.authorize(actor, op, supervisee_id, now).await?;
        if !on_core_team(actor, &case.relationships) {
            return Err(grant
                .refuse(
                    tx,
                    "core team only".into(),
                    AppError::Forbidden(
                        "follow-up actions and referral questions are kept by the officer, the \
                         treatment provider and the polygraph examiner on the team"
                            .into(),
                    ),
                )
                .await);
        }
        Ok((tx, grant))
    }
}

fn empty_view(case: &CaseAccess) -> ExamsView {
    ExamsView {
        supervisee_id: case.supervisee.id,
        name: case.supervisee.legal_name.clone(),
        exams_readable: false,
        exams: Vec::new(),
        disclosures_only: Vec::new(),
        followups: Vec::new(),
        latest_maintenance: None,
        next_maintenance: None,
        may_record: false,
        may_follow_up: false,
        referrals: Vec::new(),
        waiver_id: None,
    }
}

/// The exams for a viewer who reads them; disclosures only when the wall lets them through.
async fn exams_view(
    tx: &Tx,
    actor: &Actor,
    case: &CaseAccess,
    records: Vec<ExamRecord>,
    today: NaiveDate,
    calendar: &containment_domain::calendar::Calendar,
) -> Result<ExamsView, AppError> {
    let shows_disclosures = case
        .decide(actor, Action::Read, RecordKind::Disclosure)
        .is_allowed();
    let latest_maintenance = records
        .iter()
        .filter(|r| r.exam_type == ExamType::Maintenance)
        .map(|r| r.exam_date)
        .max();
    let mut names = std::collections::HashMap::new();
    let mut exams = Vec::with_capacity(records.len());
    for r in records {
        let examiner_name = name_of(tx, &mut names, r.examiner_user_id).await?;
        let withheld = r.disclosures.is_some() && !shows_disclosures;
        exams.push(ExamEntry {
            id: r.id,
            exam_type: r.exam_type,
            exam_date: r.exam_date,
            examiner_user_id: r.examiner_user_id,
            examiner_name,
            referral_questions: r.referral_questions,
            result: r.result,
            disclosures: r.disclosures.filter(|_| shows_disclosures),
            disclosure_categories: if shows_disclosures {
                r.disclosure_categories
            } else {
                Vec::new()
            },
            disclosures_withheld: withheld,
            recorded_at: r.created_at,
        });
    }
    let mut followups = Vec::new();
    for f in tx.polygraph_followups(case.supervisee.id).await? {
        let done_by_name = match f.done_by {
            Some(id) => Some(name_of(tx, &mut names, id).await?),
            None => None,
        };
        followups.push(FollowupEntry {
            overdue: f.done_on.is_none() && f.due_on < today,
            done_by_name,
            record: f,
        });
    }
    let mut referrals = Vec::new();
    for r in tx.polygraph_referrals(case.supervisee.id).await? {
        if r.exam_id.is_none() {
            referrals.push(ReferralEntry {
                drafted_by_name: name_of(tx, &mut names, r.drafted_by).await?,
                record: r,
            });
        }
    }
    Ok(ExamsView {
        exams_readable: true,
        exams,
        followups,
        referrals,
        latest_maintenance,
        next_maintenance: {
            // The date R9 gives for the next maintenance exam, so that this page and the
            // obligations agree (the first falls due from the treatment's start, not from an
            // earlier exam); without an open R9 obligation, the last exam plus the interval.
            let policies = crate::compliance::load_policies(tx).await?;
            let records = crate::compliance::CaseRecords::of_case(tx, case).await?;
            let mut loaded = Vec::new();
            crate::compliance::assemble(&[case.supervisee.id], records, &mut loaded);
            let mut owed: Option<NaiveDate> = None;
            if let Some(loaded) = loaded.first() {
                crate::compliance::evaluate_case(loaded, &policies, calendar, today, &mut |o| {
                    if o.key.rule == containment_domain::policy::RuleId::R9
                        && o.status.is_open()
                        && let Some(due) = o.due
                    {
                        owed = Some(owed.map_or(due, |d| d.min(due)));
                    }
                });
            }
            let overrides = policies.overrides_for(crate::compliance::case_county(&case.episodes));
            let months = containment_domain::policy::param(
                containment_domain::policy::PolicyPackId::in_force_on(today),
                containment_domain::policy::RuleId::R9,
                "months",
                overrides,
                i64::from(polygraph::MAINTENANCE_INTERVAL_MONTHS),
            );
            owed.or(polygraph::next_maintenance(
                latest_maintenance,
                u32::try_from(months).unwrap_or(polygraph::MAINTENANCE_INTERVAL_MONTHS),
            ))
        },
        may_record: case
            .decide(actor, Action::Create, RecordKind::PolygraphExam)
            .is_allowed(),
        may_follow_up: on_core_team(actor, &case.relationships),
        ..empty_view(case)
    })
}
