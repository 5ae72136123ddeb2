//! Password hashing (Argon2id) and generation of one-time passwords.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

use crate::AppError;

/// Letters and digits that cannot be mistaken for one another when read aloud or copied by hand.
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/// A random password of 20 characters from `ALPHABET` (about 116 bits), in groups of five.
pub fn generate_one_time() -> Result<String, AppError> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut out = String::with_capacity(23);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 5 == 0 {
            out.push('-');
        }
        // 256 is not a multiple of the alphabet length; the bias this leaves is negligible at
        // this length and keeps generation branch-free.
        out.push(char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]));
    }
    Ok(out)
}

/// Hashes with Argon2id on a blocking thread: hashing is deliberately slow.
pub async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

/// Checks a password against a stored PHC string, on a blocking thread.
pub async fn verify(password: String, stored: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), stored.as_str())
            .is_ok()
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_time_passwords_are_long_grouped_and_different() {
        let a = generate_one_time().unwrap();
        let b = generate_one_time().unwrap();
        assert_eq!(a.len(), 23);
        assert_eq!(a.split('-').count(), 4);
        assert!(a.chars().all(|c| c == '-' || ALPHABET.contains(&(c as u8))));
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let hashed = hash("correct horse battery staple".into()).await.unwrap();
        assert!(hashed.starts_with("$argon2id$"), "{hashed}");
        assert!(
            verify("correct horse battery staple".into(), hashed.clone())
                .await
                .unwrap()
        );
        assert!(
            !verify("correct horse battery stapl".into(), hashed)
                .await
                .unwrap()
        );
    }
}
