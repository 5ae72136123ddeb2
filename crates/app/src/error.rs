use containment_domain::ParseError;
use containment_storage::StorageError;

/// What went wrong in a use case, in terms the web and CLI layers can map to a status and a
/// stable snake_case code.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    Conflict(String),
    /// The record exists already (same identifier): the existing one is named so the person can
    /// go to it instead.
    #[error("a supervisee with this {what} already exists (record {existing_id})")]
    Duplicate {
        existing_id: i64,
        what: &'static str,
    },
    /// The record changed since the editor loaded it; nothing was saved.
    #[error(
        "someone else changed this record while you were editing it (it is now at version \
         {current_version}); nothing was saved"
    )]
    Stale { current_version: i32 },
    /// Sign-in refused. One message for every cause, so it does not reveal whether the account
    /// exists, is disabled or is locked.
    #[error(
        "Sign-in failed. Check the e-mail address and password. After 5 failed attempts in 15 \
         minutes the account is locked until an administrator unlocks it."
    )]
    SignInFailed,
    #[error("the code is not valid: use the current code from your authenticator app, once")]
    InvalidCode,
    #[error("sign in first")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("the record was not found")]
    NotFound,
    /// The database cannot serve now (away, full, read-only); nothing was saved. The text says
    /// which, for the person and the operator.
    #[error("{0}")]
    Unavailable(&'static str),
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    /// The stable code clients rely on.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::InvalidInput(_) => "invalid_input",
            AppError::Conflict(_) => "conflict",
            AppError::Duplicate { .. } => "duplicate",
            AppError::Stale { .. } => "stale",
            AppError::SignInFailed => "sign_in_failed",
            AppError::InvalidCode => "invalid_code",
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Unavailable(_) => "service_unavailable",
            AppError::Internal(_) => "internal_error",
        }
    }
}

impl From<ParseError> for AppError {
    fn from(err: ParseError) -> Self {
        AppError::InvalidInput(err.to_string())
    }
}

impl From<crate::KeyError> for AppError {
    fn from(err: crate::KeyError) -> Self {
        AppError::Internal(err.to_string())
    }
}

impl From<StorageError> for AppError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::Conflict(what) => {
                AppError::Conflict(format!("a record with the same {what} already exists"))
            }
            StorageError::NotFound => AppError::NotFound,
            StorageError::UnsupportedUrl => AppError::InvalidInput(err.to_string()),
            StorageError::ValueRefused(what) => AppError::InvalidInput(format!(
                "the database does not accept {what}; nothing was saved. Check the values \
                 entered (no control characters; dates from 1900 to 2200)"
            )),
            StorageError::Unavailable => AppError::Unavailable(
                "The database is not reachable. Nothing was saved; try again in a moment.",
            ),
            StorageError::Full => AppError::Unavailable(
                "The database has no room left. Nothing was saved; tell your administrator.",
            ),
            StorageError::Disk => AppError::Unavailable(
                "The database could not write to its disk. Nothing was saved; tell your \
                 administrator.",
            ),
            StorageError::ReadOnly => AppError::Unavailable(
                "The database does not accept changes now. Nothing was saved; tell your \
                 administrator.",
            ),
            other => AppError::Internal(other.to_string()),
        }
    }
}
