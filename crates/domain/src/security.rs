//! The numbers of signing in: password rules, lockout, session timeouts. Pure functions of the
//! recorded facts and `now`, so each limit is tested on its boundary.

use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::{DateTime, Duration, Utc};

/// Shortest password accepted (NIST SP 800-63B; OWASP ASVS 2.1.1).
pub const PASSWORD_MIN_CHARS: usize = 8;
/// Longest password accepted; never truncated below this.
pub const PASSWORD_MAX_CHARS: usize = 128;
/// Failed sign-ins within [`LOCKOUT_WINDOW`] that lock an account.
pub const LOCKOUT_THRESHOLD: usize = 5;
pub const LOCKOUT_WINDOW: Duration = Duration::minutes(15);
/// A session unused this long is locked until the password is entered again.
pub const SESSION_IDLE_LIMIT: Duration = Duration::minutes(30);
/// A session ends this long after sign-in, whatever the activity.
pub const SESSION_ABSOLUTE_LIMIT: Duration = Duration::hours(12);
/// How recently the password must have been entered before changing password or MFA.
pub const REAUTH_WINDOW: Duration = Duration::minutes(5);

static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
});

/// Why a new password was refused. The messages are shown to the person choosing it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRejection {
    #[error("use at least {PASSWORD_MIN_CHARS} characters")]
    TooShort,
    #[error("use at most {PASSWORD_MAX_CHARS} characters")]
    TooLong,
    #[error("this password is on a list of common or breached passwords; choose another")]
    Common,
    #[error("the password must not contain your e-mail address or name")]
    ContainsIdentity,
}

/// A password that meets the policy. No composition rules: length and a blocklist only.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

impl NewPassword {
    /// Checks `candidate` for an account known by `identity` (e-mail, name parts).
    pub fn parse(candidate: &str, identity: &[&str]) -> Result<Self, PasswordRejection> {
        let chars = candidate.chars().count();
        if chars < PASSWORD_MIN_CHARS {
            return Err(PasswordRejection::TooShort);
        }
        if chars > PASSWORD_MAX_CHARS {
            return Err(PasswordRejection::TooLong);
        }
        let lower = candidate.to_lowercase();
        if COMMON_PASSWORDS.contains(lower.as_str()) || COMMON_PASSWORDS.contains(candidate) {
            return Err(PasswordRejection::Common);
        }
        let contains_identity = identity.iter().any(|part| {
            let part = part.trim().to_lowercase();
            let local = part.split('@').next().unwrap_or_default().to_owned();
            (part.chars().count() >= 4 && lower.contains(&part))
                || (local.chars().count() >= 4 && lower.contains(&local))
        });
        if contains_identity {
            return Err(PasswordRejection::ContainsIdentity);
        }
        Ok(NewPassword(candidate.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Which step of signing in an attempt was for. Each counts its failures on its own: a correct
/// password does not forgive wrong second-factor codes, so guessing codes between correct
/// passwords still locks the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Factor {
    /// The password (sign-in, unlocking an idle session, re-authentication).
    Password,
    /// A TOTP code or a recovery code.
    SecondFactor,
}

impl Factor {
    pub fn code(self) -> &'static str {
        match self {
            Factor::Password => "password",
            Factor::SecondFactor => "second_factor",
        }
    }
}

/// Whether the failures so far (including the one just made) lock the account: the
/// [`LOCKOUT_THRESHOLD`]-th failure within [`LOCKOUT_WINDOW`] before `now` locks it.
pub fn should_lock(failures: &[DateTime<Utc>], now: DateTime<Utc>) -> bool {
    failures
        .iter()
        .filter(|at| **at <= now && now - **at < LOCKOUT_WINDOW)
        .count()
        >= LOCKOUT_THRESHOLD
}

/// Where a session stands at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    Active,
    /// Idle too long: the password must be entered again; the session is kept.
    Locked,
    /// Past its absolute limit or ended: a new sign-in is needed.
    Expired,
}

pub fn session_state(
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> SessionState {
    if now - created_at >= SESSION_ABSOLUTE_LIMIT {
        SessionState::Expired
    } else if now - last_seen_at >= SESSION_IDLE_LIMIT {
        SessionState::Locked
    } else {
        SessionState::Active
    }
}

/// Whether the password was entered recently enough to change credentials.
pub fn recently_authenticated(password_entered_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now >= password_entered_at && now - password_entered_at <= REAUTH_WINDOW
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, h, m, s).unwrap()
    }

