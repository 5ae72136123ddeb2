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
    #[error("the record was not found")]
    NotFound,
    #[error("the database is not reachable")]
    Unavailable,
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    /// The stable code clients rely on.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::InvalidInput(_) => "invalid_input",
            AppError::Conflict(_) => "conflict",
            AppError::NotFound => "not_found",
            AppError::Unavailable => "service_unavailable",
            AppError::Internal(_) => "internal_error",
        }
    }
}

impl From<ParseError> for AppError {
    fn from(err: ParseError) -> Self {
        AppError::InvalidInput(err.to_string())
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
            StorageError::Unavailable => AppError::Unavailable,
            other => AppError::Internal(other.to_string()),
        }
    }
}
