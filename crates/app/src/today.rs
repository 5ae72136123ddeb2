//! Today: the signed-in person's own work, as tasks they can still do, grouped by when they
//! are due and collapsed so a repeating obligation reads once; what can no longer be done is
//! summed up per case as missed.

use crate::Problems;
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use containment_domain::audit::Outcome;
use containment_domain::case::local_date;
use containment_domain::compliance::{self, Kinship, Window};
use containment_domain::policy::RuleId;

use crate::actor::{Actor, AuditEntry};
use crate::compliance::{ObligationView, evaluate_case, load_cases, load_policies, view};
use crate::{App, AppError};

/// Tasks a page by default, and at most.
pub const TODAY_PER_PAGE: usize = 50;
pub const TODAY_MAX_PER_PAGE: usize = 200;

/// Which of the person's tasks to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TodayQuery {
    pub case: Option<i64>,
    pub rule: Option<RuleId>,
    pub window: Option<Window>,
    /// 0-based.
    pub page: usize,
    pub per_page: usize,
}

impl TodayQuery {
    /// The filters as typed in a form or a query string; empty means all.
    pub fn parse(
        case: &str,
        rule: &str,
        window: &str,
        page: &str,
        per_page: &str,
    ) -> Result<Self, AppError> {
        let mut errors = Problems::new();
        let case = match case.trim() {
            "" => None,
            c => c
                .parse::<i64>()
                .map_err(|_| errors.at("case", "case: choose one of your cases"))
                .ok(),
        };
        let rule = match rule.trim() {
            "" => None,
            r => r
                .parse::<RuleId>()
                .map_err(|e| errors.push(e.to_string()))
                .ok(),
        };
        let window = match window.trim() {
            "" => None,
            w => w
                .parse::<Window>()
                .map_err(|e| errors.push(e.to_string()))
                .ok(),
        };
        let number = |field: &str, v: &str, default: usize, errors: &mut Problems| match v.trim() {
            "" => default,
            v => v.parse::<usize>().unwrap_or_else(|_| {
                errors.push(format!("{field}: a whole number"));
                default
            }),
        };
        let page = number("page", page, 0, &mut errors);
        let per_page = number("per_page", per_page, TODAY_PER_PAGE, &mut errors);
        if !(1..=TODAY_MAX_PER_PAGE).contains(&per_page) {
            errors.push(format!("per_page: from 1 to {TODAY_MAX_PER_PAGE}"));
        }
        if errors.is_empty() {
            Ok(TodayQuery {
                case,
                rule,
                window,
                page,
                per_page,
            })
        } else {
            Err(AppError::InvalidInput(errors))
        }
    }
}

/// One thing to do: the next one due of its kind.
#[derive(Debug, Clone)]
pub struct Task {
    pub view: ObligationView,
    pub window: Window,
    /// What to do, in plain words.
    pub task: String,
    /// Others of its kind behind it (later months, exams, treatments).
    pub more: usize,
    /// The cases it stands for: one, or every case a member's certification serves.
    pub case_ids: Vec<i64>,
}

impl Task {
    /// Whether it belongs to one case (a certification belongs to the person).
    pub fn case(&self) -> Option<i64> {
        match self.case_ids.as_slice() {
            [one] if !matches!(self.view.obligation.key.rule, RuleId::R10) => Some(*one),
            _ => None,
        }
    }
}

/// Obligations of one rule on one case that can no longer be met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missed {
    pub supervisee_id: i64,
    pub supervisee_name: String,
    pub rule: RuleId,
    pub count: usize,
    pub first_due: NaiveDate,
    pub last_due: NaiveDate,
}

impl Missed {
    /// "3 months of contact missed".
    pub fn summary(&self) -> String {
        missed_summary(self.rule, self.count)
    }
}

/// How a count of missed obligations of a rule reads.
pub fn missed_summary(rule: RuleId, count: usize) -> String {
    match (rule, count) {
        (RuleId::R1, 1) => "1 month of contact missed".to_owned(),
        (RuleId::R1, n) => format!("{n} months of contact missed"),
        (r, 1) => format!("1 {} obligation missed", r.code()),
        (r, n) => format!("{n} {} obligations missed", r.code()),
    }
}

