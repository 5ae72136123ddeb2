//! The audit trail's hash chain. Each event's hash is SHA-256 over the previous event's hash and
//! the event's canonical content, so changing, removing or inserting an event breaks the chain
//! at that position.

use std::collections::VecDeque;

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

/// A position in the chain: an event's sequence number and hash. The empty chain's head is
/// sequence 0 with [`GENESIS_HASH`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
}

impl ChainHead {
    /// The head of an empty chain.
    pub fn genesis() -> Self {
        ChainHead {
            seq: 0,
            hash: GENESIS_HASH.to_owned(),
        }
    }
}

/// A chain head signed with a key held outside the database: a checkpoint. Whoever can rewrite
/// the database cannot make one, so a chain that is shorter than, or differs from, a signed head
/// was changed after it was signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHead {
    pub head: ChainHead,
    /// When it was signed, UTC milliseconds.
    pub at_ms: i64,
    /// Which key of the keyring signed it.
    pub key_id: String,
    /// Hex HMAC-SHA-256 over [`SignedHead::message`].
    pub signature: String,
}

/// First field of an anchor line, naming what it is and the format's version.
const ANCHOR_KIND: &str = "containment_audit_anchor";

/// Why an anchor line could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a Containment audit anchor: {0}")]
pub struct AnchorParseError(&'static str);

impl SignedHead {
    /// The bytes the signature covers.
    pub fn message(head: &ChainHead, at_ms: i64, key_id: &str) -> Vec<u8> {
        format!(
            "containment audit head v1\nseq {}\nhash {}\nat_ms {at_ms}\nkey {key_id}\n",
            head.seq, head.hash
        )
        .into_bytes()
    }

    /// One line of JSON for an operator to keep outside the database (syslog, a ticket, a
    /// write-once bucket). `at` repeats `at_ms` for people; only `at_ms` is signed.
    pub fn anchor_line(&self) -> String {
        let at = chrono::DateTime::from_timestamp_millis(self.at_ms)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            .unwrap_or_default();
        let text = |v: &str| serde_json::Value::from(v).to_string();
        // Written field by field so that the kind comes first, as a reader expects.
        format!(
            "{{\"{ANCHOR_KIND}\":1,\"seq\":{},\"hash\":{},\"at\":{},\"at_ms\":{},\"key_id\":{},\"signature\":{}}}",
            self.head.seq,
            text(&self.head.hash),
            text(&at),
            self.at_ms,
            text(&self.key_id),
            text(&self.signature)
        )
    }

    /// Reads an anchor written by [`SignedHead::anchor_line`]: the last non-empty line of
    /// `text`, so a file of anchors appended over time checks against the newest.
    pub fn parse_anchor(text: &str) -> Result<SignedHead, AnchorParseError> {
        let line = text
            .lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty())
            .ok_or(AnchorParseError("the file is empty"))?;
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|_| AnchorParseError("the line is not JSON"))?;
        if v.get(ANCHOR_KIND).and_then(serde_json::Value::as_i64) != Some(1) {
            return Err(AnchorParseError("the format is unknown"));
        }
        let text_field = |name: &'static str| {
            v.get(name)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
                .ok_or(AnchorParseError(name))
        };
        let number = |name: &'static str| {
            v.get(name)
                .and_then(serde_json::Value::as_i64)
                .ok_or(AnchorParseError(name))
        };
        let hash = text_field("hash")?;
        let seq = number("seq")?;
        if seq < 0 || hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AnchorParseError("the head is malformed"));
        }
        Ok(SignedHead {
            head: ChainHead { seq, hash },
            at_ms: number("at_ms")?,
            key_id: text_field("key_id")?,
            signature: text_field("signature")?,
        })
    }
}

/// Walks events in sequence order, one call per event, without holding the chain in memory,
/// and compares the walk with the signed heads it must pass through.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    expected_prev: String,
    expected_seq: i64,
    position: u64,
    /// Signed heads not reached yet, lowest sequence first.
    checkpoints: VecDeque<ChainHead>,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier::resume(ChainHead::genesis(), Vec::new())
    }
}

impl ChainVerifier {
    /// A walk from the first event that must pass through every head in `checkpoints`.
    pub fn with_checkpoints(checkpoints: Vec<ChainHead>) -> Self {
        ChainVerifier::resume(ChainHead::genesis(), checkpoints)
    }

