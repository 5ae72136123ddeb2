//! Second-factor secrets at rest, and the key file that protects them: opened (or made, on a
//! first start) before anything else, and every stored secret brought under its current key.

use std::path::Path;

use chrono::{DateTime, Utc};
use containment_domain::audit::Outcome;

use crate::actor::{Actor, AuditEntry};
use crate::checkpoints::{AuditVerdict, CheckpointOrigin};
use crate::keys::{KeyError, Keyring};
use crate::{App, AppError};

/// What [`App::reseal_secrets`] changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resealed {
    /// TOTP secrets encrypted under the current key (they were plain, or under an older key).
    pub totp_secrets: usize,
    /// Recovery-code hashes from before the key file, keyed now.
    pub recovery_codes: usize,
    /// TOTP secrets under a key the key file does not hold: left as they are.
    pub unreadable: usize,
}

/// How the key file was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyFileState {
    Loaded,
    /// There was none and the database used no key yet: a new one was made.
    Created,
}

/// Why the key file could not be opened for this database.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(
        "the key file {path} does not exist, but the database holds secrets and checkpoints made \
         with the keys {in_use}. Restore the key file from the backup (or point \
         --audit-key-file at it). Only if it is lost for good, run `containment keys create`: \
         every account must then enroll its authenticator again, and the checkpoints signed \
         with the lost key can no longer be checked."
    )]
    Lost { path: String, in_use: String },
    #[error(transparent)]
    App(#[from] AppError),
}

