//! Signing in: password, second factor, sessions, re-authentication and API tokens.

use chrono::{DateTime, Duration, Utc};
use containment_domain::Email;
use containment_domain::audit::Outcome;
use containment_domain::security::{
    self, Factor, LOCKOUT_WINDOW, NewPassword, SessionState, session_state,
};
use containment_storage::{NewSession, StoredUser, TokenRecord, Tx, UserSessionRecord};
use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::actor::{Actor, AuditEntry, Channel, Client, random_hex, secret_hash};
use crate::input::one_line;
use crate::{App, AppError, KeyError, password};

/// Issuer shown in authenticator apps.
const TOTP_ISSUER: &str = "Containment";
/// Recovery codes issued at enrollment.
pub const RECOVERY_CODES: usize = 10;
/// How often `last_seen_at` is written for a busy session: idle time is measured to this grain.
const TOUCH_GRAIN: Duration = Duration::seconds(60);

/// A hash that no password matches, verified for unknown accounts so that the time taken does
/// not reveal whether an account exists.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3rIjFEmNVUGVNh7dHjOb4ioKZ5S05Fm1FdP4bJh5pK0";

/// What a fresh sign-in still owes before the session is fully usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// No authenticator yet: enroll one (first sign-in, or after an MFA reset).
    EnrollMfa,
    /// Enter the current code (or a recovery code).
    VerifyMfa,
}

/// A session just created by a correct password.
#[derive(Debug)]
pub struct SignedIn {
    /// The session secret for the cookie. Only its hash is stored.
    pub token: String,
    pub session: UserSessionRecord,
    pub next: NextStep,
}

/// What a presented session cookie is worth now.
#[derive(Debug)]
pub enum SessionCheck {
    /// Fully signed in (password and second factor).
    Active {
        actor: Actor,
        session: UserSessionRecord,
    },
    /// Password accepted, second factor still owed.
    MfaPending {
        user: StoredUser,
        session: UserSessionRecord,
    },
    /// Idle too long: the password must be entered again.
    Locked {
        user: StoredUser,
        session: UserSessionRecord,
    },
    /// Unknown, ended, expired, or the user was disabled.
    Invalid,
}

/// What a presented API token is worth now.
#[derive(Debug)]
pub enum TokenCheck {
    Valid(Actor),
    Refused(TokenRefusal),
}

/// Why a token was refused, and whose it was when it is known: for the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenRefusal {
    pub user_id: Option<i64>,
    pub token_id: Option<i64>,
    /// `unknown_token`, `revoked`, `expired`, `account_disabled` or `account_locked`.
    pub reason: &'static str,
}

/// A TOTP enrollment in progress.
#[derive(Debug, Clone)]
pub struct Enrollment {
    /// `otpauth://` URL for the QR code.
    pub url: String,
    /// The secret in base32, for typing into an app by hand.
    pub secret_base32: String,
}

/// A new API token: the secret is shown once.
#[derive(Debug)]
pub struct NewToken {
    pub token: String,
    pub record: TokenRecord,
}

fn totp_for(secret_base32: &str, account: &str) -> Result<Totp, AppError> {
    let secret = Secret::try_from_base32(secret_base32)
        .map_err(|_| AppError::Internal("stored TOTP secret is not base32".into()))?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret)
        .with_account_name(account)
        .with_issuer(Some(TOTP_ISSUER))
        .build()
        .map_err(|e| AppError::Internal(e.to_string()))
}

fn unix_seconds(now: DateTime<Utc>) -> u64 {
    u64::try_from(now.timestamp()).unwrap_or(0)
}

/// The current TOTP code for a base32 secret; for tests and the enrollment page's self-check.
pub fn totp_code(secret_base32: &str, now: DateTime<Utc>) -> Result<String, AppError> {
    Ok(totp_for(secret_base32, "x")?
        .generate(unix_seconds(now))
        .to_string())
}

fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_lowercase()
}

/// The longest life a token may be given, in days (ten years).
pub const MAX_TOKEN_DAYS: u32 = 3650;

