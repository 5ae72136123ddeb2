use containment_domain::ParseError;
use containment_storage::StorageError;

/// What went wrong in a use case, in terms the web and CLI layers can map to a status and a
/// stable snake_case code.
/// One problem with what was sent: the field it is about (the form field and JSON member, e.g.
/// `start_date`) when there is one, and a sentence for the person.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: Option<String>,
    pub message: String,
}

impl FieldError {
    /// A problem with one field.
    pub fn at(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// A problem with the request as a whole (or two fields together).
    pub fn general(message: impl Into<String>) -> Self {
        FieldError {
            field: None,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Every problem found in one request, in the order the form asks for the fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn new() -> Self {
        Self::default()
    }

    /// A problem with one field.
    pub fn at(&mut self, field: &str, message: impl Into<String>) {
        self.add(FieldError::at(field, message));
    }

    /// A problem with no single field.
    pub fn push(&mut self, message: impl Into<String>) {
        self.add(FieldError::general(message));
    }

    /// Adds a problem unless the same one is there already.
    pub fn add(&mut self, problem: FieldError) {
        if !self.0.contains(&problem) {
            self.0.push(problem);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, FieldError> {
        self.0.iter()
    }

    /// The message of the first problem with `field`.
    pub fn message_at(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|p| p.field.as_deref() == Some(field))
            .map(|p| p.message.as_str())
    }

    /// `Ok` when nothing was found, else the error carrying every problem.
    pub fn check(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::InvalidInput(self))
        }
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }
}

impl From<Vec<FieldError>> for Problems {
    fn from(v: Vec<FieldError>) -> Self {
        Problems(v)
    }
}

impl<'a> IntoIterator for &'a Problems {
    type Item = &'a FieldError;
    type IntoIter = std::slice::Iter<'a, FieldError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IntoIterator for Problems {
    type Item = FieldError;
    type IntoIter = std::vec::IntoIter<FieldError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// The messages one after another, for a log line or a console.
impl std::fmt::Display for Problems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            f.write_str(&p.message)?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// What was sent cannot be used; each problem names its field where it has one.
    #[error("{0}")]
    InvalidInput(Problems),
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
    /// Bad input with no single field.
    pub fn invalid(message: impl Into<String>) -> Self {
        AppError::InvalidInput(Problems(vec![FieldError::general(message)]))
    }

    /// Bad input in one field.
    pub fn invalid_at(field: &str, message: impl Into<String>) -> Self {
        AppError::InvalidInput(Problems(vec![FieldError::at(field, message)]))
    }

    /// The same error with its fields renamed, for an interface whose names differ from the
    /// form's (`kind` on the form is `supervision_kind` in the API).
    pub fn renamed(self, names: &[(&str, &str)]) -> Self {
        match self {
            AppError::InvalidInput(Problems(problems)) => AppError::InvalidInput(Problems(
                problems
                    .into_iter()
                    .map(|mut p| {
                        if let Some((_, to)) = names
                            .iter()
                            .find(|(from, _)| p.field.as_deref() == Some(*from))
                        {
                            p.field = Some((*to).to_owned());
                        }
                        p
                    })
                    .collect(),
            )),
            other => other,
        }
    }

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

/// A domain value that did not parse, before the use case names the field it came from.
impl From<ParseError> for FieldError {
    fn from(err: ParseError) -> Self {
        FieldError::general(err.to_string())
    }
}

impl From<ParseError> for AppError {
    fn from(err: ParseError) -> Self {
        AppError::InvalidInput(Problems(vec![err.into()]))
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
            StorageError::UnsupportedUrl => AppError::invalid(err.to_string()),
            StorageError::ValueRefused(what) => AppError::invalid(format!(
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
