//! Reading `application/x-www-form-urlencoded` bodies: pairs in order, repeated keys kept, and
//! every value checked for characters no field may hold before anything acts on the form.

use std::future::Future;
use std::ops::Deref;

use containment_app::{AppError, FieldError};
use containment_domain::input::{Lines, text};

/// A decoded form. Its values are available to build the use case's input, but the use case runs
/// only through [`Form::submit`], which refuses the whole form when a value holds a control
/// character: the answer is the same `invalid_input` error a rule would give, shown on the form.
#[derive(Debug)]
pub(crate) struct Form {
    pairs: Vec<(String, String)>,
    refused: Vec<FieldError>,
}

impl Form {
    /// Runs `action` (a use case not yet started) unless a value was refused; then the action is
    /// never polled, so nothing is read or stored.
    pub(crate) async fn submit<T>(
        &self,
        action: impl Future<Output = Result<T, AppError>>,
    ) -> Result<T, AppError> {
        self.check()?;
        action.await
    }

    /// The pairs, e.g. to show the form again as it was sent.
    pub(crate) fn into_pairs(self) -> Vec<(String, String)> {
        self.pairs
    }

    /// The refusal, if any value holds a character no field accepts.
    pub(crate) fn check(&self) -> Result<(), AppError> {
        if self.refused.is_empty() {
            Ok(())
        } else {
            Err(AppError::InvalidInput(self.refused.clone().into()))
        }
    }
}

impl Deref for Form {
    type Target = [(String, String)];

    fn deref(&self) -> &Self::Target {
        &self.pairs
    }
}

/// Decodes a form body into its pairs; a body that does not decode reads as empty. Every name
/// and value is checked (text areas may hold line breaks, so single-line rules are the use
/// case's).
pub(crate) fn pairs(body: &[u8]) -> Form {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let mut refused = Vec::new();
    for (k, v) in &pairs {
        if let Err(e) = text("a field name", k, Lines::One).and_then(|()| text(k, v, Lines::Many)) {
            let problem = FieldError::at(k.as_str(), e);
            if !refused.contains(&problem) {
                refused.push(problem);
            }
        }
    }
    Form { pairs, refused }
}

/// The first value of a field, or empty.
pub(crate) fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Every value of a repeated field (checkboxes), in order.
pub(crate) fn fields(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_control_character_in_any_value_stops_the_action() {
        let form = pairs(b"name=Ana&notes=one%0D%0Atwo%09three");
        assert_eq!(field(&form, "notes"), "one\r\ntwo\tthree");
        assert_eq!(
            form.submit(async { Ok::<_, AppError>(7) }).await.ok(),
            Some(7)
        );

        let form = pairs(b"name=A%00na&notes=x%0By&ok=fine");
        let ran = std::sync::atomic::AtomicBool::new(false);
        let outcome = form
            .submit(async {
                ran.store(true, std::sync::atomic::Ordering::SeqCst);
                Ok::<_, AppError>(())
            })
            .await;
        assert!(!ran.load(std::sync::atomic::Ordering::SeqCst));
        match outcome {
            Err(AppError::InvalidInput(m)) => {
                assert_eq!(
                    m.message_at("name"),
                    Some(
                        "name: holds a control character (U+0000) that cannot be stored; remove it"
                    )
                );
                assert_eq!(
                    m.message_at("notes"),
                    Some(
                        "notes: holds a control character (U+000B) that cannot be stored; remove it"
                    )
                );
                assert_eq!(m.len(), 2, "{m}");
            }
            other => panic!("expected invalid input, got {other:?}"),
        }
        assert!(
            pairs(b"na%07me=x").check().is_err(),
            "names are checked too"
        );
    }
}