/// The person's day.
#[derive(Debug, Clone)]
pub struct Today {
    pub today: NaiveDate,
    /// This page of the tasks that match every filter, by window, then by case.
    pub tasks: Vec<Task>,
    /// Tasks matching every filter.
    pub matching: usize,
    /// Tasks per window ([`Window::ALL`] order) matching the case and rule filters.
    pub counts: [usize; 4],
    /// What can no longer be done, per case and rule (case filter applied).
    pub missed: Vec<Missed>,
    /// The cases the person has tasks on, by name, for the filter.
    pub cases: Vec<(i64, String)>,
    pub page: usize,
    pub per_page: usize,
    /// Workplan activities of teams above the case that the person owns and that are overdue,
    /// by due date: their own group, apart from the case obligations.
    pub team_activities: Vec<crate::teams::OverdueActivity>,
}

impl Today {
    pub fn pages(&self) -> usize {
        self.matching.div_ceil(self.per_page.max(1))
    }
}

fn window_rank(w: Window) -> usize {
    Window::ALL.iter().position(|x| *x == w).unwrap_or(0)
}

/// Collapses kin into the most urgent of them; `tasks` must be in task order.
fn collapse(tasks: Vec<(ObligationView, Window)>) -> Vec<Task> {
    let mut out: Vec<Task> = Vec::new();
    let mut kin: HashMap<Kinship, usize> = HashMap::new();
    for (v, window) in tasks {
        let k = v.obligation.kinship(v.supervisee_id);
        if let Some(&i) = kin.get(&k) {
            let t = &mut out[i];
            if matches!(k, Kinship::Member { .. }) {
                if !t.case_ids.contains(&v.supervisee_id) {
                    t.case_ids.push(v.supervisee_id);
                }
            } else {
                t.more += 1;
            }
            continue;
        }
        kin.insert(k, out.len());
        out.push(Task {
            task: v.obligation.task(),
            case_ids: vec![v.supervisee_id],
            view: v,
            window,
            more: 0,
        });
    }
    // By window; within one, cases in the order of their most urgent task.
    let mut first: HashMap<(Window, Option<i64>), usize> = HashMap::new();
    for (i, t) in out.iter().enumerate() {
        first.entry((t.window, t.case())).or_insert(i);
    }
    let mut keyed: Vec<(usize, usize, usize, Task)> = out
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            (
                window_rank(t.window),
                first.get(&(t.window, t.case())).copied().unwrap_or(i),
                i,
                t,
            )
        })
        .collect();
    keyed.sort_by_key(|(w, g, i, _)| (*w, *g, *i));
    keyed.into_iter().map(|(_, _, _, t)| t).collect()
}

fn summarize_missed(missed: Vec<ObligationView>) -> Vec<Missed> {
    let mut by: HashMap<(i64, RuleId), Missed> = HashMap::new();
    for v in missed {
        let Some(due) = v.obligation.due else {
            continue;
        };
        by.entry((v.supervisee_id, v.obligation.key.rule))
            .and_modify(|m| {
                m.count += 1;
                m.first_due = m.first_due.min(due);
                m.last_due = m.last_due.max(due);
            })
            .or_insert_with(|| Missed {
                supervisee_id: v.supervisee_id,
                supervisee_name: v.supervisee_name.clone(),
                rule: v.obligation.key.rule,
                count: 1,
                first_due: due,
                last_due: due,
            });
    }
    let mut out: Vec<Missed> = by.into_values().collect();
    out.sort_by(|a, b| {
        (a.supervisee_name.as_str(), a.supervisee_id, a.rule).cmp(&(
            b.supervisee_name.as_str(),
            b.supervisee_id,
            b.rule,
        ))
    });
    out
}

/// Missed obligations of one case's list, summed up per rule.
pub fn missed_of(list: &[ObligationView], today: NaiveDate) -> Vec<Missed> {
    summarize_missed(
        list.iter()
            .filter(|v| v.obligation.is_missed(today))
            .cloned()
            .collect(),
    )
}