impl App {
    /// First factor. Every outcome is audited; failures count towards the lockout.
    pub async fn sign_in(
        &self,
        email: &str,
        password_input: &str,
        client: &Client,
        now: DateTime<Utc>,
    ) -> Result<SignedIn, AppError> {
        let tx = self.store.begin().await?;
        let user = match Email::parse(email) {
            Ok(email) => tx.user_by_email(&email).await?,
            Err(_) => None,
        };
        let Some(user) = user else {
            password::verify(password_input.to_owned(), DECOY_HASH.to_owned()).await?;
            AuditEntry::new("sign_in", Outcome::Failure, now)
                .by_user(None, None, client)
                .detail("unknown_account")
                .write(&tx)
                .await?;
            tx.commit().await?;
            return Err(AppError::SignInFailed);
        };
        let creds = tx.credentials(user.id).await?;
        let password_ok = password::verify(password_input.to_owned(), creds.password_hash).await?;
        if user.disabled || user.locked {
            AuditEntry::new("sign_in", Outcome::Failure, now)
                .by_user(Some(user.id), None, client)
                .object("user", user.id)
                .detail(if user.disabled { "disabled" } else { "locked" })
                .write(&tx)
                .await?;
            tx.commit().await?;
            return Err(AppError::SignInFailed);
        }
        if !password_ok {
            self.record_failure(&tx, &user, client, now, Factor::Password, "wrong_password")
                .await?;
            tx.commit().await?;
            return Err(AppError::SignInFailed);
        }
        tx.record_sign_in_attempt(user.id, now, Factor::Password, true)
            .await?;
        let token = random_hex(32)?;
        let session = tx
            .create_user_session(NewSession {
                token_hash: secret_hash(&token),
                user_id: user.id,
                now,
                client_addr: client.addr.clone(),
                user_agent: client
                    .user_agent
                    .clone()
                    .map(|ua| ua.chars().take(200).collect()),
                csrf_token: random_hex(32)?,
            })
            .await?;
        AuditEntry::new("sign_in_password", Outcome::Success, now)
            .by_user(Some(user.id), Some(session.id), client)
            .object("user", user.id)
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(SignedIn {
            token,
            session,
            next: if user.mfa_enrolled {
                NextStep::VerifyMfa
            } else {
                NextStep::EnrollMfa
            },
        })
    }

    /// Records a failed attempt at `factor` and locks the account on the threshold-th failure of
    /// that factor in the window.
    async fn record_failure(
        &self,
        tx: &Tx,
        user: &StoredUser,
        client: &Client,
        now: DateTime<Utc>,
        factor: Factor,
        reason: &str,
    ) -> Result<(), AppError> {
        tx.record_sign_in_attempt(user.id, now, factor, false)
            .await?;
        AuditEntry::new("sign_in", Outcome::Failure, now)
            .by_user(Some(user.id), None, client)
            .object("user", user.id)
            .detail(reason)
            .write(tx)
            .await?;
        let failures = tx
            .recent_failures(user.id, factor, now - LOCKOUT_WINDOW)
            .await?;
        if security::should_lock(&failures, now) {
            tx.set_user_locked(user.id, Some(now)).await?;
            tx.end_sessions(user.id, None, None, now, "account_locked")
                .await?;
            AuditEntry::new("account_locked", Outcome::Success, now)
                .by_user(Some(user.id), None, client)
                .object("user", user.id)
                .detail(match factor {
                    Factor::Password => "too_many_failures",
                    Factor::SecondFactor => "too_many_second_factor_failures",
                })
                .write(tx)
                .await?;
        }
        Ok(())
    }

    /// Resolves a session cookie. Ends sessions past their absolute limit, and of disabled users.
    /// Runs on every request, so it reads without the write lock and writes only when
    /// something changes (an ended session, or the idle clock at most once a minute).
    pub async fn check_session(
        &self,
        token: &str,
        client: &Client,
        now: DateTime<Utc>,
    ) -> Result<SessionCheck, AppError> {
        let tx = self.store.begin_read().await?;
        let Some((session, user)) = tx.session_and_user(&secret_hash(token)).await? else {
            return Ok(SessionCheck::Invalid);
        };
        tx.commit().await?;
        if session.ended_at.is_some() {
            return Ok(SessionCheck::Invalid);
        }
        let Some(user) = user else {
            return Ok(SessionCheck::Invalid);
        };
        if user.disabled || user.locked {
            let tx = self.store.begin().await?;
            tx.end_sessions(user.id, Some(session.id), None, now, "user_disabled")
                .await?;
            tx.commit().await?;
            return Ok(SessionCheck::Invalid);
        }
        match session_state(session.created_at, session.last_seen_at, now) {
            SessionState::Expired => {
                let tx = self.store.begin().await?;
                tx.end_sessions(user.id, Some(session.id), None, now, "expired")
                    .await?;
                AuditEntry::new("session_expired", Outcome::Success, now)
                    .by_user(Some(user.id), Some(session.id), client)
                    .object("session", session.id)
                    .write(&tx)
                    .await?;
                tx.commit().await?;
                Ok(SessionCheck::Invalid)
            }
            SessionState::Locked => Ok(SessionCheck::Locked { user, session }),
            SessionState::Active if session.mfa_at.is_none() => {
                Ok(SessionCheck::MfaPending { user, session })
            }
            SessionState::Active => {
                if now - session.last_seen_at >= TOUCH_GRAIN {
                    let tx = self.store.begin().await?;
                    tx.touch_session(session.id, now).await?;
                    tx.commit().await?;
                }
                Ok(SessionCheck::Active {
                    actor: Actor {
                        user: Some(user),
                        channel: Channel::Session(session.id),
                        client: client.clone(),
                    },
                    session,
                })
            }
        }
    }

