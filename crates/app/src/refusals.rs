//! Refused requests on the audit trail: a role the route does not admit (403), a form without
//! its anti-forgery token (403), an API token that is unknown, revoked or expired (401).
//!
//! Anyone can send refused requests as fast as the network allows, so they are rate-limited
//! per source before they reach the database: in each window at most `per_source` events of one
//! source (client address and, when known, user) and `total` in all are written; the rest are
//! only counted, and when the window closes each source's count is written as one
//! `refusals_dropped` event. A flood therefore costs a lock and a counter per request, never a
//! write, and the disk grows by a bounded number of events per window whatever is sent.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, SecondsFormat, Utc};
use containment_domain::audit::Outcome;
use containment_storage::NewAuditEvent;

use crate::{Actor, App, AppError};

/// Which check refused the request; each is its own audit action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// The route's guard does not admit the caller's roles.
    AccessDenied,
    /// A state-changing browser request without the session's anti-forgery token.
    CsrfRefused,
    /// A bearer token that is unknown, revoked or expired, or whose account cannot act.
    TokenRefused,
}

impl RefusalKind {
    pub fn action(self) -> &'static str {
        match self {
            RefusalKind::AccessDenied => "access_denied",
            RefusalKind::CsrfRefused => "csrf_refused",
            RefusalKind::TokenRefused => "token_refused",
        }
    }

    /// A failed proof of identity is a failure, like a wrong password; the rest are denials.
    fn outcome(self) -> Outcome {
        match self {
            RefusalKind::TokenRefused => Outcome::Failure,
            RefusalKind::AccessDenied | RefusalKind::CsrfRefused => Outcome::Denied,
        }
    }
}

/// One refused request: who (as far as known), from where, and which route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub kind: RefusalKind,
    pub user_id: Option<i64>,
    pub session_id: Option<i64>,
    pub token_id: Option<i64>,
    pub client_addr: Option<String>,
    pub method: String,
    /// The route's template (`/admin/users/{id}`), never the concrete path.
    pub route: String,
    /// A reason code, for token refusals.
    pub reason: Option<&'static str>,
}

impl Refusal {
    pub fn new(kind: RefusalKind, method: &str, route: &str) -> Self {
        Refusal {
            kind,
            user_id: None,
            session_id: None,
            token_id: None,
            client_addr: None,
            method: method.to_owned(),
            route: route.to_owned(),
            reason: None,
        }
    }

    /// The acting person or program, when the request was signed in.
    pub fn by(mut self, actor: &Actor) -> Self {
        self.user_id = actor.user_id();
        self.session_id = actor.session_id();
        self.token_id = actor.token_id();
        self
    }

    fn source(&self) -> Source {
        (self.client_addr.clone(), self.user_id)
    }

    fn event(self, now: DateTime<Utc>) -> NewAuditEvent {
        let detail = match self.reason {
            Some(reason) => format!("method={} reason={reason}", self.method),
            None => format!("method={}", self.method),
        };
        NewAuditEvent {
            at_ms: now.timestamp_millis(),
            actor_user_id: self.user_id,
            session_id: self.session_id,
            token_id: self.token_id,
            client_addr: self.client_addr,
            action: self.kind.action().to_owned(),
            object_kind: Some("route".to_owned()),
            object_id: Some(self.route),
            outcome: self.kind.outcome().code().to_owned(),
            waiver_id: None,
            detail: Some(detail),
        }
    }
}

/// How many refusals are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefusalLimits {
    /// Events written per source and window.
    pub per_source: u32,
    /// Events written per window across all sources.
    pub total: u32,
    /// Sources counted one by one per window; refusals from further sources share one count,
    /// so memory stays bounded however many addresses send.
    pub sources: usize,
    pub window: chrono::Duration,
}

impl Default for RefusalLimits {
    fn default() -> Self {
        RefusalLimits {
            per_source: 20,
            total: 600,
            sources: 200,
            window: chrono::Duration::minutes(1),
        }
    }
}

/// Client address and user.
type Source = (Option<String>, Option<i64>);

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    written: u32,
    dropped: u64,
}

#[derive(Debug)]
struct Window {
    start: DateTime<Utc>,
    written: u32,
    dropped: u64,
    sources: HashMap<Source, Tally>,
    /// Dropped refusals of sources beyond `RefusalLimits::sources`.
    unlisted_dropped: u64,
}

impl Window {
    fn new(start: DateTime<Utc>) -> Self {
        Window {
            start,
            written: 0,
            dropped: 0,
            sources: HashMap::new(),
            unlisted_dropped: 0,
        }
    }