impl App {
    /// The person's own open work as of `today`: what they can still do, each with its window,
    /// in task order; and what they owed that can no longer be done.
    async fn own_work(
        &self,
        user: i64,
        today: NaiveDate,
        tx: &containment_storage::Tx,
    ) -> Result<(Vec<(ObligationView, Window)>, Vec<ObligationView>), AppError> {
        let policies = load_policies(tx).await?;
        let ids = tx.open_cases_served_by(user, today).await?;
        let mut tasks = Vec::new();
        let mut missed = Vec::new();
        for loaded in load_cases(tx, &ids).await? {
            evaluate_case(&loaded, &policies, &self.calendar, today, &mut |o| {
                if o.responsible_user != Some(user) {
                    return;
                }
                if o.is_missed(today) {
                    missed.push(view(&loaded, o));
                } else if let Some(w) = o.window(today) {
                    tasks.push((view(&loaded, o), w));
                }
            });
        }
        tasks.sort_by(|a, b| compliance::task_order(&a.0.obligation, &b.0.obligation));
        Ok((tasks, missed))
    }

    /// Everything the signed-in person can still do on the cases they serve, one obligation at
    /// a time: overdue first, then soonest due (the calendar feed lists these).
    pub async fn my_tasks(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<ObligationView>, AppError> {
        let user = actor.user_id().ok_or(AppError::Unauthenticated)?;
        let tx = self.store.begin_read().await?;
        let (tasks, _) = self.own_work(user, local_date(now), &tx).await?;
        let out: Vec<ObligationView> = tasks.into_iter().map(|(v, _)| v).collect();
        AuditEntry::new("tasks_read", Outcome::Success, now)
            .by(actor)
            .detail(format!("{} tasks", out.len()))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The signed-in person's day: their own tasks, collapsed, grouped and filtered, one page
    /// of them, with counts per window and the missed obligations summed up per case.
    pub async fn today(
        &self,
        actor: &Actor,
        query: &TodayQuery,
        now: DateTime<Utc>,
    ) -> Result<Today, AppError> {
        let user = actor.user_id().ok_or(AppError::Unauthenticated)?;
        let today = local_date(now);
        let tx = self.store.begin_read().await?;
        let (tasks, missed) = self.own_work(user, today, &tx).await?;
        let all = collapse(tasks);
        let mut cases: Vec<(i64, String)> = Vec::new();
        for t in &all {
            if !cases.iter().any(|(id, _)| *id == t.view.supervisee_id) {
                cases.push((t.view.supervisee_id, t.view.supervisee_name.clone()));
            }
        }
        cases.sort_by(|a, b| (a.1.as_str(), a.0).cmp(&(b.1.as_str(), b.0)));
        let mut counts = [0usize; 4];
        let mut matching = Vec::new();
        for t in all {
            if query.case.is_some_and(|c| !t.case_ids.contains(&c))
                || query.rule.is_some_and(|r| r != t.view.obligation.key.rule)
            {
                continue;
            }
            counts[window_rank(t.window)] += 1;
            if query.window.is_none_or(|w| w == t.window) {
                matching.push(t);
            }
        }
        let total = matching.len();
        let tasks: Vec<Task> = matching
            .into_iter()
            .skip(query.page.saturating_mul(query.per_page))
            .take(query.per_page)
            .collect();
        let missed = summarize_missed(
            missed
                .into_iter()
                .filter(|v| query.case.is_none_or(|c| c == v.supervisee_id))
                .collect(),
        );
        let team_activities = self.overdue_team_activities(&tx, user, today).await?;
        AuditEntry::new("tasks_read", Outcome::Success, now)
            .by(actor)
            .detail(format!(
                "today: {total} tasks, {} on this page, {} missed on record, {} team activities overdue",
                tasks.len(),
                missed.iter().map(|m| m.count).sum::<usize>(),
                team_activities.len()
            ))
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(Today {
            today,
            tasks,
            matching: total,
            counts,
            missed,
            cases,
            page: query.page,
            per_page: query.per_page,
            team_activities,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_checked_field_by_field() {
        let q = TodayQuery::parse("12", "R1", "week", "2", "").unwrap();
        assert_eq!(q.case, Some(12));
        assert_eq!(q.rule, Some(RuleId::R1));
        assert_eq!(q.window, Some(Window::Week));
        assert_eq!((q.page, q.per_page), (2, TODAY_PER_PAGE));
        let err = TodayQuery::parse("x", "R99", "soon", "-1", "0")
            .unwrap_err()
            .to_string();
        for field in ["case", "rule", "window", "page", "per_page"] {
            assert!(err.contains(field), "{field}: {err}");
        }
    }

    #[test]
    fn missed_months_read_as_one_line() {
        assert_eq!(missed_summary(RuleId::R1, 3), "3 months of contact missed");
        assert_eq!(missed_summary(RuleId::R1, 1), "1 month of contact missed");
    }
}
