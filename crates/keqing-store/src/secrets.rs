//! Random secrets (session cookies, API tokens, CSRF tokens, salts) and
//! their stored form. Only a SHA-256 of a bearer secret is ever stored, so a
//! stolen database copy does not log anyone in.

use sha2::{Digest, Sha256};

/// `n` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // The OS random source failing is not recoverable and not input-driven.
    getrandom::fill(&mut b).expect("the operating system's random source failed");
    b
}

/// A fresh secret: 32 random bytes as 64 hex characters.
pub fn new_token() -> String {
    hex::encode(random_bytes::<32>())
}

/// A random password for a new account: 16 characters from an alphabet
/// without look-alikes (no 0/O, 1/l/I), ~92 bits.
pub fn new_password() -> String {
    const ALPHABET: &[u8] = b"23456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
    // Rejection sampling: only bytes below the largest multiple of the
    // alphabet's size, so every character is equally likely.
    let limit = 256 - 256 % ALPHABET.len();
    let mut out = String::with_capacity(16);
    while out.len() < 16 {
        for b in random_bytes::<32>() {
            if (b as usize) < limit && out.len() < 16 {
                out.push(ALPHABET[b as usize % ALPHABET.len()] as char);
            }
        }
    }
    out
}

/// The stored form of a bearer secret.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Hashes a password with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, keqing_core::password::HashError> {
    keqing_core::password::hash(password, &random_bytes::<16>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_fresh_and_hashes_are_stable() {
        assert_ne!(new_token(), new_token());
        assert_eq!(new_token().len(), 64);
        assert_eq!(hash_token("abc"), hash_token("abc"));
        assert_ne!(hash_token("abc"), hash_token("abd"));
    }

    #[test]
    fn generated_passwords_satisfy_the_policy() {
        for _ in 0..20 {
            let p = new_password();
            assert!(keqing_core::validate::new_password(&p, "admin").is_ok(), "{p}");
        }
    }
}
