//! The keyring: keys held outside the database, in a file of their own. They sign checkpoints
//! of the audit chain, encrypt TOTP secrets and key the hashes of recovery codes, so that a
//! copy of the database alone can neither forge the trail's checkpoints nor reveal anyone's
//! second factor.
//!
//! The file holds one key per line, oldest first; the last is the current one, used for
//! everything new. `containment keys rotate` adds a key and re-encrypts every TOTP secret under
//! it; older keys stay to check the checkpoints and recovery codes made with them. Each master
//! key is split into one key per purpose, so no key serves two algorithms.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use containment_domain::audit::{ChainHead, SignedHead};
use ring::{aead, hmac};

use crate::actor::secret_hash;

/// Prefix of a sealed TOTP secret: `enc1:<key id>:<hex of nonce, ciphertext and tag>`.
const SEALED_PREFIX: &str = "enc1";
const MASTER_KEY_BYTES: usize = 32;

/// Why the keyring could not be read, written or used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the key file {path} does not exist")]
    Missing { path: PathBuf },
    #[error("cannot {action} the key file {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the key file is not valid at line {line}: {problem}")]
    Malformed { line: usize, problem: &'static str },
    #[error("the key file holds no key")]
    Empty,
    #[error("no key file is loaded")]
    NotLoaded,
    #[error("the key {0} is not in the key file")]
    UnknownKey(String),
    #[error("the stored secret does not decrypt: it was altered or made with another key")]
    Undecryptable,
    #[error("the system's random number generator failed")]
    Random,
    #[error("the cryptographic library refused the key")]
    Crypto,
}

/// One master key and the keys derived from it.
struct MasterKey {
    id: String,
    created_at: DateTime<Utc>,
    secret: [u8; MASTER_KEY_BYTES],
    checkpoints: hmac::Key,
    recovery_codes: hmac::Key,
    totp_secrets: aead::LessSafeKey,
}

impl MasterKey {
    fn new(
        id: String,
        created_at: DateTime<Utc>,
        secret: [u8; MASTER_KEY_BYTES],
    ) -> Result<Self, KeyError> {
        let master = hmac::Key::new(hmac::HMAC_SHA256, &secret);
        let derive = |purpose: &str| hmac::sign(&master, purpose.as_bytes());
        let aead_key = derive("containment totp secrets v1");
        let totp_secrets = aead::UnboundKey::new(&aead::AES_256_GCM, aead_key.as_ref())
            .map(aead::LessSafeKey::new)
            .map_err(|_| KeyError::Crypto)?;
        Ok(MasterKey {
            checkpoints: hmac::Key::new(
                hmac::HMAC_SHA256,
                derive("containment audit checkpoints v1").as_ref(),
            ),
            recovery_codes: hmac::Key::new(
                hmac::HMAC_SHA256,
                derive("containment recovery codes v1").as_ref(),
            ),
            totp_secrets,
            id,
            created_at,
            secret,
        })
    }

    fn generate(now: DateTime<Utc>) -> Result<Self, KeyError> {
        let mut secret = [0u8; MASTER_KEY_BYTES];
        getrandom::fill(&mut secret).map_err(|_| KeyError::Random)?;
        let mut id = [0u8; 4];
        getrandom::fill(&mut id).map_err(|_| KeyError::Random)?;
        // Random ids: a key made after a loss never takes the lost key's name.
        MasterKey::new(format!("k{}", hex::encode(id)), now, secret)
    }

    fn recovery_hash(&self, code: &str) -> String {
        // Over the unkeyed hash, so codes stored before keys existed can be keyed in place.
        let tag = hmac::sign(&self.recovery_codes, keyless_recovery_hash(code).as_bytes());
        format!("{}:{}", self.id, hex::encode(tag.as_ref()))
    }
}

/// The hash recovery codes were stored under before the keyring: SHA-256 of the normalised code.
fn keyless_recovery_hash(code: &str) -> String {
    secret_hash(&containment_domain::security::normalise_recovery_code(code))
}

/// The additional data a TOTP secret is sealed with: it belongs to this account only.
fn totp_aad(user_id: i64) -> String {
    format!("containment totp secret v1 user {user_id}")
}