    /// Starts (or resumes) TOTP enrollment for a user who has none.
    pub async fn begin_enrollment(
        &self,
        user_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Enrollment, AppError> {
        let tx = self.store.begin().await?;
        let user = tx.user(user_id).await?.ok_or(AppError::NotFound)?;
        if user.mfa_enrolled {
            return Err(AppError::Conflict(
                "an authenticator is already enrolled".into(),
            ));
        }
        let creds = tx.credentials(user_id).await?;
        let pending = match creds.totp_secret {
            Some(stored) => match self.keys.open_totp(user_id, &stored) {
                Ok(secret) => Some(secret),
                // Sealed under a key since lost: nothing is enrolled yet, so start afresh.
                Err(KeyError::UnknownKey(_) | KeyError::Undecryptable) => None,
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        let secret = match pending {
            Some(secret) => secret,
            None => {
                let mut bytes = [0u8; 20];
                getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(e.to_string()))?;
                let s = Secret::from(bytes.to_vec()).to_base32();
                let sealed = self.keys.seal_totp(user_id, &s)?;
                tx.set_totp(user_id, Some(sealed), None).await?;
                AuditEntry::new("mfa_enrollment_started", Outcome::Success, now)
                    .by_user(Some(user_id), None, &Client::default())
                    .object("user", user_id)
                    .write(&tx)
                    .await?;
                tx.commit().await?;
                s
            }
        };
        let totp = totp_for(&secret, user.email.as_str())?;
        let url = totp
            .to_url()
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(Enrollment {
            url,
            secret_base32: secret,
        })
    }

    /// Checks `code` against the user's secret and claims its time step, refusing replays.
    async fn accept_totp(
        &self,
        tx: &Tx,
        user: &StoredUser,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, AppError> {
        let creds = tx.credentials(user.id).await?;
        let Some(stored) = creds.totp_secret else {
            return Ok(false);
        };
        let secret = match self.keys.open_totp(user.id, &stored) {
            Ok(secret) => secret,
            Err(e @ (KeyError::UnknownKey(_) | KeyError::Undecryptable)) => {
                // The account cannot use its authenticator until the key file is put right or
                // an administrator resets its two-step verification.
                tracing::error!(error = %e, "a TOTP secret cannot be decrypted");
                return Ok(false);
            }
            Err(e) => return Err(e.into()),
        };
        let totp = totp_for(&secret, user.email.as_str())?;
        let Some(step) = totp.check(&normalise_code(code), unix_seconds(now)) else {
            return Ok(false);
        };
        let step = i64::try_from(step).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(tx.claim_totp_step(user.id, step).await?)
    }

    /// Finishes enrollment with a first code; returns the recovery codes, shown once.
    pub async fn confirm_enrollment(
        &self,
        session_id: i64,
        code: &str,
        client: &Client,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, AppError> {
        let tx = self.store.begin().await?;
        let session = tx
            .session(session_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let user = tx
            .user(session.user_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if user.mfa_enrolled {
            return Err(AppError::Conflict(
                "an authenticator is already enrolled".into(),
            ));
        }
        if !self.accept_totp(&tx, &user, code, now).await? {
            self.record_failure(
                &tx,
                &user,
                client,
                now,
                Factor::SecondFactor,
                "wrong_enrollment_code",
            )
            .await?;
            tx.commit().await?;
            return Err(AppError::InvalidCode);
        }
        let creds = tx.credentials(user.id).await?;
        let last_step = creds.totp_last_step;
        tx.set_totp(user.id, creds.totp_secret, Some(now)).await?;
        if let Some(step) = last_step {
            // Keep the replay guard across the enrollment write.
            tx.claim_totp_step(user.id, step).await?;
        }
        let codes = self.issue_recovery_codes(&tx, user.id).await?;
        tx.mark_session_mfa(session.id, now).await?;
        tx.record_sign_in_attempt(user.id, now, Factor::SecondFactor, true)
            .await?;
        AuditEntry::new("mfa_enrolled", Outcome::Success, now)
            .by_user(Some(user.id), Some(session.id), client)
            .object("user", user.id)
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(codes)
    }

    /// New recovery codes of 80 random bits each; only their hashes, keyed with the current
    /// key, are kept.
    async fn issue_recovery_codes(&self, tx: &Tx, user_id: i64) -> Result<Vec<String>, AppError> {
        let mut codes = Vec::with_capacity(RECOVERY_CODES);
        let mut hashes = Vec::with_capacity(RECOVERY_CODES);
        for _ in 0..RECOVERY_CODES {
            let mut bytes = [0u8; security::RECOVERY_CODE_BYTES];
            getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(e.to_string()))?;
            let code = security::recovery_code(bytes);
            hashes.push(self.keys.recovery_hash(&code)?);
            codes.push(code);
        }
        tx.replace_recovery_codes(user_id, hashes).await?;
        Ok(codes)
    }

    /// Second factor for an enrolled user: a current TOTP code or an unused recovery code.
    pub async fn verify_mfa(
        &self,
        session_id: i64,
        code: &str,
        client: &Client,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let tx = self.store.begin().await?;
        let session = tx
            .session(session_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let user = tx
            .user(session.user_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if session.ended_at.is_some() || user.disabled || user.locked {
            return Err(AppError::Unauthenticated);
        }
        let code = normalise_code(code);
        let (ok, method) = if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) {
            (self.accept_totp(&tx, &user, &code, now).await?, "totp")
        } else {
            (
                tx.use_recovery_code(user.id, &self.keys.recovery_hash_candidates(&code), now)
                    .await?,
                "recovery_code",
            )
        };
        if !ok {
            let reason = match method {
                "totp" => "wrong_totp_code",
                _ => "wrong_recovery_code",
            };
            self.record_failure(&tx, &user, client, now, Factor::SecondFactor, reason)
                .await?;
            tx.commit().await?;
            return Err(AppError::InvalidCode);
        }
        tx.record_sign_in_attempt(user.id, now, Factor::SecondFactor, true)
            .await?;
        tx.mark_session_mfa(session.id, now).await?;
        AuditEntry::new("sign_in", Outcome::Success, now)
            .by_user(Some(user.id), Some(session.id), client)
            .object("user", user.id)
            .detail(method)
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Unlocks an idle-locked session with the password.
    pub async fn unlock_session(
        &self,
        session_id: i64,
        password_input: &str,
        client: &Client,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let tx = self.store.begin().await?;
        let session = tx
            .session(session_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let user = tx
            .user(session.user_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let creds = tx.credentials(user.id).await?;
        if !password::verify(password_input.to_owned(), creds.password_hash).await? {
            self.record_failure(
                &tx,
                &user,
                client,
                now,
                Factor::Password,
                "wrong_unlock_password",
            )
            .await?;
            tx.commit().await?;
            return Err(AppError::SignInFailed);
        }
        tx.mark_session_password(session.id, now).await?;
        AuditEntry::new("session_unlocked", Outcome::Success, now)
            .by_user(Some(user.id), Some(session.id), client)
            .object("session", session.id)
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn sign_out(
        &self,
        session_id: i64,
        client: &Client,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let tx = self.store.begin().await?;
        let Some(session) = tx.session(session_id).await? else {
            return Ok(());
        };
        tx.end_sessions(session.user_id, Some(session.id), None, now, "signed_out")
            .await?;
        AuditEntry::new("sign_out", Outcome::Success, now)
            .by_user(Some(session.user_id), Some(session.id), client)
            .object("session", session.id)
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The actor's own open sessions.
    pub async fn my_sessions(&self, actor: &Actor) -> Result<Vec<UserSessionRecord>, AppError> {
        let user_id = actor.user_id().ok_or(AppError::Unauthenticated)?;
        let tx = self.store.begin_read().await?;
        let sessions = tx.open_sessions(user_id).await?;
        Ok(sessions)
    }

    /// Ends one of the actor's own sessions (not necessarily the current one).
    pub async fn end_my_session(
        &self,
        actor: &Actor,
        session_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let user_id = actor.user_id().ok_or(AppError::Unauthenticated)?;
        let tx = self.store.begin().await?;
        let ended = tx
            .end_sessions(user_id, Some(session_id), None, now, "ended_by_user")
            .await?;
        if ended == 0 {
            return Err(AppError::NotFound);
        }
        AuditEntry::new("session_ended", Outcome::Success, now)
            .by(actor)
            .object("session", session_id)
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes the actor's password. The current password is the re-authentication; other
    /// sessions end.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: &str,
        new: &str,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let user = actor.user.clone().ok_or(AppError::Unauthenticated)?;
        let tx = self.store.begin().await?;
        let creds = tx.credentials(user.id).await?;
        if !password::verify(current.to_owned(), creds.password_hash).await? {
            self.record_failure(
                &tx,
                &user,
                &actor.client,
                now,
                Factor::Password,
                "wrong_current_password",
            )
            .await?;
            tx.commit().await?;
            return Err(AppError::invalid("the current password is not right"));
        }
        let new = NewPassword::parse(new, &[user.email.as_str(), &user.display_name])
            .map_err(|e| AppError::invalid(format!("new password: {e}")))?;
        if password::verify(
            new.expose().to_owned(),
            tx.credentials(user.id).await?.password_hash,
        )
        .await?
        {
            return Err(AppError::invalid(
                "new password: choose a password different from the current one",
            ));
        }
        let hash = password::hash(new.into_inner()).await?;
        tx.set_password(user.id, hash, false, now).await?;
        tx.end_sessions(user.id, None, actor.session_id(), now, "password_changed")
            .await?;
        // A token is as good as the password it was made under.
        tx.revoke_user_tokens(user.id, now).await?;
        if let Some(sid) = actor.session_id() {
            tx.mark_session_password(sid, now).await?;
        }
        AuditEntry::new("password_changed", Outcome::Success, now)
            .by(actor)
            .object("user", user.id)
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces the actor's own authenticator (a new phone, a lost device). The password is
    /// asked again first; other sessions end, and this one must enroll the new authenticator
    /// before it can be used.
    pub async fn reset_own_mfa(
        &self,
        actor: &Actor,
        password_input: &str,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let user = actor.user.clone().ok_or(AppError::Unauthenticated)?;
        let session_id = actor.session_id().ok_or(AppError::Unauthenticated)?;
        let tx = self.store.begin().await?;
        let creds = tx.credentials(user.id).await?;
        if !password::verify(password_input.to_owned(), creds.password_hash).await? {
            self.record_failure(
                &tx,
                &user,
                &actor.client,
                now,
                Factor::Password,
                "wrong_reauth_password",
            )
            .await?;
            tx.commit().await?;
            return Err(AppError::invalid("the password is not right"));
        }
        tx.set_totp(user.id, None, None).await?;
        tx.replace_recovery_codes(user.id, Vec::new()).await?;
        tx.end_sessions(user.id, None, Some(session_id), now, "mfa_replaced")
            .await?;
        tx.mark_session_password(session_id, now).await?;
        tx.clear_session_mfa(session_id).await?;
        AuditEntry::new("mfa_reset_by_user", Outcome::Success, now)
            .by(actor)
            .object("user", user.id)
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates an API token acting as `owner`, expiring after 1 to [`MAX_TOKEN_DAYS`] days or
    /// never. The secret is returned once; only its hash stays.
    pub async fn create_token(
        &self,
        actor: &Actor,
        owner: &Email,
        name: &str,
        expires_days: Option<u32>,
        now: DateTime<Utc>,
    ) -> Result<NewToken, AppError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::invalid(
                "token name: give a name of 1 to 100 characters",
            ));
        }
        one_line("token name", name)?;
        if expires_days.is_some_and(|d| !(1..=MAX_TOKEN_DAYS).contains(&d)) {
            return Err(AppError::invalid(format!(
                "expires in: give 1 to {MAX_TOKEN_DAYS} days, or no expiry"
            )));
        }
        let tx = self.store.begin().await?;
        let user = tx.user_by_email(owner).await?.ok_or(AppError::NotFound)?;
        let allowed = actor.is_console() || actor.user_id() == Some(user.id);
        if !allowed {
            return Err(AppError::Forbidden(
                "tokens can only be created for yourself".into(),
            ));
        }
        if user.disabled {
            return Err(AppError::invalid("the account is disabled"));
        }
        let token = format!("ctk_{}", random_hex(32)?);
        let expires_at =
            expires_days.and_then(|d| now.checked_add_signed(Duration::days(i64::from(d))));
        let record = tx
            .create_token(
                user.id,
                name.to_owned(),
                secret_hash(&token),
                token[..12].to_owned(),
                now,
                expires_at,
            )
            .await?;
        AuditEntry::new("token_created", Outcome::Success, now)
            .by(actor)
            .object("api_token", record.id)
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(NewToken { token, record })
    }

    /// Tokens of one user (the actor's own, or any for the console), or of everyone.
    pub async fn tokens(
        &self,
        actor: &Actor,
        owner: Option<&Email>,
    ) -> Result<Vec<TokenRecord>, AppError> {
        let tx = self.store.begin_read().await?;
        let owner_id = match owner {
            Some(email) => Some(tx.user_by_email(email).await?.ok_or(AppError::NotFound)?.id),
            None => None,
        };
        let owner_id = if actor.is_console() {
            owner_id
        } else {
            let me = actor.user_id().ok_or(AppError::Unauthenticated)?;
            if owner_id.is_some_and(|o| o != me) {
                return Err(AppError::Forbidden(
                    "you can only list your own tokens".into(),
                ));
            }
            Some(me)
        };
        Ok(tx.tokens(owner_id).await?)
    }

    pub async fn revoke_token(
        &self,
        actor: &Actor,
        token_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let tx = self.store.begin().await?;
        let token = tx.token(token_id).await?.ok_or(AppError::NotFound)?;
        if !actor.is_console() && actor.user_id() != Some(token.user_id) {
            // Someone else's token: answer as if it did not exist.
            return Err(AppError::NotFound);
        }
        if !tx.revoke_token(token_id, now).await? {
            return Err(AppError::Conflict("the token is already revoked".into()));
        }
        AuditEntry::new("token_revoked", Outcome::Success, now)
            .by(actor)
            .object("api_token", token_id)
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Resolves `Authorization: Bearer` to the token's user, with that user's rights only.
    pub async fn check_token(
        &self,
        token: &str,
        client: &Client,
        now: DateTime<Utc>,
    ) -> Result<TokenCheck, AppError> {
        let refused = |record: Option<&TokenRecord>, reason| {
            Ok(TokenCheck::Refused(TokenRefusal {
                user_id: record.map(|r| r.user_id),
                token_id: record.map(|r| r.id),
                reason,
            }))
        };
        let tx = self.store.begin_read().await?;
        let Some(record) = tx.token_by_hash(&secret_hash(token.trim())).await? else {
            return refused(None, "unknown_token");
        };
        if record.revoked_at.is_some() {
            return refused(Some(&record), "revoked");
        }
        if record.expires_at.is_some_and(|e| e <= now) {
            return refused(Some(&record), "expired");
        }
        let Some(user) = tx.user(record.user_id).await? else {
            return refused(None, "unknown_token");
        };
        tx.commit().await?;
        if user.disabled {
            return refused(Some(&record), "account_disabled");
        }
        if user.locked {
            return refused(Some(&record), "account_locked");
        }
        if record.last_used_at.is_none_or(|t| now - t >= TOUCH_GRAIN) {
            let tx = self.store.begin().await?;
            tx.touch_token(record.id, now).await?;
            tx.commit().await?;
        }
        Ok(TokenCheck::Valid(Actor {
            user: Some(user),
            channel: Channel::Token(record.id),
            client: client.clone(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_normalised() {
        assert_eq!(normalise_code(" 123 456 "), "123456");
        assert_eq!(normalise_code("AbCdE-12345"), "abcde12345");
    }

    #[test]
    fn totp_codes_follow_rfc_6238() {
        // RFC 6238 appendix B, SHA-1, secret "12345678901234567890", T = 59 s -> 94287082 (8
        // digits); its last six digits are the 6-digit code.
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        let at = DateTime::from_timestamp(59, 0).unwrap();
        assert_eq!(totp_code(&secret, at).unwrap(), "287082");
    }
}