    /// One `refusals_dropped` event per source that lost events, and one for the unlisted ones.
    fn summaries(&self, end: DateTime<Utc>) -> Vec<NewAuditEvent> {
        let span = format!(
            "window={}/{}",
            self.start.to_rfc3339_opts(SecondsFormat::Secs, true),
            end.to_rfc3339_opts(SecondsFormat::Secs, true)
        );
        let summary = |(addr, user): Source, detail: String| NewAuditEvent {
            at_ms: end.timestamp_millis(),
            actor_user_id: user,
            client_addr: addr,
            action: "refusals_dropped".to_owned(),
            object_kind: Some("audit_log".to_owned()),
            object_id: Some("refusals".to_owned()),
            outcome: Outcome::Denied.code().to_owned(),
            detail: Some(detail),
            ..Default::default()
        };
        let mut lost: Vec<(&Source, &Tally)> =
            self.sources.iter().filter(|(_, t)| t.dropped > 0).collect();
        lost.sort_by(|a, b| a.0.cmp(b.0));
        let mut events: Vec<NewAuditEvent> = lost
            .into_iter()
            .map(|(source, t)| summary(source.clone(), format!("dropped={} {span}", t.dropped)))
            .collect();
        if self.unlisted_dropped > 0 {
            events.push(summary(
                (None, None),
                format!(
                    "dropped={} from_other_sources {span}",
                    self.unlisted_dropped
                ),
            ));
        }
        events
    }
}

/// What the gate decided for one refusal.
#[derive(Debug, Default)]
struct Admission {
    /// To append now, in this order: summaries of a window that closed, then the refusal.
    events: Vec<NewAuditEvent>,
    /// The first refusal dropped in this window: its summary is due at this time.
    summary_due: Option<DateTime<Utc>>,
}

/// The rate limiter in front of the trail. Time is a parameter, so tests control it.
#[derive(Debug)]
pub(crate) struct RefusalGate {
    limits: RefusalLimits,
    window: Mutex<Option<Window>>,
}

impl RefusalGate {
    pub(crate) fn new(limits: RefusalLimits) -> Self {
        RefusalGate {
            limits,
            window: Mutex::new(None),
        }
    }

    /// Ends the current window if it is over: its summaries, if any refusal was dropped.
    fn close_window(&self, current: &mut Option<Window>, now: DateTime<Utc>) -> Vec<NewAuditEvent> {
        let over = current
            .as_ref()
            .is_some_and(|w| now >= w.start + self.limits.window);
        if !over {
            return Vec::new();
        }
        let Some(closed) = current.take() else {
            return Vec::new();
        };
        let dropped = closed.dropped;
        if dropped == 0 {
            return Vec::new();
        }
        let summaries = closed.summaries(closed.start + self.limits.window);
        tracing::warn!(
            dropped,
            written = closed.written,
            sources = summaries.len(),
            "refused requests beyond the audit rate limit were counted, not written one by one"
        );
        summaries
    }

    fn admit(&self, refusal: Refusal, now: DateTime<Utc>) -> Admission {
        let mut current = self.window.lock().unwrap_or_else(|e| e.into_inner());
        let mut admission = Admission {
            events: self.close_window(&mut current, now),
            summary_due: None,
        };
        let window = current.get_or_insert_with(|| Window::new(now));
        let room = window.written < self.limits.total;
        let listed = window.sources.len() < self.limits.sources
            || window.sources.contains_key(&refusal.source());
        let write = if listed {
            let tally = window.sources.entry(refusal.source()).or_default();
            let write = room && tally.written < self.limits.per_source;
            if write {
                tally.written += 1;
            } else {
                tally.dropped += 1;
            }
            write
        } else {
            if !room {
                window.unlisted_dropped += 1;
            }
            room
        };
        if write {
            window.written += 1;
            admission.events.push(refusal.event(now));
        } else {
            window.dropped += 1;
            if window.dropped == 1 {
                admission.summary_due = Some(window.start + self.limits.window);
            }
        }
        admission
    }

    fn close(&self, now: DateTime<Utc>) -> Vec<NewAuditEvent> {
        let mut current = self.window.lock().unwrap_or_else(|e| e.into_inner());
        self.close_window(&mut current, now)
    }
}

impl App {
    /// Writes a refused request to the audit trail, unless its source is over the rate limit,
    /// in which case it is counted for the window's summary. Returns once what is written is
    /// durable (through the group appender, beside the events of concurrent reads).
    pub async fn record_refusal(
        &self,
        refusal: Refusal,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let admission = self.refusals.admit(refusal, now);
        if let Some(due) = admission.summary_due {
            // Nothing else may arrive to close the window: write its summary when it is over.
            let app = self.clone();
            let wait = (due - now).to_std().unwrap_or_default();
            tokio::spawn(async move {
                tokio::time::sleep(wait).await;
                if let Err(e) = app.close_refusal_window(Utc::now()).await {
                    tracing::error!(
                        code = e.code(),
                        "the summary of dropped refusals was not written"
                    );
                }
            });
        }
        Ok(self.store.append_audit_events(admission.events).await?)
    }

