//! Secrets: random tokens, their hashes, agent passwords (argon2) and signed visitor identities.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A fresh random secret (256 bits), hex-encoded.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A fresh random id (128 bits), hex-encoded.
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What the database stores instead of a token: a stolen database then opens no conversation.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// An argon2id PHC string for `password`.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let salt = SaltString::encode_b64(&bytes)?;
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt)?.to_string())
}

/// Whether `password` matches a stored PHC string.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// A password hash to verify against when the username does not exist, so a login takes as long
/// either way and does not reveal which usernames exist.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("not a real password").unwrap_or_default())
}

/// HMAC-SHA256(secret, text) in hex: what the host site's server puts in `identify`'s `signature`, over
/// [`protocol::Identity::signed_text`] (id, email and name) or over the user id alone.
pub fn sign_identity(secret: &str, text: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(text.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// What the host site's signature vouches for in an identity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Vouched {
    /// The user id: its history may be shown.
    pub id: bool,
    /// The name and email shown too: replies may be e-mailed there as to the customer.
    pub details: bool,
}

/// Checks an identity's signature against the shared secret (in constant time): over the signed text,
/// everything is vouched for; over the id alone, the id only.
pub fn vouched(secret: &str, identity: &protocol::Identity) -> Vouched {
    let Some(signature) = identity.signature.as_deref().and_then(|s| hex::decode(s.trim()).ok()) else {
        return Vouched::default();
    };
    let signed = |text: &str| {
        Hmac::<Sha256>::new_from_slice(secret.as_bytes())
            .map(|mut mac| {
                mac.update(text.as_bytes());
                mac.verify_slice(&signature).is_ok()
            })
            .unwrap_or(false)
    };
    if identity.signed_text().is_some_and(|text| signed(&text)) {
        return Vouched { id: true, details: true };
    }
    Vouched { id: signed(&identity.id), details: false }
}

/// Constant-time equality for CSRF tokens.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let stored = hash_password("correct horse").unwrap();
        assert!(verify_password("correct horse", &stored));
        assert!(!verify_password("wrong", &stored));
    }

    #[test]
    fn a_signature_vouches_for_what_it_covers() {
        let identity = |name: &str, signature: String| protocol::Identity {
            id: "user-17".into(),
            name: Some(name.into()),
            email: Some("an@shop.example".into()),
            signature: Some(signature),
        };
        let all = sign_identity("s3cret", "user-17\nan@shop.example\nAn");
        assert_eq!(vouched("s3cret", &identity("An", all.clone())), Vouched { id: true, details: true });
        // The same signature with another name shown: nothing is vouched for.
        assert_eq!(vouched("s3cret", &identity("Shop CEO", all)), Vouched::default());
        // Signed on the id alone: the id is, the name and email are not.
        let id_only = sign_identity("s3cret", "user-17");
        assert_eq!(
            vouched("s3cret", &identity("Shop CEO", id_only.clone())),
            Vouched { id: true, details: false }
        );
        assert_eq!(vouched("other", &identity("An", id_only)), Vouched::default());
        assert_eq!(vouched("s3cret", &identity("An", "zz".into())), Vouched::default());
    }
}
