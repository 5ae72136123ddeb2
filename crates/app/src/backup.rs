//! Backups, restores and copies of the whole database, from the console only: whoever runs them
//! holds the database already. A backup is the storage layer's portable archive compressed with
//! gzip, so one file restores on either backend; a copy streams the archive from one database
//! into another without it touching the disk.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use containment_domain::audit::Outcome;
use containment_storage::{ArchiveError, ArchiveSummary, NewAuditEvent, Store};
use tokio::sync::mpsc;

use crate::actor::AuditEntry;
use crate::{Actor, App, AppError};

/// Lines held between the database and the file (or the other database) at most.
const LINES_IN_FLIGHT: usize = 64;

/// The two bytes every gzip stream starts with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

fn console_only(actor: &Actor) -> Result<(), ArchiveError> {
    if actor.is_console() {
        Ok(())
    } else {
        Err(ArchiveError::Forbidden(
            "backups, restores and copies are made from the console only",
        ))
    }
}

fn app_error(e: AppError) -> ArchiveError {
    ArchiveError::Io(e.to_string())
}

/// The event a restored or copied-into database records about where its contents came from.
fn restored_event(actor: &Actor, from: &str, now: DateTime<Utc>) -> NewAuditEvent {
    AuditEntry::new("database_restored", Outcome::Success, now)
        .by(actor)
        .detail(from)
        .into_event()
}

/// Where a backup is written until it is complete: beside the final name, so the rename that
/// publishes it stays on one file system.
fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    path.with_file_name(name)
}

/// A new file readable and writable by this account only, from the start.
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Compresses the lines it receives into `file`, then makes them durable.
fn write_lines(file: std::fs::File, mut lines: mpsc::Receiver<String>) -> std::io::Result<()> {
    let mut gz = flate2::write::GzEncoder::new(
        std::io::BufWriter::new(file),
        flate2::Compression::default(),
    );
    while let Some(line) = lines.blocking_recv() {
        gz.write_all(line.as_bytes())?;
        gz.write_all(b"\n")?;
    }
    let file = gz.finish()?.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()
}

/// Decompresses `file` and hands on its lines, stopping at the first error (sent on too).
fn read_lines(file: std::fs::File, lines: &mpsc::Sender<std::io::Result<String>>) {
    let reader =
        std::io::BufReader::new(flate2::read::GzDecoder::new(std::io::BufReader::new(file)));
    for line in reader.lines() {
        let failed = line.is_err();
        if lines.blocking_send(line).is_err() || failed {
            return;
        }
    }
}

impl App {
    /// A database no migration ever ran on has nothing to carry (not even an audit trail to
    /// record the attempt in).
    async fn has_schema(&self) -> Result<(), ArchiveError> {
        if self
            .store
            .migration_states()
            .await?
            .iter()
            .any(|m| m.applied)
        {
            Ok(())
        } else {
            Err(ArchiveError::Schema(
                "the database has no schema yet: there is nothing to back up".into(),
            ))
        }
    }

    /// Writes a backup of the whole database to `path` while the application may go on
    /// serving: a consistent snapshot (see [`Store::write_archive`]), gzip-compressed, made
    /// readable by this account only, and published under its name only once complete and on
    /// disk. An existing file is never replaced. Audited before the first row is read, so the
    /// backup holds the record of its own making.
    #[tracing::instrument(skip_all)]
    pub async fn backup_to_file(
        &self,
        actor: &Actor,
        path: &Path,
        now: DateTime<Utc>,
    ) -> Result<ArchiveSummary, ArchiveError> {
        console_only(actor)?;
        self.has_schema().await?;
        if path.exists() {
            return Err(ArchiveError::Io(format!(
                "{} already exists: choose a new name (a backup never replaces a file)",
                path.display()
            )));
        }
        let partial = partial_path(path);
        let file = create_private(&partial)
            .map_err(|e| ArchiveError::Io(format!("cannot create {}: {e}", partial.display())))?;
        let tx = self.store.begin().await?;
        AuditEntry::new("database_backup", Outcome::Success, now)
            .by(actor)
            .object("database", self.store.backend().name())
            .write(&tx)
            .await
            .map_err(app_error)?;
        tx.commit().await?;

        let (sender, receiver) = mpsc::channel(LINES_IN_FLIGHT);
        let writer = tokio::task::spawn_blocking(move || write_lines(file, receiver));
        let archived = self.store.write_archive(&sender, now).await;
        drop(sender);
        let written = writer
            .await
            .map_err(|e| ArchiveError::Io(e.to_string()))
            .and_then(|r| {
                r.map_err(|e| ArchiveError::Io(format!("cannot write {}: {e}", partial.display())))
            });
        let summary = match (archived, written) {
            (Ok(summary), Ok(())) => summary,
            // The file's own failure explains why the archive could not send its lines.
            (_, Err(e)) | (Err(e), _) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        };
        std::fs::rename(&partial, path).map_err(|e| {
            let _ = std::fs::remove_file(&partial);
            ArchiveError::Io(format!("cannot name the backup {}: {e}", path.display()))
        })?;
        Ok(summary)
    }