    #[test]
    fn password_length_bounds() {
        assert_eq!(
            NewPassword::parse("7chars!", &[]),
            Err(PasswordRejection::TooShort)
        );
        assert!(NewPassword::parse("8 chars!", &[]).is_ok());
        // Characters, not bytes: eight accented letters are eight characters.
        assert!(NewPassword::parse("éèêëàâäô", &[]).is_ok());
        let max = "x1y2".repeat(32);
        assert_eq!(max.chars().count(), 128);
        let kept = NewPassword::parse(&max, &[]).unwrap();
        assert_eq!(kept.expose(), max, "never truncated");
        let too_long = format!("{max}z");
        assert_eq!(
            NewPassword::parse(&too_long, &[]),
            Err(PasswordRejection::TooLong)
        );
    }

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        for common in ["password", "PASSWORD", "12345678", "iloveyou", "qwertyuiop"] {
            assert_eq!(
                NewPassword::parse(common, &[]),
                Err(PasswordRejection::Common),
                "{common}"
            );
        }
        assert!(NewPassword::parse("tangerine orbit ladder", &[]).is_ok());
    }

    #[test]
    fn passwords_containing_the_email_are_refused() {
        assert_eq!(
            NewPassword::parse("jsmith-2026-spring", &["jsmith@county.ca.gov"]),
            Err(PasswordRejection::ContainsIdentity)
        );
        assert!(NewPassword::parse("orbit ladder tangerine", &["jsmith@county.ca.gov"]).is_ok());
    }

    #[test]
    fn debug_output_hides_the_password() {
        let p = NewPassword::parse("tangerine orbit ladder", &[]).unwrap();
        assert!(!format!("{p:?}").contains("tangerine"));
    }

    #[test]
    fn the_fifth_failure_within_fifteen_minutes_locks() {
        let now = t(10, 15, 0);
        let four = [t(10, 0, 1), t(10, 5, 0), t(10, 10, 0), t(10, 14, 0)];
        assert!(!should_lock(&four, now));
        let mut five = four.to_vec();
        five.push(now);
        assert!(should_lock(&five, now));
        // A failure exactly 15 minutes old no longer counts.
        let mut stale = vec![t(10, 0, 0)];
        stale.extend_from_slice(&[t(10, 5, 0), t(10, 10, 0), t(10, 14, 0), now]);
        assert!(!should_lock(&stale, now));
    }

    #[test]
    fn sessions_lock_after_thirty_idle_minutes_and_end_after_twelve_hours() {
        let start = t(8, 0, 0);
        assert_eq!(
            session_state(start, start, t(8, 29, 59)),
            SessionState::Active
        );
        assert_eq!(
            session_state(start, start, t(8, 30, 0)),
            SessionState::Locked
        );
        assert_eq!(
            session_state(start, t(19, 50, 0), t(19, 59, 59)),
            SessionState::Active
        );
        assert_eq!(
            session_state(start, t(19, 50, 0), t(20, 0, 0)),
            SessionState::Expired
        );
    }

    #[test]
    fn reauthentication_window() {
        assert!(recently_authenticated(t(9, 0, 0), t(9, 5, 0)));
        assert!(!recently_authenticated(t(9, 0, 0), t(9, 5, 1)));
        assert!(!recently_authenticated(t(9, 0, 1), t(9, 0, 0)));
    }
}