impl App {
    /// Opens the key file at `path` for this database, making a new one (mode 0600) when there
    /// is none and the database uses no key yet. When the database does use keys, a missing
    /// file is an error: a fresh key would lock every enrolled account out.
    #[tracing::instrument(skip_all)]
    pub async fn open_key_file(
        self,
        path: &Path,
        now: DateTime<Utc>,
    ) -> Result<(App, KeyFileState), KeyFileError> {
        match Keyring::load(path) {
            Ok(keys) => {
                warn_if_readable_by_others(path);
                let missing: Vec<String> = self
                    .key_ids_in_use()
                    .await?
                    .into_iter()
                    .filter(|id| !keys.ids().any(|k| k == id))
                    .collect();
                if !missing.is_empty() {
                    tracing::error!(
                        missing = missing.join(","),
                        "the database uses keys the key file does not hold: their secrets cannot \
                         be read and their checkpoints cannot be checked"
                    );
                }
                Ok((self.with_keys(keys), KeyFileState::Loaded))
            }
            Err(KeyError::Missing { .. }) => {
                let in_use = self.key_ids_in_use().await?;
                if !in_use.is_empty() {
                    return Err(KeyFileError::Lost {
                        path: path.display().to_string(),
                        in_use: in_use.join(", "),
                    });
                }
                let keys = create_key_file(path, now)?;
                Ok((self.with_keys(keys), KeyFileState::Created))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Key ids the database refers to: of TOTP secrets, recovery codes and checkpoints.
    #[tracing::instrument(skip_all)]
    pub async fn key_ids_in_use(&self) -> Result<Vec<String>, AppError> {
        let tx = self.store.begin_read().await?;
        let mut ids: Vec<String> = tx
            .totp_secrets()
            .await?
            .iter()
            .filter_map(|(_, s)| Keyring::totp_key_id(s).map(str::to_owned))
            .chain(
                tx.recovery_code_hashes()
                    .await?
                    .iter()
                    .filter_map(|(_, h)| Keyring::recovery_key_id(h).map(str::to_owned)),
            )
            .collect();
        tx.commit().await?;
        // Before the migration that adds checkpoints (a server started with migrations
        // skipped), there are none.
        if self.store.schema_state().await?.pending == 0 {
            ids.extend(self.store.audit_checkpoint_key_ids().await?);
        }
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    /// Brings every stored second-factor secret under the current key, in one transaction:
    /// TOTP secrets stored in plain text (before encryption) or under an older key are
    /// encrypted under it, and recovery-code hashes from before the key file are keyed. Runs at
    /// every start and after `keys rotate`; nobody is locked out, since every secret stays
    /// readable throughout. Audited when it changed anything.
    #[tracing::instrument(skip_all)]
    pub async fn reseal_secrets(&self, now: DateTime<Utc>) -> Result<Resealed, AppError> {
        let current = self
            .keys
            .current_id()
            .ok_or(KeyError::NotLoaded)?
            .to_owned();
        let mut done = Resealed::default();
        let tx = self.store.begin().await?;
        for (user_id, stored) in tx.totp_secrets().await? {
            if Keyring::totp_key_id(&stored) == Some(current.as_str()) {
                continue;
            }
            let secret = match self.keys.open_totp(user_id, &stored) {
                Ok(secret) => secret,
                Err(KeyError::UnknownKey(_) | KeyError::Undecryptable) => {
                    done.unreadable += 1;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let sealed = self.keys.seal_totp(user_id, &secret)?;
            if tx.reseal_totp_secret(user_id, &stored, sealed).await? {
                done.totp_secrets += 1;
            }
        }
        for (id, stored) in tx.recovery_code_hashes().await? {
            if let Some(keyed) = self.keys.key_legacy_recovery_hash(&stored)?
                && tx.rehash_recovery_code(id, &stored, keyed).await?
            {
                done.recovery_codes += 1;
            }
        }
        if done.totp_secrets > 0 || done.recovery_codes > 0 {
            AuditEntry::new("secrets_resealed", Outcome::Success, now)
                .by(&Actor::console())
                .object("key", &current)
                .detail(format!(
                    "totp_secrets={} recovery_codes={}",
                    done.totp_secrets, done.recovery_codes
                ))
                .write(&tx)
                .await?;
        }
        tx.commit().await?;
        if done.unreadable > 0 {
            tracing::error!(
                accounts = done.unreadable,
                "TOTP secrets under a key the key file does not hold were left as they are"
            );
        }
        Ok(done)
    }

    /// Records that a new key file replaced a lost one (`keys create`).
    #[tracing::instrument(skip_all)]
    pub async fn record_new_key_file(&self, now: DateTime<Utc>) -> Result<(), AppError> {
        let current = self.keys.current_id().ok_or(KeyError::NotLoaded)?;
        let tx = self.store.begin().await?;
        AuditEntry::new("key_file_created", Outcome::Success, now)
            .by(&Actor::console())
            .object("key", current)
            .write(&tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// After the key file gained a new current key (`keys rotate`): records the rotation,
    /// re-encrypts every TOTP secret under the new key and signs the chain's head with it.
    #[tracing::instrument(skip_all)]
    pub async fn adopt_rotated_key(
        &self,
        now: DateTime<Utc>,
    ) -> Result<(Resealed, AuditVerdict), AppError> {
        let current = self
            .keys
            .current_id()
            .ok_or(KeyError::NotLoaded)?
            .to_owned();
        let tx = self.store.begin().await?;
        AuditEntry::new("keys_rotated", Outcome::Success, now)
            .by(&Actor::console())
            .object("key", &current)
            .write(&tx)
            .await?;
        tx.commit().await?;
        let resealed = self.reseal_secrets(now).await?;
        let verdict = self.checkpoint_audit(CheckpointOrigin::Rotate, now).await?;
        Ok((resealed, verdict))
    }
}

/// Makes a key file at `path` with one new key. Its folder is made (mode 0700) when missing;
/// when another instance made the file a moment before, that one is used.
pub fn create_key_file(path: &Path, now: DateTime<Utc>) -> Result<Keyring, KeyError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir).map_err(|source| KeyError::Io {
            action: "create the folder of",
            path: path.to_owned(),
            source,
        })?;
    }
    let keys = Keyring::generate(now)?;
    match keys.create_file(path) {
        Ok(()) => {
            tracing::warn!(
                path = %path.display(),
                "created a new key file: back it up with the database, and give every instance \
                 the same one"
            );
            Ok(keys)
        }
        Err(KeyError::Io { source, .. }) if source.kind() == std::io::ErrorKind::AlreadyExists => {
            Keyring::load(path)
        }
        Err(e) => Err(e),
    }
}

/// Creates `dir` and its missing parents so that only the owner may enter them (0700). An
/// existing folder keeps its mode.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                path = %path.display(),
                "the key file can be read by others than its owner: chmod 600 it"
            );
        }
    }
}
