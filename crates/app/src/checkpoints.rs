//! Signed checkpoints of the audit chain. The hash chain alone shows a changed or missing event
//! in the middle, but not a chain cut short, nor one rewritten with every later hash recomputed.
//! A checkpoint is the chain head (sequence number and hash) signed with a key held outside the
//! database, made at a regular interval, at every verification and for every anchor; the chain
//! must pass through every checkpoint. An anchor is a checkpoint an operator keeps elsewhere,
//! which also holds when someone removes checkpoints from the database.

use chrono::{DateTime, Utc};
use containment_domain::audit::{ChainBreak, ChainHead, SignedHead};

use crate::keys::HeadFault;
use crate::{App, AppError};

/// What a walk of the audit trail found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditVerdict {
    /// The chain links, passes through every signed checkpoint (and the anchor, if given), and
    /// its head is signed now.
    Intact {
        /// Events in the chain, up to the signed head.
        events: u64,
        /// Signed checkpoints the chain was compared with.
        checkpoints: usize,
        head: SignedHead,
    },
    /// The chain does not link, or falls short of or differs from a signed head.
    Broken(ChainBreak),
    /// A checkpoint (or the anchor) is not genuine.
    Forged {
        /// `checkpoint` or `anchor`.
        what: &'static str,
        seq: i64,
        fault: HeadFault,
    },
}

/// What made a checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointOrigin {
    /// The regular job of a running server.
    Interval,
    /// `containment audit verify`.
    Verify,
    /// `containment audit anchor`.
    Anchor,
    /// `containment keys rotate`: the first checkpoint under the new key.
    Rotate,
}

impl CheckpointOrigin {
    fn code(self) -> &'static str {
        match self {
            CheckpointOrigin::Interval => "interval",
            CheckpointOrigin::Verify => "verify",
            CheckpointOrigin::Anchor => "anchor",
            CheckpointOrigin::Rotate => "rotate",
        }
    }
}

impl App {
    /// The console's `audit verify`: checks the signature of every stored checkpoint and of the
    /// `anchor`, walks the whole chain through all of them, and signs the head it reached.
    #[tracing::instrument(skip_all)]
    pub async fn verify_audit(
        &self,
        anchor: Option<&SignedHead>,
        now: DateTime<Utc>,
    ) -> Result<AuditVerdict, AppError> {
        let stored = self.store.audit_checkpoints().await?;
        for checkpoint in &stored {
            if let Err(fault) = self.keys.check_head(checkpoint) {
                return Ok(AuditVerdict::Forged {
                    what: "checkpoint",
                    seq: checkpoint.head.seq,
                    fault,
                });
            }
        }
        let checkpoints = stored.len();
        let mut heads: Vec<ChainHead> = stored.into_iter().map(|c| c.head).collect();
        if let Some(anchor) = anchor {
            if let Err(fault) = self.keys.check_head(anchor) {
                return Ok(AuditVerdict::Forged {
                    what: "anchor",
                    seq: anchor.head.seq,
                    fault,
                });
            }
            heads.push(anchor.head.clone());
        }
        let head = match self
            .store
            .walk_audit_chain(&ChainHead::genesis(), heads)
            .await?
        {
            Ok(head) => head,
            Err(b) => return Ok(AuditVerdict::Broken(b)),
        };
        let signed = self.keys.sign_head(head, now.timestamp_millis())?;
        // The verdict stands even where the checkpoint cannot be kept (a backup opened
        // read-only, say).
        if let Err(e) = self
            .store
            .add_audit_checkpoint(&signed, CheckpointOrigin::Verify.code())
            .await
        {
            tracing::warn!(error = %e, "the verified head could not be stored as a checkpoint");
        }
        Ok(AuditVerdict::Intact {
            events: u64::try_from(signed.head.seq).unwrap_or(0),
            checkpoints,
            head: signed,
        })
    }

    /// Signs the chain's head if the events since the newest checkpoint link to it, and returns
    /// the newest signed head (the one before when nothing was appended since). Walks only what
    /// is new, so it is cheap enough to run every few minutes.
    #[tracing::instrument(skip_all)]
    pub async fn checkpoint_audit(
        &self,
        origin: CheckpointOrigin,
        now: DateTime<Utc>,
    ) -> Result<AuditVerdict, AppError> {
        let last = self.store.last_audit_checkpoint().await?;
        if let Some(last) = &last
            && let Err(fault) = self.keys.check_head(last)
        {
            return Ok(AuditVerdict::Forged {
                what: "checkpoint",
                seq: last.head.seq,
                fault,
            });
        }
        let from = last
            .as_ref()
            .map_or_else(ChainHead::genesis, |l| l.head.clone());
        let head = match self.store.walk_audit_chain(&from, Vec::new()).await? {
            Ok(head) => head,
            Err(b) => return Ok(AuditVerdict::Broken(b)),
        };
        let signed = match last {
            Some(last) if last.head == head && origin == CheckpointOrigin::Interval => last,
            _ => {
                let signed = self.keys.sign_head(head, now.timestamp_millis())?;
                self.store
                    .add_audit_checkpoint(&signed, origin.code())
                    .await?;
                signed
            }
        };
        Ok(AuditVerdict::Intact {
            events: u64::try_from(signed.head.seq).unwrap_or(0),
            checkpoints: 1,
            head: signed,
        })
    }
}
