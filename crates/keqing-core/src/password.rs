//! Password hashing with Argon2id (the OWASP-recommended default).
//!
//! The salt is passed in so this module stays free of I/O; callers draw it
//! from the operating system's random source.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};

/// The hash could not be made (a salt of the wrong length).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes `password` with Argon2id v19 and default cost (19 MiB, t=2), and
/// returns the PHC string (`$argon2id$v=19$…`) to store.
pub fn hash(password: &str, salt: &[u8; 16]) -> Result<String, HashError> {
    Argon2::default()
        .hash_password_with_salt(password.as_bytes(), salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Whether `password` matches the stored PHC string. A malformed stored
/// hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A hash of a password nobody knows, verified against when the account
/// does not exist so that a login takes the same time either way.
pub const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$6yI7pVbk9J9oB0Y3yW0tU1Q8m8mYq7qz3n0iT0m2Q3Q";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_own_password_only() {
        let h = hash("correct horse battery", &[7; 16]).unwrap();
        assert!(h.starts_with("$argon2id$v=19$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
    }

    #[test]
    fn garbage_never_verifies() {
        assert!(!verify("x", "not a hash"));
        assert!(!verify("", ""));
    }

    #[test]
    fn the_dummy_hash_parses_and_matches_nothing_common() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify("", DUMMY_HASH));
        assert!(!verify("admin", DUMMY_HASH));
    }
}