    /// Restores the backup at `path` into this database (see [`Store::restore_archive`]): all
    /// or nothing, into an empty database unless `force`. The restored trail records the
    /// restore as its newest event.
    #[tracing::instrument(skip_all)]
    pub async fn restore_from_file(
        &self,
        actor: &Actor,
        path: &Path,
        force: bool,
        now: DateTime<Utc>,
    ) -> Result<ArchiveSummary, ArchiveError> {
        console_only(actor)?;
        let mut file = std::fs::File::open(path)
            .map_err(|e| ArchiveError::Io(format!("cannot read {}: {e}", path.display())))?;
        let mut magic = [0u8; 2];
        let starts_as_gzip =
            std::io::Read::read_exact(&mut file, &mut magic).is_ok() && magic == GZIP_MAGIC;
        if !starts_as_gzip {
            return Err(ArchiveError::Format(format!(
                "{} is not a Containment backup (not a gzip-compressed archive)",
                path.display()
            )));
        }
        std::io::Seek::rewind(&mut file)
            .map_err(|e| ArchiveError::Io(format!("cannot read {}: {e}", path.display())))?;
        let (sender, mut receiver) = mpsc::channel(LINES_IN_FLIGHT);
        let reader = tokio::task::spawn_blocking(move || read_lines(file, &sender));
        let event = restored_event(actor, "backup", now);
        let restored = self
            .store
            .restore_archive(&mut receiver, force, event)
            .await;
        // Stops the reader if the restore gave up early.
        drop(receiver);
        let _ = reader.await;
        restored
    }

    /// Copies the whole database into `target` (the other backend, or another database of the
    /// same one), streaming the archive between them; the target must be empty unless `force`.
    /// Audited on both sides: the read of everything here, the arrival there.
    #[tracing::instrument(skip_all)]
    pub async fn copy_to(
        &self,
        actor: &Actor,
        target: &Store,
        force: bool,
        now: DateTime<Utc>,
    ) -> Result<ArchiveSummary, ArchiveError> {
        console_only(actor)?;
        self.has_schema().await?;
        let tx = self.store.begin().await?;
        AuditEntry::new("database_copy", Outcome::Success, now)
            .by(actor)
            .object("database", target.backend().name())
            .write(&tx)
            .await
            .map_err(app_error)?;
        tx.commit().await?;
        let (lines, mut received) = mpsc::channel::<String>(LINES_IN_FLIGHT);
        let (sender, mut receiver) = mpsc::channel(LINES_IN_FLIGHT);
        let target = target.clone();
        let source = self.store.clone();
        let reading = async move {
            let result = source.write_archive(&lines, now).await;
            drop(lines);
            result
        };
        // The archive's lines pass as they are; the target reads them as it would a file's.
        let relay = async move {
            while let Some(line) = received.recv().await {
                if sender.send(Ok(line)).await.is_err() {
                    break;
                }
            }
        };
        let from = format!("copy from {}", self.store.backend().name());
        let event = restored_event(actor, &from, now);
        let writing = async move {
            let result = target.restore_archive(&mut receiver, force, event).await;
            // Ends the relay and the read when the restore gives up early.
            drop(receiver);
            result
        };
        let (read, (), written) = tokio::join!(reading, relay, writing);
        match (read, written) {
            (Ok(_), Ok(summary)) => Ok(summary),
            // A failed read cuts the stream short: its cause says more than the truncation.
            (Err(e), Err(ArchiveError::Format(_)) | Ok(_)) => Err(e),
            // A refused target stops the read: the refusal is the news.
            (_, Err(e)) => Err(e),
        }
    }
}