/// The keys, oldest first; the last one is current.
pub struct Keyring {
    keys: Vec<MasterKey>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("ids", &self.ids().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Why a signed head is not to be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadFault {
    UnknownKey,
    BadSignature,
}

impl HeadFault {
    pub fn describe(self) -> &'static str {
        match self {
            HeadFault::UnknownKey => "it is signed with a key the key file does not hold",
            HeadFault::BadSignature => "its signature does not match (it was forged or altered)",
        }
    }
}

impl Keyring {
    /// A keyring without keys: whatever needs a key fails with [`KeyError::NotLoaded`].
    pub fn empty() -> Self {
        Keyring { keys: Vec::new() }
    }

    /// A keyring with one new random key.
    pub fn generate(now: DateTime<Utc>) -> Result<Self, KeyError> {
        Ok(Keyring {
            keys: vec![MasterKey::generate(now)?],
        })
    }

    /// This keyring with a new random key added as the current one.
    pub fn rotated(&self, now: DateTime<Utc>) -> Result<Self, KeyError> {
        let mut keys = self
            .keys
            .iter()
            .map(|k| MasterKey::new(k.id.clone(), k.created_at, k.secret))
            .collect::<Result<Vec<_>, _>>()?;
        keys.push(MasterKey::generate(now)?);
        Ok(Keyring { keys })
    }

    /// Key ids, oldest first.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|k| k.id.as_str())
    }

    /// The id of the key used for everything new.
    pub fn current_id(&self) -> Option<&str> {
        self.keys.last().map(|k| k.id.as_str())
    }

    fn current(&self) -> Result<&MasterKey, KeyError> {
        self.keys.last().ok_or(KeyError::NotLoaded)
    }

    fn key(&self, id: &str) -> Result<&MasterKey, KeyError> {
        self.keys
            .iter()
            .find(|k| k.id == id)
            .ok_or_else(|| KeyError::UnknownKey(id.to_owned()))
    }

