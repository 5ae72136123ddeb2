//! Safe retries of API creates: a request sent with an `Idempotency-Key` claims the key for
//! its caller before it runs, and its answer is kept for a day. The same request again gets the
//! first answer; another request with the same key is refused.

use chrono::{DateTime, Duration, Utc};
use containment_domain::audit::Outcome;
pub use containment_storage::{IdempotencyClaim, StoredAnswer};

use crate::actor::AuditEntry;
use crate::{Actor, App, AppError};

/// How long a key and its answer are kept.
pub const IDEMPOTENCY_KEEP_HOURS: i64 = 24;

/// A claim without an answer after this long belongs to a request that died; the key is free.
const ABANDONED_AFTER_MINUTES: i64 = 5;

/// The longest key accepted (a UUID is 36 characters).
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

/// Checks a key as a client sent it: 1 to 255 visible ASCII characters.
pub fn idempotency_key(raw: &[u8]) -> Result<&str, AppError> {
    let ok = !raw.is_empty()
        && raw.len() <= MAX_IDEMPOTENCY_KEY
        && raw.iter().all(|b| (0x21..=0x7e).contains(b));
    match std::str::from_utf8(raw) {
        Ok(key) if ok => Ok(key),
        _ => Err(AppError::invalid(format!(
            "Idempotency-Key: 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters without spaces \
             (a UUID, say)"
        ))),
    }
}

/// What makes two requests the same: method, path (the record acted on), content type and
/// body, hashed.
pub fn request_fingerprint(method: &str, path: &str, content_type: &str, body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [method.as_bytes(), path.as_bytes(), content_type.as_bytes()] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    h.update(body);
    hex::encode(h.finalize())
}

impl App {
    /// Claims `key` for the actor's request with this fingerprint (method, route and body). A
    /// replayed answer is audited, as it shows the record the first request made.
    pub async fn claim_idempotency_key(
        &self,
        actor: &Actor,
        key: &str,
        fingerprint: &str,
        route: &str,
        now: DateTime<Utc>,
    ) -> Result<IdempotencyClaim, AppError> {
        let user = actor.user_id().ok_or(AppError::Unauthenticated)?;
        let tx = self.store.begin().await?;
        let claim = tx
            .claim_idempotency_key(
                user,
                key,
                fingerprint,
                now,
                Duration::hours(IDEMPOTENCY_KEEP_HOURS),
                Duration::minutes(ABANDONED_AFTER_MINUTES),
            )
            .await?;
        if let IdempotencyClaim::Answered(_) = &claim {
            AuditEntry::new("api_request_replay", Outcome::Success, now)
                .by(actor)
                .object("route", route)
                .write(&tx)
                .await?;
        }
        tx.commit().await?;
        Ok(claim)
    }

    /// Keeps the answer of the request that holds `key`.
    pub async fn keep_idempotent_answer(
        &self,
        actor: &Actor,
        key: &str,
        answer: &StoredAnswer,
    ) -> Result<(), AppError> {
        let user = actor.user_id().ok_or(AppError::Unauthenticated)?;
        let tx = self.store.begin().await?;
        tx.answer_idempotency_key(user, key, answer).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Frees `key` after its request failed, so a retry runs again.
    pub async fn release_idempotency_key(&self, actor: &Actor, key: &str) -> Result<(), AppError> {
        let user = actor.user_id().ok_or(AppError::Unauthenticated)?;
        let tx = self.store.begin().await?;
        tx.release_idempotency_key(user, key).await?;
        tx.commit().await?;
        Ok(())
    }
}
