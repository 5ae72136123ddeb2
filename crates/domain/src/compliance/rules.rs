//! Rules R1-R13. Each reads the case's facts and emits its obligations; the pack that governs
//! an obligation is chosen by the date of the event that starts it.

use chrono::{Datelike, Days, Months, NaiveDate};

use super::{
    CaseFacts, Context, Note, Obligation, ObligationKey, ObligationStatus, Subject, status,
};
use crate::access::TeamRole;
use crate::certification::{CertificationKind, covered_until, lapses};
use crate::instrument::Instrument;
use crate::policy::{PolicyPackId, RuleId, param};
use crate::score_chain::ChainStep;

/// Placements from this day on must complete treatment successfully (R8).
const COMPLETION_REQUIRED_FROM: NaiveDate = match NaiveDate::from_ymd_opt(2012, 7, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Longest chain of maintenance exams followed for one treatment (a century of yearly exams).
const MAX_EXAMS: usize = 200;

fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    let n = u64::try_from(n).unwrap_or(0);
    d.checked_add_days(Days::new(n)).unwrap_or(NaiveDate::MAX)
}

fn sub_days(d: NaiveDate, n: i64) -> NaiveDate {
    let n = u64::try_from(n).unwrap_or(0);
    d.checked_sub_days(Days::new(n)).unwrap_or(NaiveDate::MIN)
}

fn add_months(d: NaiveDate, n: i64) -> NaiveDate {
    let n = u32::try_from(n).unwrap_or(0);
    d.checked_add_months(Months::new(n))
        .unwrap_or(NaiveDate::MAX)
}

pub(super) fn month_index(d: NaiveDate) -> i32 {
    d.year() * 12 + i32::try_from(d.month0()).unwrap_or(0)
}

fn last_day_of_month(index: i32) -> NaiveDate {
    let (year, month0) = (index.div_euclid(12), index.rem_euclid(12));
    let first_next = if month0 == 11 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, u32::try_from(month0 + 2).unwrap_or(1), 1)
    };
    first_next
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

fn is_dynamic(i: Instrument) -> bool {
    matches!(i, Instrument::Stable2007 | Instrument::SraFv)
}

fn step_on(steps: &[crate::score_chain::StepDone], step: ChainStep) -> Option<NaiveDate> {
    steps.iter().filter(|s| s.step == step).map(|s| s.on).min()
}

struct Eval<'a, 'f> {
    facts: &'a CaseFacts,
    ctx: &'a Context<'a>,
    emit: &'f mut dyn FnMut(Obligation),
}