    /// A walk that continues after `from`, an event already known good (the next event must
    /// link to it). Positions count from `from`, so they stay the sequence numbers.
    pub fn resume(from: ChainHead, mut checkpoints: Vec<ChainHead>) -> Self {
        checkpoints.retain(|c| c.seq > from.seq);
        checkpoints.sort_by_key(|c| c.seq);
        ChainVerifier {
            position: u64::try_from(from.seq).unwrap_or(0),
            expected_seq: from.seq + 1,
            expected_prev: from.hash,
            checkpoints: checkpoints.into(),
        }
    }

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
        while let Some(checkpoint) = self.checkpoints.front() {
            if checkpoint.seq != event.content.seq {
                break;
            }
            if checkpoint.hash != event.hash {
                return Err(fail(
                    "the chain differs from a signed checkpoint (events up to here were \
                     rewritten and their hashes recomputed)",
                ));
            }
            self.checkpoints.pop_front();
        }
        self.expected_prev = event.hash.clone();
        self.expected_seq += 1;
        Ok(())
    }

    /// Ends the walk: the head reached, or where the chain falls short of a signed head (its
    /// newest events were removed).
    pub fn finish(&self) -> Result<ChainHead, ChainBreak> {
        if self.checkpoints.front().is_some() {
            return Err(ChainBreak {
                position: self.position + 1,
                seq: self.expected_seq,
                reason: "the chain ends before a signed checkpoint (its newest events were removed)",
            });
        }
        Ok(ChainHead {
            seq: self.expected_seq - 1,
            hash: self.expected_prev.clone(),
        })
    }

    /// Events checked so far (with a resumed walk: the sequence number reached).
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

    fn head_of(events: &[StoredAuditEvent], seq: i64) -> ChainHead {
        let e = &events[usize::try_from(seq - 1).unwrap()];
        ChainHead {
            seq,
            hash: e.hash.clone(),
        }
    }

    fn walk(
        events: &[StoredAuditEvent],
        checkpoints: Vec<ChainHead>,
    ) -> Result<ChainHead, ChainBreak> {
        let mut v = ChainVerifier::with_checkpoints(checkpoints);
        for e in events {
            v.check(e)?;
        }
        v.finish()
    }

    /// Recomputes every hash from `from` (0-based) on, as a forger with database access would.
    fn rehash(events: &mut [StoredAuditEvent], from: usize) {
        let mut prev = if from == 0 {
            GENESIS_HASH.to_owned()
        } else {
            events[from - 1].hash.clone()
        };
        for e in events.iter_mut().skip(from) {
            e.prev_hash = prev.clone();
            e.hash = chain_hash(&prev, &e.content);
            prev = e.hash.clone();
        }
    }

    #[test]
    fn a_walk_through_its_checkpoints_reaches_the_head() {
        let events = chain(6);
        let head = walk(&events, vec![head_of(&events, 2), head_of(&events, 6)]).unwrap();
        assert_eq!(head, head_of(&events, 6));
        assert_eq!(
            walk(&[], vec![ChainHead::genesis()]),
            Ok(ChainHead::genesis())
        );
    }

    #[test]
    fn a_chain_cut_below_a_checkpoint_is_found() {
        let events = chain(6);
        let signed = head_of(&events, 5);
        // Cut back to exactly the checkpoint: still whole.
        assert!(walk(&events[..5], vec![signed.clone()]).is_ok());
        // One event fewer than the checkpoint: the tail was removed.
        let err = walk(&events[..4], vec![signed]).unwrap_err();
        assert_eq!((err.position, err.seq), (5, 5));
        assert!(err.reason.contains("ends before a signed checkpoint"));
    }

    #[test]
    fn a_rewritten_and_rehashed_chain_is_found_at_the_checkpoint() {
        let mut events = chain(6);
        let signed = head_of(&events, 4);
        events[1].content.outcome = "failure".into();
        rehash(&mut events, 1);
        assert!(walk(&events, Vec::new()).is_ok(), "the links alone hold");
        let err = walk(&events, vec![signed]).unwrap_err();
        assert_eq!((err.position, err.seq), (4, 4));
        assert!(err.reason.contains("differs from a signed checkpoint"));
        // A rewrite after the newest checkpoint is beyond what it can show.
        let mut events = chain(6);
        let signed = head_of(&events, 4);
        events[4].content.outcome = "failure".into();
        rehash(&mut events, 4);
        assert!(walk(&events, vec![signed]).is_ok());
    }

    #[test]
    fn a_resumed_walk_counts_from_its_start() {
        let events = chain(6);
        let mut v = ChainVerifier::resume(head_of(&events, 3), vec![head_of(&events, 2)]);
        for e in &events[3..] {
            v.check(e).unwrap();
        }
        assert_eq!(v.finish(), Ok(head_of(&events, 6)));
        let mut v = ChainVerifier::resume(head_of(&events, 3), Vec::new());
        let err = v.check(&events[4]).unwrap_err();
        assert_eq!((err.position, err.seq), (4, 5));
    }

    #[test]
    fn anchors_round_trip_and_reject_other_text() {
        let signed = SignedHead {
            head: ChainHead {
                seq: 42,
                hash: "ab".repeat(32),
            },
            at_ms: 1_795_000_000_123,
            key_id: "k-1f2e3d4c".into(),
            signature: "cd".repeat(32),
        };
        let line = signed.anchor_line();
        assert!(!line.contains('\n'));
        assert!(
            line.starts_with("{\"containment_audit_anchor\":1,\"seq\":42,")
                && line.contains("\"at\":\"2026-11-18T11:06:40.123Z\""),
            "{line}"
        );
        assert_eq!(SignedHead::parse_anchor(&line), Ok(signed.clone()));
        // A file of anchors appended over time: the newest (last) line counts.
        let older = SignedHead {
            head: ChainHead::genesis(),
            ..signed.clone()
        };
        let file = format!("{}\n{line}\n\n", older.anchor_line());
        assert_eq!(SignedHead::parse_anchor(&file), Ok(signed));
        for bad in ["", "hello", "{}", "{\"containment_audit_anchor\":2}"] {
            assert!(SignedHead::parse_anchor(bad).is_err(), "{bad}");
        }
        let short_hash = line.replace(&"ab".repeat(32), "abc");
        assert!(SignedHead::parse_anchor(&short_hash).is_err());
    }

    #[test]
    fn the_signed_message_covers_every_field() {
        let head = ChainHead {
            seq: 7,
            hash: "ab".repeat(32),
        };
        let base = SignedHead::message(&head, 1, "k1");
        let other_seq = ChainHead {
            seq: 8,
            ..head.clone()
        };
        assert_ne!(base, SignedHead::message(&other_seq, 1, "k1"));
        assert_ne!(base, SignedHead::message(&head, 2, "k1"));
        assert_ne!(base, SignedHead::message(&head, 1, "k2"));
    }
}
