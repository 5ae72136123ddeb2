//! The audit trail's hash chain. Each event's hash is SHA-256 over the previous event's hash and
//! the event's canonical content, so changing, removing or inserting an event breaks the chain
//! at that position.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash that precedes the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How an audited attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "success" => Some(Outcome::Success),
            "failure" => Some(Outcome::Failure),
            "denied" => Some(Outcome::Denied),
            _ => None,
        }
    }
}

/// The content of one audit event, as hashed. Field order is fixed by this struct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditContent {
    pub seq: i64,
    /// UTC milliseconds since the Unix epoch.
    pub at_ms: i64,
    pub actor_user_id: Option<i64>,
    pub session_id: Option<i64>,
    pub token_id: Option<i64>,
    pub client_addr: Option<String>,
    pub action: String,
    pub object_kind: Option<String>,
    pub object_id: Option<String>,
    pub outcome: String,
    pub waiver_id: Option<i64>,
    pub detail: Option<String>,
}

impl AuditContent {
    /// Canonical bytes: compact JSON in struct field order.
    pub fn canonical(&self) -> Vec<u8> {
        write_canonical(self)
    }
}

fn write_canonical(content: &AuditContent) -> Vec<u8> {
    // A tiny writer so the domain crate needs no JSON dependency: strings are escaped as JSON.
    fn s(out: &mut String, v: &str) {
        out.push('"');
        for c in v.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    fn os(out: &mut String, v: Option<&str>) {
        match v {
            Some(v) => s(out, v),
            None => out.push_str("null"),
        }
    }
    fn oi(out: &mut String, v: Option<i64>) {
        match v {
            Some(v) => out.push_str(&v.to_string()),
            None => out.push_str("null"),
        }
    }
    let c = content;
    let mut out = String::with_capacity(256);
    out.push_str(&format!(
        "{{\"seq\":{},\"at_ms\":{},\"actor_user_id\":",
        c.seq, c.at_ms
    ));
    oi(&mut out, c.actor_user_id);
    out.push_str(",\"session_id\":");
    oi(&mut out, c.session_id);
    out.push_str(",\"token_id\":");
    oi(&mut out, c.token_id);
    out.push_str(",\"client_addr\":");
    os(&mut out, c.client_addr.as_deref());
    out.push_str(",\"action\":");
    s(&mut out, &c.action);
    out.push_str(",\"object_kind\":");
    os(&mut out, c.object_kind.as_deref());
    out.push_str(",\"object_id\":");
    os(&mut out, c.object_id.as_deref());
    out.push_str(",\"outcome\":");
    s(&mut out, &c.outcome);
    out.push_str(",\"waiver_id\":");
    oi(&mut out, c.waiver_id);
    out.push_str(",\"detail\":");
    os(&mut out, c.detail.as_deref());
    out.push('}');
    out.into_bytes()
}

/// The chained hash of an event: hex SHA-256 of `prev_hash` followed by the canonical content.
pub fn chain_hash(prev_hash: &str, content: &AuditContent) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(content.canonical());
    hex::encode(h.finalize())
}

/// An event as stored: content plus the two hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAuditEvent {
    pub content: AuditContent,
    pub prev_hash: String,
    pub hash: String,
}

/// The first position at which the chain is broken, and how.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit chain broken at position {position} (sequence {seq}): {reason}")]
pub struct ChainBreak {
    /// 1-based position in the walk.
    pub position: u64,
    pub seq: i64,
    pub reason: &'static str,
}

/// Walks events in sequence order, one call per event, without holding the chain in memory.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    expected_prev: String,
    expected_seq: i64,
    position: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            expected_prev: GENESIS_HASH.to_owned(),
            expected_seq: 1,
            position: 0,
        }
    }
}

impl ChainVerifier {
    pub fn check(&mut self, event: &StoredAuditEvent) -> Result<(), ChainBreak> {
        self.position += 1;
        let fail = |reason| ChainBreak {
            position: self.position,
            seq: event.content.seq,
            reason,
        };
        if event.content.seq != self.expected_seq {
            return Err(fail(if event.content.seq > self.expected_seq {
                "an event is missing before this one"
            } else {
                "an event was inserted or repeated"
            }));
        }
        if event.prev_hash != self.expected_prev {
            return Err(fail(
                "the previous-hash link does not match the event before it",
            ));
        }
        if chain_hash(&event.prev_hash, &event.content) != event.hash {
            return Err(fail(
                "the content does not match its hash (the event was changed)",
            ));
        }
        self.expected_prev = event.hash.clone();
        self.expected_seq += 1;
        Ok(())
    }

    /// Events checked so far.
    pub fn verified(&self) -> u64 {
        self.position
    }

    /// The hash the next event must link to.
    pub fn last_hash(&self) -> &str {
        &self.expected_prev
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(seq: i64, action: &str) -> AuditContent {
        AuditContent {
            seq,
            at_ms: 1_795_000_000_000 + seq,
            actor_user_id: Some(7),
            session_id: None,
            token_id: None,
            client_addr: Some("127.0.0.1".into()),
            action: action.into(),
            object_kind: Some("supervisee".into()),
            object_id: Some("42".into()),
            outcome: "success".into(),
            waiver_id: None,
            detail: Some("quote \" backslash \\ newline \n".into()),
        }
    }

    fn chain(n: i64) -> Vec<StoredAuditEvent> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let c = content(seq, "read");
                let hash = chain_hash(&prev, &c);
                let e = StoredAuditEvent {
                    content: c,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                e
            })
            .collect()
    }

    fn verify(events: &[StoredAuditEvent]) -> Result<u64, ChainBreak> {
        let mut v = ChainVerifier::default();
        for e in events {
            v.check(e)?;
        }
        Ok(v.verified())
    }

    #[test]
    fn canonical_form_is_stable_json() {
        let c = content(1, "sign_in");
        let text = String::from_utf8(c.canonical()).unwrap();
        assert!(text.starts_with("{\"seq\":1,\"at_ms\":1795000000001,\"actor_user_id\":7,"));
        assert!(text.contains("\"detail\":\"quote \\\" backslash \\\\ newline \\u000a\""));
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
        assert_eq!(verify(&[]), Ok(0));
    }

    #[test]
    fn an_edited_event_is_found() {
        let mut events = chain(5);
        events[2].content.action = "update".into();
        let err = verify(&events).unwrap_err();
        assert_eq!((err.position, err.seq), (3, 3));
    }

    #[test]
    fn a_deleted_event_is_found() {
        let mut events = chain(5);
        events.remove(1);
        let err = verify(&events).unwrap_err();
        assert_eq!((err.position, err.seq), (2, 3));
    }

    #[test]
    fn an_inserted_event_is_found_even_with_a_valid_own_hash() {
        let mut events = chain(5);
        let forged_content = content(3, "read");
        let forged = StoredAuditEvent {
            hash: chain_hash(&events[1].hash, &forged_content),
            prev_hash: events[1].hash.clone(),
            content: forged_content,
        };
        // The forger renumbers what follows to keep the sequence contiguous.
        for e in events.iter_mut().skip(2) {
            e.content.seq += 1;
        }
        events.insert(2, forged);
        let err = verify(&events).unwrap_err();
        assert_eq!(
            err.position, 4,
            "the event after the insertion no longer links"
        );
    }
}