    /// Writes the summary of the refusal window if it is over at `now` (the server does this
    /// by itself when a window that dropped refusals ends).
    pub async fn close_refusal_window(&self, now: DateTime<Utc>) -> Result<(), AppError> {
        Ok(self
            .store
            .append_audit_events(self.refusals.close(now))
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn limits() -> RefusalLimits {
        RefusalLimits {
            per_source: 3,
            total: 5,
            sources: 2,
            window: chrono::Duration::minutes(1),
        }
    }

    fn from(addr: &str, user: Option<i64>) -> Refusal {
        let mut r = Refusal::new(RefusalKind::AccessDenied, "GET", "/audit");
        r.client_addr = Some(addr.to_owned());
        r.user_id = user;
        r
    }

    fn t(seconds: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap() + chrono::Duration::seconds(seconds)
    }

    fn written(a: &Admission) -> usize {
        a.events
            .iter()
            .filter(|e| e.action == "access_denied")
            .count()
    }

    #[test]
    fn a_source_is_written_up_to_its_limit_and_then_counted() {
        let gate = RefusalGate::new(limits());
        let got: Vec<usize> = (0..5)
            .map(|i| written(&gate.admit(from("10.0.0.1", None), t(i))))
            .collect();
        assert_eq!(got, [1, 1, 1, 0, 0]);
        // The same address as a known user is another source.
        assert_eq!(written(&gate.admit(from("10.0.0.1", Some(7)), t(6))), 1);
    }

    #[test]
    fn the_first_drop_schedules_the_summary_at_the_end_of_the_window() {
        let gate = RefusalGate::new(limits());
        for i in 0..3 {
            assert_eq!(gate.admit(from("10.0.0.1", None), t(i)).summary_due, None);
        }
        assert_eq!(
            gate.admit(from("10.0.0.1", None), t(3)).summary_due,
            Some(t(60))
        );
        assert_eq!(gate.admit(from("10.0.0.1", None), t(4)).summary_due, None);
    }

    #[test]
    fn the_summary_counts_the_dropped_ones_when_the_window_ends() {
        let gate = RefusalGate::new(limits());
        for i in 0..10 {
            gate.admit(from("10.0.0.1", None), t(i));
        }
        assert!(gate.close(t(59)).is_empty(), "the window is still open");
        let summaries = gate.close(t(60));
        assert_eq!(summaries.len(), 1);
        let s = &summaries[0];
        assert_eq!(s.action, "refusals_dropped");
        assert_eq!(s.client_addr.as_deref(), Some("10.0.0.1"));
        assert_eq!(
            s.detail.as_deref(),
            Some("dropped=7 window=2026-12-01T09:00:00Z/2026-12-01T09:01:00Z")
        );
        assert!(gate.close(t(200)).is_empty(), "written once");
        // The next window starts afresh.
        assert_eq!(written(&gate.admit(from("10.0.0.1", None), t(61))), 1);
    }

    #[test]
    fn a_refusal_after_the_window_carries_its_summary() {
        let gate = RefusalGate::new(limits());
        for i in 0..4 {
            gate.admit(from("10.0.0.1", None), t(i));
        }
        let next = gate.admit(from("10.0.0.1", None), t(90));
        let actions: Vec<&str> = next.events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["refusals_dropped", "access_denied"]);
    }

    #[test]
    fn a_window_without_drops_leaves_no_summary() {
        let gate = RefusalGate::new(limits());
        gate.admit(from("10.0.0.1", None), t(0));
        assert!(gate.close(t(60)).is_empty());
    }

    #[test]
    fn all_sources_together_are_written_up_to_the_total() {
        let gate = RefusalGate::new(RefusalLimits {
            sources: 10,
            ..limits()
        });
        let got: usize = (0..8)
            .map(|i| written(&gate.admit(from(&format!("10.0.0.{i}"), None), t(i))))
            .sum();
        assert_eq!(got, 5);
        let summaries = gate.close(t(60));
        assert_eq!(summaries.len(), 3, "one per source that lost its refusal");
    }

    #[test]
    fn sources_beyond_the_listed_ones_share_one_count() {
        let gate = RefusalGate::new(RefusalLimits {
            total: 4,
            ..limits()
        });
        let got: usize = (0..6)
            .map(|i| written(&gate.admit(from(&format!("10.0.0.{i}"), None), t(i))))
            .sum();
        assert_eq!(
            got, 4,
            "unlisted sources are written while the total allows"
        );
        let summaries = gate.close(t(60));
        assert_eq!(summaries.len(), 1);
        assert_eq!(summaries[0].client_addr, None);
        assert!(
            summaries[0]
                .detail
                .as_deref()
                .is_some_and(|d| d.starts_with("dropped=2 from_other_sources"))
        );
    }

    #[test]
    fn a_refusal_event_names_the_route_method_and_reason() {
        let mut r = Refusal::new(RefusalKind::TokenRefused, "PUT", "/api/v1/supervisees/{id}");
        r.reason = Some("revoked");
        r.user_id = Some(4);
        let e = r.event(t(0));
        assert_eq!(e.action, "token_refused");
        assert_eq!(e.outcome, "failure");
        assert_eq!(e.object_kind.as_deref(), Some("route"));
        assert_eq!(e.object_id.as_deref(), Some("/api/v1/supervisees/{id}"));
        assert_eq!(e.detail.as_deref(), Some("method=PUT reason=revoked"));
        assert_eq!(e.actor_user_id, Some(4));
    }
}
