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

/// Random bytes in one recovery code: 80 bits, beyond guessing even offline.
pub const RECOVERY_CODE_BYTES: usize = 10;

/// Crockford's base 32: digits and capitals without I, L, O and U, so nothing reads as
/// something else.
const RECOVERY_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Shows [`RECOVERY_CODE_BYTES`] random bytes as a recovery code: 16 characters of Crockford
/// base 32 in four groups of four, e.g. `7KQ2-M9XD-4HTP-W3RA`.
pub fn recovery_code(bytes: [u8; RECOVERY_CODE_BYTES]) -> String {
    let mut bits: u128 = 0;
    for b in bytes {
        bits = (bits << 8) | u128::from(b);
    }
    let mut out = String::with_capacity(19);
    for i in 0..16 {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        let index = (bits >> (75 - 5 * i)) & 0x1f;
        out.push(char::from(RECOVERY_ALPHABET[index as usize]));
    }
    out
}

/// The form a typed recovery code is compared in: spaces and dashes dropped, lower case, and
/// the letters people mistake for digits read as those digits (o as 0; i and l as 1). Codes
/// issued before were lower-case hex and keep their form.
pub fn normalise_recovery_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_lowercase() {
            'o' => '0',
            'i' | 'l' => '1',
            c => c,
        })
        .collect()
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

    #[test]
    fn recovery_codes_carry_eighty_bits_in_four_typeable_groups() {
        assert_eq!(recovery_code([0; 10]), "0000-0000-0000-0000");
        assert_eq!(recovery_code([0xff; 10]), "ZZZZ-ZZZZ-ZZZZ-ZZZZ");
        // Every bit shows: the last bit is the last character, the first bit the first.
        let mut last = [0; 10];
        last[9] = 1;
        assert_eq!(recovery_code(last), "0000-0000-0000-0001");
        let mut first = [0; 10];
        first[0] = 0x80;
        assert_eq!(recovery_code(first), "G000-0000-0000-0000");
        let code = recovery_code([0x5a; 10]);
        assert_eq!(code.len(), 19);
        assert!(
            code.chars()
                .all(|c| c == '-' || RECOVERY_ALPHABET.contains(&(c as u8)))
        );
        assert!(!code.contains(['I', 'L', 'O', 'U']));
    }

    #[test]
    fn recovery_codes_are_read_as_typed_by_people() {
        let code = "7KQ2-M9XD-4HTP-W3RA";
        let canonical = normalise_recovery_code(code);
        assert_eq!(canonical, "7kq2m9xd4htpw3ra");
        for typed in [
            "7kq2m9xd4htpw3ra",
            " 7KQ2 M9XD 4HTP W3RA ",
            "7kq2-m9xd-4htp-w3ra",
        ] {
            assert_eq!(normalise_recovery_code(typed), canonical, "{typed}");
        }
        assert_eq!(normalise_recovery_code("O1IL-oil0"), "01110110");
        // Codes issued before (lower-case hex in two groups) keep their form.
        assert_eq!(normalise_recovery_code("ab12c-9f3e0"), "ab12c9f3e0");
    }
}