    /// Reads the file's text: `key <id> <created, RFC 3339> <64 hex digits>` lines, `#`
    /// comments and blank lines.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let mut keys = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |problem| KeyError::Malformed {
                line: n + 1,
                problem,
            };
            let fields: Vec<&str> = line.split_whitespace().collect();
            let ["key", id, created, secret] = fields[..] else {
                return Err(bad("expected `key <id> <created> <64 hex digits>`"));
            };
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(bad("a key id is letters, digits and dashes"));
            }
            if keys.iter().any(|k: &MasterKey| k.id == id) {
                return Err(bad("the key id is repeated"));
            }
            let created_at = DateTime::parse_from_rfc3339(created)
                .map_err(|_| bad("the creation time is not an RFC 3339 time"))?
                .with_timezone(&Utc);
            let bytes = hex::decode(secret).map_err(|_| bad("the key is not hex"))?;
            let secret: [u8; MASTER_KEY_BYTES] = bytes
                .try_into()
                .map_err(|_| bad("a key is 32 bytes (64 hex digits)"))?;
            keys.push(MasterKey::new(id.to_owned(), created_at, secret)?);
        }
        if keys.is_empty() {
            return Err(KeyError::Empty);
        }
        Ok(Keyring { keys })
    }

    /// The file's text.
    pub fn to_text(&self) -> String {
        let mut out = String::from(
            "# Containment key file. It signs the audit trail's checkpoints and encrypts the\n\
             # two-step verification secrets. Keep it secret (mode 0600) and back it up with the\n\
             # database: without it every account must enroll its authenticator again.\n\
             # One key per line, oldest first; the last one is in use. Never edit by hand.\n",
        );
        for k in &self.keys {
            out.push_str(&format!(
                "key {} {} {}\n",
                k.id,
                k.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
                hex::encode(k.secret)
            ));
        }
        out
    }

    /// Reads the key file at `path`.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                KeyError::Missing {
                    path: path.to_owned(),
                }
            } else {
                KeyError::Io {
                    action: "read",
                    path: path.to_owned(),
                    source,
                }
            }
        })?;
        Keyring::parse(&text)
    }

    /// Writes this keyring to `path`, which must not exist yet, readable by its owner only.
    pub fn create_file(&self, path: &Path) -> Result<(), KeyError> {
        write_private(path, &self.to_text())
    }

    /// Replaces the key file at `path` with this keyring in one step: a private temporary file
    /// beside it, made durable, then renamed over it.
    pub fn replace_file(&self, path: &Path) -> Result<(), KeyError> {
        let mut temporary = path.as_os_str().to_owned();
        temporary.push(".new");
        let temporary = PathBuf::from(temporary);
        let _ = std::fs::remove_file(&temporary);
        write_private(&temporary, &self.to_text())?;
        std::fs::rename(&temporary, path).map_err(|source| KeyError::Io {
            action: "replace",
            path: path.to_owned(),
            source,
        })?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // The rename itself reaches the disk with the folder.
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }

    /// Signs `head` with the current key.
    pub fn sign_head(&self, head: ChainHead, at_ms: i64) -> Result<SignedHead, KeyError> {
        let key = self.current()?;
        let tag = hmac::sign(
            &key.checkpoints,
            &SignedHead::message(&head, at_ms, &key.id),
        );
        Ok(SignedHead {
            head,
            at_ms,
            key_id: key.id.clone(),
            signature: hex::encode(tag.as_ref()),
        })
    }

    /// Whether `signed` was signed by a key of this keyring, as it stands.
    pub fn check_head(&self, signed: &SignedHead) -> Result<(), HeadFault> {
        let key = self
            .key(&signed.key_id)
            .map_err(|_| HeadFault::UnknownKey)?;
        let tag = hex::decode(&signed.signature).map_err(|_| HeadFault::BadSignature)?;
        hmac::verify(
            &key.checkpoints,
            &SignedHead::message(&signed.head, signed.at_ms, &signed.key_id),
            &tag,
        )
        .map_err(|_| HeadFault::BadSignature)
    }

    /// Encrypts a TOTP secret (base32 text) for the account `user_id` under the current key.
    pub fn seal_totp(&self, user_id: i64, secret_base32: &str) -> Result<String, KeyError> {
        let key = self.current()?;
        let mut nonce = [0u8; aead::NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| KeyError::Random)?;
        let mut sealed = secret_base32.as_bytes().to_vec();
        key.totp_secrets
            .seal_in_place_append_tag(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(totp_aad(user_id).as_bytes()),
                &mut sealed,
            )
            .map_err(|_| KeyError::Crypto)?;
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&sealed);
        Ok(format!("{SEALED_PREFIX}:{}:{}", key.id, hex::encode(blob)))
    }

    /// The key a stored TOTP secret is sealed with; `None` for a secret stored before
    /// encryption (plain base32).
    pub fn totp_key_id(stored: &str) -> Option<&str> {
        let rest = stored.strip_prefix(SEALED_PREFIX)?.strip_prefix(':')?;
        rest.split_once(':').map(|(id, _)| id)
    }

    /// The base32 TOTP secret of the account `user_id` from its stored form. A secret stored
    /// before encryption is plain base32 and is returned as it is, so nobody is locked out
    /// before the next start seals it.
    pub fn open_totp(&self, user_id: i64, stored: &str) -> Result<String, KeyError> {
        let Some(id) = Keyring::totp_key_id(stored) else {
            return Ok(stored.to_owned());
        };
        let key = self.key(id)?;
        let blob = stored
            .rsplit_once(':')
            .and_then(|(_, h)| hex::decode(h).ok())
            .ok_or(KeyError::Undecryptable)?;
        if blob.len() < aead::NONCE_LEN {
            return Err(KeyError::Undecryptable);
        }
        let (nonce, sealed) = blob.split_at(aead::NONCE_LEN);
        let nonce =
            aead::Nonce::try_assume_unique_for_key(nonce).map_err(|_| KeyError::Undecryptable)?;
        let mut sealed = sealed.to_vec();
        let plain = key
            .totp_secrets
            .open_in_place(
                nonce,
                aead::Aad::from(totp_aad(user_id).as_bytes()),
                &mut sealed,
            )
            .map_err(|_| KeyError::Undecryptable)?;
        String::from_utf8(plain.to_vec()).map_err(|_| KeyError::Undecryptable)
    }

    /// The stored form of a new recovery code: keyed with the current key.
    pub fn recovery_hash(&self, code: &str) -> Result<String, KeyError> {
        Ok(self.current()?.recovery_hash(code))
    }

    /// Every stored form `code` may have: under each key, and the unkeyed hash of codes issued
    /// before the keyring (until the next start keys them).
    pub fn recovery_hash_candidates(&self, code: &str) -> Vec<String> {
        let mut all: Vec<String> = self.keys.iter().map(|k| k.recovery_hash(code)).collect();
        all.push(keyless_recovery_hash(code));
        all
    }

    /// Keys an unkeyed stored recovery-code hash with the current key; `None` when it is keyed
    /// already.
    pub fn key_legacy_recovery_hash(&self, stored: &str) -> Result<Option<String>, KeyError> {
        if Keyring::recovery_key_id(stored).is_some() {
            return Ok(None);
        }
        let key = self.current()?;
        let tag = hmac::sign(&key.recovery_codes, stored.as_bytes());
        Ok(Some(format!("{}:{}", key.id, hex::encode(tag.as_ref()))))
    }

    /// The key a stored recovery-code hash was made with; `None` for an unkeyed one.
    pub fn recovery_key_id(stored: &str) -> Option<&str> {
        stored.split_once(':').map(|(id, _)| id)
    }
}