impl<'a> Eval<'a, '_> {
    /// The member serving in `role` on `day`, else the latest to have served in it.
    fn who(&self, role: TeamRole, day: NaiveDate) -> Option<i64> {
        let team = &self.facts.team;
        team.iter()
            .find(|m| m.role == role && m.active_on(day))
            .or_else(|| {
                team.iter()
                    .filter(|m| m.role == role)
                    .max_by_key(|m| m.start)
            })
            .map(|m| m.user_id)
    }

    fn param(&self, pack: PolicyPackId, rule: RuleId, name: &str, default: i64) -> i64 {
        param(pack, rule, name, self.ctx.overrides, default)
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        rule: RuleId,
        subject: Subject,
        part: u8,
        pack: PolicyPackId,
        responsible: TeamRole,
        due: Option<NaiveDate>,
        met_on: Option<NaiveDate>,
        note: Note,
    ) {
        self.push_with(
            rule,
            subject,
            part,
            pack,
            responsible,
            due,
            met_on,
            note,
            status(due, met_on, self.ctx.today),
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn push_with(
        &mut self,
        rule: RuleId,
        subject: Subject,
        part: u8,
        pack: PolicyPackId,
        responsible: TeamRole,
        due: Option<NaiveDate>,
        met_on: Option<NaiveDate>,
        note: Note,
        status: ObligationStatus,
    ) {
        let day = due.unwrap_or(self.ctx.today).min(self.ctx.today);
        let mut o = Obligation {
            key: ObligationKey {
                rule,
                subject,
                part,
            },
            pack,
            responsible,
            responsible_user: match subject {
                Subject::Member(user) => Some(user),
                _ => self.who(responsible, day),
            },
            due,
            met_on,
            status,
            note,
        };
        if o.status != ObligationStatus::MetOnTime
            && o.status != ObligationStatus::NotApplicable
            && self.facts.exemptions.iter().any(|e| e.covers(&o))
        {
            o.status = ObligationStatus::Exempted;
        }
        (self.emit)(o);
    }

    /// R1: a documented contact in every month of treatment.
    fn r1(&mut self) {
        let today = self.ctx.today;
        let Some(first) = self.facts.treatments.iter().map(|t| t.start).min() else {
            return;
        };
        if first > today {
            return;
        }
        let base = month_index(first);
        let last = month_index(today);
        let span = usize::try_from(last - base + 1).unwrap_or(0);
        // Per month: in treatment, earliest contact documented by both sides, any one-sided.
        let mut months: Vec<(bool, Option<NaiveDate>, bool)> = vec![(false, None, false); span];
        for t in &self.facts.treatments {
            let from = month_index(t.start).max(base);
            let to = month_index(t.end.map_or(today, |(e, _)| e.min(today))).min(last);
            for m in from..=to {
                if let Some(slot) = usize::try_from(m - base)
                    .ok()
                    .and_then(|i| months.get_mut(i))
                {
                    slot.0 = true;
                }
            }
        }
        for c in &self.facts.contacts {
            let Some(slot) = usize::try_from(month_index(c.on) - base)
                .ok()
                .and_then(|i| months.get_mut(i))
            else {
                continue;
            };
            if c.by_provider && c.by_officer {
                slot.1 = Some(slot.1.map_or(c.on, |d| d.min(c.on)));
            } else if c.by_provider || c.by_officer {
                slot.2 = true;
            }
        }
        for (i, (in_treatment, both, one_sided)) in months.into_iter().enumerate() {
            if !in_treatment {
                continue;
            }
            let index = base + i32::try_from(i).unwrap_or(0);
            let due = last_day_of_month(index);
            let note = if both.is_none() && one_sided {
                Note::Unconfirmed
            } else {
                Note::None
            };
            self.push(
                RuleId::R1,
                Subject::Month(index),
                0,
                PolicyPackId::in_force_on(due),
                TeamRole::SupervisingOfficer,
                Some(due),
                both,
                note,
            );
        }
    }

    /// R2: a Static-99R (JSORRAT-II for a juvenile) before supervision starts.
    fn r2(&mut self) {
        let facts = self.facts;
        for e in facts
            .episodes
            .iter()
            .filter(|e| e.kind.is_post_conviction())
        {
            if !facts.male && !facts.juvenile {
                continue;
            }
            let (instrument, note) = if facts.juvenile {
                (Instrument::Jsorrat2, Note::Juvenile)
            } else {
                (Instrument::Static99r, Note::None)
            };
            let starts = match e.kind {
                crate::case::SupervisionKind::Probation => e.placed_on.unwrap_or(e.start),
                _ => e.start,
            };
            let due = sub_days(starts, 1);
            let met = facts
                .scores
                .iter()
                .filter(|s| s.instrument == instrument && s.scored_on >= sub_days(due, 365))
                .map(|s| s.scored_on)
                .min();
            self.push(
                RuleId::R2,
                Subject::Episode(e.id),
                0,
                PolicyPackId::in_force_on(due),
                TeamRole::SupervisingOfficer,
                Some(due),
                met,
                note,
            );
        }
    }

    /// R3, R4 (intake scores), R8, R9: what each post-conviction treatment owes.
    fn treatments(&mut self) {
        let facts = self.facts;
        let today = self.ctx.today;
        let mut exams: Vec<NaiveDate> = facts.maintenance_polygraphs.clone();
        exams.sort_unstable();
        for t in facts.treatments.iter().filter(|t| t.post_conviction) {
            let pack = PolicyPackId::in_force_on(t.start);
            // R3: review of the latest Static-99R by the end of intake.
            let due = add_days(t.start, self.param(pack, RuleId::R3, "intake_days", 30));
            let reviewed = facts
                .scores
                .iter()
                .filter(|s| s.instrument == Instrument::Static99r && s.scored_on <= due)
                .max_by_key(|s| s.scored_on)
                .and_then(|s| step_on(&s.steps, ChainStep::ProviderReview));
            self.push(
                RuleId::R3,
                Subject::Treatment(t.id),
                0,
                pack,
                TeamRole::TreatmentProvider,
                Some(due),
                reviewed,
                Note::None,
            );
            // R4: dynamic and violence scores within 90 days, never past 120.
            let target = add_days(t.start, self.param(pack, RuleId::R4, "target_days", 90));
            let limit = add_days(t.start, self.param(pack, RuleId::R4, "limit_days", 120));
            for (part, wanted) in [(0u8, true), (1u8, false)] {
                let met = facts
                    .scores
                    .iter()
                    .filter(|s| {
                        s.scored_on >= t.start
                            && if wanted {
                                is_dynamic(s.instrument)
                            } else {
                                s.instrument == Instrument::LsCmi
                            }
                    })
                    .map(|s| s.scored_on)
                    .min();
                let past_limit = met.map_or(today > limit, |m| m > limit);
                self.push(
                    RuleId::R4,
                    Subject::Treatment(t.id),
                    part,
                    pack,
                    TeamRole::TreatmentProvider,
                    Some(target),
                    met,
                    if past_limit {
                        Note::PastLimit
                    } else {
                        Note::Part(part)
                    },
                );
            }
            // A transfer followed by the next treatment within the bridge is one treatment for
            // R8, judged once from the first start to the last end.
            if !self.continues_a_transfer(t) {
                let mut whole = t.clone();
                let mut link = t;
                for _ in 0..facts.treatments.len() {
                    let Some(next) = self.transferred_to(link) else {
                        break;
                    };
                    whole.end = next.end;
                    link = next;
                }
                self.r8(&whole);
            }
            self.r9(t, &exams);
        }
    }

    /// The post-conviction treatment that took over from `t`, when `t` ended as a transfer and
    /// the next one started within the bridge.
    fn transferred_to(&self, t: &super::TreatmentFact) -> Option<&'a super::TreatmentFact> {
        let Some((end, super::TreatmentEnd::Transferred)) = t.end else {
            return None;
        };
        let pack = PolicyPackId::in_force_on(t.start);
        let bridge = self.param(pack, RuleId::R8, "transfer_bridge_days", 7);
        self.facts
            .treatments
            .iter()
            .filter(|u| u.post_conviction && u.id != t.id)
            .filter(|u| u.start >= end && u.start <= add_days(end, bridge))
            .min_by_key(|u| (u.start, u.id))
    }

    fn continues_a_transfer(&self, t: &super::TreatmentFact) -> bool {
        self.facts
            .treatments
            .iter()
            .filter(|u| u.post_conviction && u.id != t.id)
            .any(|u| self.transferred_to(u).is_some_and(|next| next.id == t.id))
    }

    /// R8: at least a year (or the rest of a shorter term); completion for placements on or
    /// after 2012-07-01.
    fn r8(&mut self, t: &super::TreatmentFact) {
        let facts = self.facts;
        let today = self.ctx.today;
        let pack = PolicyPackId::in_force_on(t.start);
        let episode = facts
            .episodes
            .iter()
            .filter(|e| e.kind.is_post_conviction() && e.start <= t.start)
            .max_by_key(|e| e.start);
        let placed = episode.and_then(|e| e.placed_on.or(Some(e.start)));
        let term_end = episode.and_then(|e| e.actual_end.or(e.expected_end));
        let year = add_months(t.start, self.param(pack, RuleId::R8, "months", 12));
        let min_end = term_end.map_or(year, |e| e.min(year));
        let completion_required = placed.is_none_or(|p| p >= COMPLETION_REQUIRED_FROM);
        match t.end {
            None => {
                if today > min_end && !completion_required {
                    self.push(
                        RuleId::R8,
                        Subject::Treatment(t.id),
                        0,
                        pack,
                        TeamRole::TreatmentProvider,
                        Some(min_end),
                        Some(min_end),
                        Note::None,
                    );
                } else {
                    // Still in treatment: nothing is late while it continues.
                    self.push_with(
                        RuleId::R8,
                        Subject::Treatment(t.id),
                        0,
                        pack,
                        TeamRole::TreatmentProvider,
                        Some(min_end),
                        None,
                        Note::None,
                        ObligationStatus::Upcoming,
                    );
                }
            }
            Some((end, how)) => {
                let long_enough = end >= min_end;
                let completed = how == super::TreatmentEnd::Completed || !completion_required;
                let ended_by_supervision = how == super::TreatmentEnd::SupervisionEnded
                    && term_end.is_some_and(|e| end >= e);
                if (long_enough && completed) || ended_by_supervision {
                    self.push(
                        RuleId::R8,
                        Subject::Treatment(t.id),
                        0,
                        pack,
                        TeamRole::TreatmentProvider,
                        Some(min_end.max(end)),
                        Some(end),
                        Note::None,
                    );
                } else {
                    // Ended short: a new treatment can still make up the year until it is due.
                    self.push(
                        RuleId::R8,
                        Subject::Treatment(t.id),
                        0,
                        pack,
                        TeamRole::TreatmentProvider,
                        Some(min_end),
                        None,
                        Note::EndedShort(how),
                    );
                }
            }
        }
    }

    /// R9: a maintenance exam within 12 months of treatment start, then within 12 months of
    /// the previous one, while treatment lasts.
    fn r9(&mut self, t: &super::TreatmentFact, exams: &[NaiveDate]) {
        let pack = PolicyPackId::in_force_on(t.start);
        let months = self.param(pack, RuleId::R9, "months", 12);
        let end = t.end.map(|(e, _)| e);
        let mut anchor = t.start;
        let mut first = true;
        for n in 0..MAX_EXAMS {
            let due = add_months(anchor, months);
            if end.is_some_and(|e| due > e) {
                return;
            }
            let next = exams.iter().copied().find(|x| {
                (if first { *x >= anchor } else { *x > anchor }) && end.is_none_or(|e| *x <= e)
            });
            let subject = Subject::Exam(t.id * 1000 + i64::try_from(n).unwrap_or(0));
            self.push(
                RuleId::R9,
                subject,
                0,
                pack,
                TeamRole::PolygraphExaminer,
                Some(due),
                next,
                Note::None,
            );
            match next {
                Some(x) => {
                    anchor = x;
                    first = false;
                }
                None => return,
            }
        }
    }

    /// R4 (final score), R5, R6a, R6b: what each score owes.
    fn scores(&mut self) {
        let facts = self.facts;
        let today = self.ctx.today;
        for s in &facts.scores {
            let dynamic = is_dynamic(s.instrument);
            let violence = s.instrument == Instrument::LsCmi;
            if !dynamic && !violence {
                continue;
            }
            let pack = PolicyPackId::in_force_on(s.scored_on);
            let shared = step_on(&s.steps, ChainStep::SharedWithOfficer);
            let due = add_days(s.scored_on, self.param(pack, RuleId::R5, "days", 30));
            self.push(
                RuleId::R5,
                Subject::Score(s.id),
                0,
                pack,
                TeamRole::TreatmentProvider,
                Some(due),
                shared,
                Note::None,
            );
            let doj = step_on(&s.steps, ChainStep::DojSubmission);
            match pack {
                PolicyPackId::Ca2012 if dynamic => {
                    if let Some(received) = step_on(&s.steps, ChainStep::OfficerReceipt) {
                        let wd = self.param(pack, RuleId::R6a, "working_days", 5);
                        let due = self
                            .ctx
                            .calendar
                            .add_working_days(received, u32::try_from(wd).unwrap_or(5));
                        self.push(
                            RuleId::R6a,
                            Subject::Score(s.id),
                            0,
                            pack,
                            TeamRole::SupervisingOfficer,
                            Some(due),
                            doj,
                            Note::None,
                        );
                    }
                }
                PolicyPackId::Ca2012 => {}
                PolicyPackId::Ca2025 => {
                    let due = add_days(s.scored_on, self.param(pack, RuleId::R6b, "days", 30));
                    self.push(
                        RuleId::R6b,
                        Subject::Score(s.id),
                        0,
                        pack,
                        TeamRole::TreatmentProvider,
                        Some(due),
                        doj,
                        Note::None,
                    );
                }
            }
        }
        // R4: a final dynamic score within the 6 months before supervision ends, for
        // episodes with treatment.
        if facts.treatments.iter().all(|t| !t.post_conviction) {
            return;
        }
        for e in facts
            .episodes
            .iter()
            .filter(|e| e.kind.is_post_conviction())
        {
            let Some(end) = e.actual_end.or(e.expected_end) else {
                continue;
            };
            let pack = PolicyPackId::in_force_on(end);
            let window = self.param(pack, RuleId::R4, "final_window_months", 6);
            let opens = end
                .checked_sub_months(Months::new(u32::try_from(window).unwrap_or(6)))
                .unwrap_or(NaiveDate::MIN);
            if today < sub_days(opens, 30) {
                continue;
            }
            let met = facts
                .scores
                .iter()
                .filter(|s| is_dynamic(s.instrument) && s.scored_on >= opens && s.scored_on <= end)
                .map(|s| s.scored_on)
                .max();
            self.push(
                RuleId::R4,
                Subject::Episode(e.id),
                2,
                pack,
                TeamRole::TreatmentProvider,
                Some(end),
                met,
                Note::Part(0),
            );
        }
    }

    /// R7: each comprehensive assessment within 90 days of referral, never past 120.
    fn r7(&mut self) {
        let today = self.ctx.today;
        for a in &self.facts.assessments {
            let pack = PolicyPackId::in_force_on(a.referred_on);
            let due = add_days(
                a.referred_on,
                self.param(pack, RuleId::R7, "target_days", 90),
            );
            let limit = add_days(
                a.referred_on,
                self.param(pack, RuleId::R7, "limit_days", 120),
            );
            let past = a.completed_on.map_or(today > limit, |c| c > limit);
            self.push(
                RuleId::R7,
                Subject::Assessment(a.id),
                0,
                pack,
                TeamRole::TreatmentProvider,
                Some(due),
                a.completed_on,
                if past { Note::PastLimit } else { Note::None },
            );
        }
    }

    /// R10: every active provider and examiner holds a current certification; due soon from
    /// 60 days before it expires.
    fn r10(&mut self) {
        let facts = self.facts;
        let today = self.ctx.today;
        let pack = PolicyPackId::in_force_on(today);
        let warning = self.param(pack, RuleId::R10, "warning_days", 60);
        for m in facts.team.iter().filter(|m| m.active_on(today)) {
            let kind = match m.role {
                TeamRole::TreatmentProvider => CertificationKind::CasombProvider,
                TeamRole::PolygraphExaminer => CertificationKind::PolygraphPcsot,
                _ => continue,
            };
            let held: Vec<_> = facts
                .certifications
                .iter()
                .filter(|c| c.user_id == m.user_id && c.kind == kind)
                .map(|c| (c.issued_on, c.expires_on, c.revoked_on))
                .collect();
            // A renewal that follows without a gap continues the certification: the deadline is
            // the end of the unbroken chain.
            let (due, status) = match covered_until(&held, today) {
                Some(until) if (until - today).num_days() <= warning => {
                    (until, ObligationStatus::DueSoon)
                }
                Some(until) => (until, ObligationStatus::Upcoming),
                None => {
                    // Lapsed: owed since the last day of certification before today, or since
                    // the member joined uncertified.
                    let lapsed = held
                        .iter()
                        .filter_map(|(i, e, r)| {
                            let last = r.and_then(|r| r.pred_opt()).map_or(*e, |r| r.min(*e));
                            (*i <= last && last < today).then_some(last)
                        })
                        .max()
                        .map_or(m.start, |last| last.max(m.start));
                    (lapsed, status(Some(lapsed), None, today))
                }
            };
            self.push_with(
                RuleId::R10,
                Subject::Member(m.user_id),
                0,
                pack,
                m.role,
                Some(due),
                None,
                Note::Certification(kind),
                status,
            );
            // A lapse while serving that has since ended: the work of those days was done
            // uncertified. It stays on the record, met late on the day certification resumed.
            let yesterday = today.pred_opt().unwrap_or(today);
            let past: Vec<_> = lapses(&held, m.start, yesterday)
                .into_iter()
                .filter(|(_, to)| *to < yesterday || covered_until(&held, today).is_some())
                .collect();
            if let Some((from, to)) = past.last().copied() {
                self.push(
                    RuleId::R10,
                    Subject::Member(m.user_id),
                    1,
                    pack,
                    m.role,
                    Some(from),
                    to.succ_opt(),
                    Note::Lapse {
                        from,
                        to,
                        earlier: u16::try_from(past.len() - 1).unwrap_or(u16::MAX),
                    },
                );
            }
        }
    }

    /// R11: a court waiver before treatment information is shared.
    fn r11(&mut self) {
        let facts = self.facts;
        let Some(first) = facts
            .episodes
            .iter()
            .filter(|e| e.kind.is_post_conviction())
            .min_by_key(|e| e.start)
        else {
            return;
        };
        let due = facts
            .treatments
            .iter()
            .filter(|t| t.post_conviction)
            .map(|t| t.start)
            .min()
            .map_or(first.start, |t| t.min(first.start));
        let met = facts.court_waivers.iter().map(|(from, _)| *from).min();
        self.push(
            RuleId::R11,
            Subject::Episode(first.id),
            0,
            PolicyPackId::in_force_on(due),
            TeamRole::SupervisingOfficer,
            Some(due),
            met,
            Note::None,
        );
    }

    /// R12: officer, provider and examiner on the team on every day of post-conviction
    /// supervision. Met on time when no day lacked one; met late on the day the team was last
    /// made whole after a gap; open while a role is missing.
    fn r12(&mut self) {
        let facts = self.facts;
        let today = self.ctx.today;
        for e in facts
            .episodes
            .iter()
            .filter(|e| e.kind.is_post_conviction())
        {
            let members: Vec<super::MemberFact> = facts
                .team
                .iter()
                .filter(|m| {
                    m.start <= e.actual_end.unwrap_or(NaiveDate::MAX)
                        && m.end.is_none_or(|x| x >= e.start)
                })
                .cloned()
                .collect();
            let last = e.actual_end.unwrap_or(today).min(today);
            let gaps = super::team_gaps(&members, e.start, last);
            let (met, note) = match gaps.last() {
                _ if e.start > today => (None, Note::None),
                None => (Some(e.start), Note::None),
                Some(g) => {
                    let note = Note::Gap {
                        from: g.from,
                        to: g.to,
                        missing: g.missing,
                        earlier: u16::try_from(gaps.len() - 1).unwrap_or(u16::MAX),
                    };
                    let still_open = g.to >= last;
                    if still_open {
                        (None, note)
                    } else {
                        (g.to.succ_opt(), note)
                    }
                }
            };
            self.push(
                RuleId::R12,
                Subject::Episode(e.id),
                0,
                PolicyPackId::in_force_on(e.start),
                TeamRole::SupervisingOfficer,
                Some(e.start),
                met,
                note,
            );
        }
    }

    /// R13: each self-report acknowledged by provider and officer within 2 working days.
    fn r13(&mut self) {
        for r in &self.facts.self_reports {
            let pack = PolicyPackId::in_force_on(r.reported_on);
            let due = self_report_due(r.reported_on, self.ctx);
            for (part, role, ack) in [
                (0u8, TeamRole::TreatmentProvider, r.provider_ack),
                (1u8, TeamRole::SupervisingOfficer, r.officer_ack),
            ] {
                self.push(
                    RuleId::R13,
                    Subject::SelfReport(r.id),
                    part,
                    pack,
                    role,
                    Some(due),
                    ack,
                    Note::Part(part),
                );
            }
        }
    }
}

/// When a self-report made on `reported_on` must be acknowledged by (R13), on the county's
/// calendar with its numbers: the rule and the notification that announces it read this one
/// function.
pub fn self_report_due(reported_on: NaiveDate, ctx: &Context<'_>) -> NaiveDate {
    let pack = PolicyPackId::in_force_on(reported_on);
    let wd = param(pack, RuleId::R13, "working_days", ctx.overrides, 2);
    ctx.calendar
        .add_working_days(reported_on, u32::try_from(wd).unwrap_or(2))
}

/// Evaluates every rule on one case, handing each obligation to `emit`.
pub fn evaluate(facts: &CaseFacts, ctx: &Context<'_>, emit: &mut dyn FnMut(Obligation)) {
    let mut e = Eval { facts, ctx, emit };
    e.r1();
    e.r2();
    e.treatments();
    e.scores();
    e.r7();
    e.r10();
    e.r11();
    e.r12();
    e.r13();
}