/// Writes `text` to a new file at `path` (never over an existing one) that only its owner may
/// read or write, and makes it durable.
fn write_private(path: &Path, text: &str) -> Result<(), KeyError> {
    let io = |action| {
        move |source| KeyError::Io {
            action,
            path: path.to_owned(),
            source,
        }
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io("create"))?;
    file.write_all(text.as_bytes()).map_err(io("write"))?;
    file.sync_all().map_err(io("write"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_000_000, 0).unwrap()
    }

    fn head(seq: i64) -> ChainHead {
        ChainHead {
            seq,
            hash: format!("{seq:064x}"),
        }
    }

    #[test]
    fn the_file_round_trips_and_the_last_key_is_current() {
        let ring = Keyring::generate(now()).unwrap().rotated(now()).unwrap();
        let text = ring.to_text();
        let again = Keyring::parse(&text).unwrap();
        assert_eq!(
            again.ids().collect::<Vec<_>>(),
            ring.ids().collect::<Vec<_>>()
        );
        assert_eq!(again.current_id(), ring.ids().nth(1));
        // Same keys: what one signs, the other accepts.
        let signed = ring.sign_head(head(3), 1).unwrap();
        assert_eq!(again.check_head(&signed), Ok(()));
        assert!(!format!("{ring:?}").contains(&hex::encode(ring.keys[0].secret)));
    }

    #[test]
    fn malformed_files_are_refused_with_their_line() {
        assert!(matches!(
            Keyring::parse("# only a comment\n"),
            Err(KeyError::Empty)
        ));
        let good = Keyring::generate(now()).unwrap().to_text();
        let key_line = good.lines().find(|l| l.starts_with("key ")).unwrap();
        for bad in [
            key_line.replacen("key ", "kee ", 1),
            key_line[..key_line.len() - 2].to_owned(),
            format!("{key_line}\n{key_line}"),
            key_line.replace('T', "X"),
        ] {
            assert!(
                matches!(
                    Keyring::parse(&bad),
                    Err(KeyError::Malformed { line: 1 | 2, .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn checkpoints_are_refused_when_altered_or_signed_by_another_key() {
        let ring = Keyring::generate(now()).unwrap();
        let signed = ring.sign_head(head(10), 5).unwrap();
        assert_eq!(ring.check_head(&signed), Ok(()));
        for altered in [
            SignedHead {
                head: head(11),
                ..signed.clone()
            },
            SignedHead {
                at_ms: 6,
                ..signed.clone()
            },
            SignedHead {
                signature: "00".repeat(32),
                ..signed.clone()
            },
        ] {
            assert_eq!(ring.check_head(&altered), Err(HeadFault::BadSignature));
        }
        let stranger = Keyring::generate(now()).unwrap();
        assert_eq!(stranger.check_head(&signed), Err(HeadFault::UnknownKey));
        // Another keyring that happens to use the same id still cannot sign for it.
        let mut forged = stranger.sign_head(head(10), 5).unwrap();
        forged.key_id = signed.key_id.clone();
        assert_eq!(ring.check_head(&forged), Err(HeadFault::BadSignature));
    }

    #[test]
    fn totp_secrets_are_sealed_per_account_and_survive_rotation() {
        let ring = Keyring::generate(now()).unwrap();
        let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        let sealed = ring.seal_totp(7, secret).unwrap();
        assert!(!sealed.contains(secret));
        assert_eq!(Keyring::totp_key_id(&sealed), ring.current_id());
        assert_ne!(sealed, ring.seal_totp(7, secret).unwrap(), "fresh nonce");
        assert_eq!(ring.open_totp(7, &sealed).unwrap(), secret);
        // Moved to another account's row, it does not open.
        assert!(matches!(
            ring.open_totp(8, &sealed),
            Err(KeyError::Undecryptable)
        ));
        // Any change of a byte is found.
        let flipped = format!(
            "{}{}",
            &sealed[..sealed.len() - 1],
            if sealed.ends_with('0') { '1' } else { '0' }
        );
        assert!(matches!(
            ring.open_totp(7, &flipped),
            Err(KeyError::Undecryptable)
        ));
        // A secret stored before encryption reads as it is.
        assert_eq!(ring.open_totp(7, secret).unwrap(), secret);
        let rotated = ring.rotated(now()).unwrap();
        assert_eq!(rotated.open_totp(7, &sealed).unwrap(), secret);
        let other = Keyring::generate(now()).unwrap();
        assert!(matches!(
            other.open_totp(7, &sealed),
            Err(KeyError::UnknownKey(_))
        ));
    }

    #[test]
    fn recovery_codes_are_keyed_and_found_under_any_key() {
        let ring = Keyring::generate(now()).unwrap();
        let stored = ring.recovery_hash("7KQ2-M9XD-4HTP-W3RA").unwrap();
        assert_eq!(Keyring::recovery_key_id(&stored), ring.current_id());
        assert_ne!(
            stored.split_once(':').unwrap().1,
            keyless_recovery_hash("7KQ2-M9XD-4HTP-W3RA"),
            "not the plain hash"
        );
        let rotated = ring.rotated(now()).unwrap();
        assert!(
            rotated
                .recovery_hash_candidates("7kq2 m9xd 4htp w3ra")
                .contains(&stored)
        );
        // A code stored before the keyring is keyed in place and still found.
        let legacy = keyless_recovery_hash("ab12c-9f3e0");
        let keyed = ring.key_legacy_recovery_hash(&legacy).unwrap().unwrap();
        assert!(ring.recovery_hash_candidates("AB12C9F3E0").contains(&keyed));
        assert_eq!(ring.key_legacy_recovery_hash(&keyed).unwrap(), None);
    }

    #[test]
    fn nothing_is_made_without_a_key() {
        let ring = Keyring::empty();
        assert!(matches!(
            ring.sign_head(head(1), 1),
            Err(KeyError::NotLoaded)
        ));
        assert!(matches!(ring.seal_totp(1, "X"), Err(KeyError::NotLoaded)));
        assert!(matches!(ring.recovery_hash("x"), Err(KeyError::NotLoaded)));
    }

    #[cfg(unix)]
    #[test]
    fn key_files_are_private_and_replaced_whole() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("containment-keys-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("containment.key");
        let ring = Keyring::generate(now()).unwrap();
        ring.create_file(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(ring.create_file(&path).is_err(), "never overwritten");
        let rotated = ring.rotated(now()).unwrap();
        rotated.replace_file(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(Keyring::load(&path).unwrap().ids().count(), 2);
        assert!(matches!(
            Keyring::load(&dir.join("absent")),
            Err(KeyError::Missing { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
