//! Appending events to the audit log.
//!
//! The log is written ahead of the changes it announces: each `append` is on disk (fsynced)
//! before it returns, so a crash can leave an announced change unmade, but never a made
//! change unannounced.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, BufReader, Write};
use std::path::{Path, PathBuf};

use rand::RngCore;
use serde_json::Value;

use crate::chain::walk;
use crate::event::{canonical_data, check_kind, check_no_floats, now_rfc3339, Event};
use crate::fsutil::{no_follow, private_mode, require_parent_dir, sync_parent_dir};
use crate::{AuditError, AuditKey};

/// The flag that chooses the log path, named in error messages.
const FLAG: &str = "--audit-log";

/// Longest accepted run id; [`new_run_id`] makes 33 characters.
const MAX_RUN_ID_LEN: usize = 64;

/// An audit log open for appending by one run.
///
/// While it exists it holds an exclusive advisory lock on the file, because two runs
/// appending at once would both extend the same head and fork the chain.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    /// Seals every event; the log is verified with it on opening.
    key: AuditKey,
    file: File,
    run: String,
    head: String,
    seq: u64,
    /// Set when a write failed part-way; the file's last line may then be incomplete.
    poisoned: bool,
}

impl AuditLog {
    /// Opens (creating if missing, mode 0600) for appending. Reads the existing file to find
    /// the last event's hash and sequence number, and verifies the existing chain first: a
    /// broken chain is an error ([`AuditError::Tampered`], naming the first broken link),
    /// because the tool must not append to a tampered log. There is deliberately no way to
    /// override that; start a new log instead.
    ///
    /// `run_id` tags every event of this run (see [`new_run_id`]). `key` seals every event, and
    /// the existing events' seals are checked with it: a log sealed with another key, or
    /// rewritten without the key, is refused like any other tampering.
    pub fn open(path: &Path, run_id: &str, key: &AuditKey) -> Result<AuditLog, AuditError> {
        check_run_id(run_id)?;
        let created = match fs::symlink_metadata(path) {
            // A symlink is not followed (a dangling one would create its target wherever it
            // points), and a device such as /dev/full is no log.
            Ok(meta) if !meta.is_file() => {
                return Err(AuditError::NotAFile {
                    flag: FLAG,
                    path: path.to_path_buf(),
                })
            }
            Ok(_) => false,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                require_parent_dir(path, "audit log", FLAG)?;
                true
            }
            Err(e) => return Err(AuditError::io("open audit log", path, e)),
        };
        let file = no_follow(private_mode(
            OpenOptions::new().read(true).append(true).create(true),
        ))
        .open(path)
        .map_err(|e| AuditError::io("open audit log", path, e))?;
        if created {
            sync_parent_dir(path).map_err(|e| AuditError::io("create audit log", path, e))?;
        }
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(AuditError::Locked {
                    path: path.to_path_buf(),
                })
            }
            Err(TryLockError::Error(e)) => return Err(AuditError::io("lock audit log", path, e)),
        }
        // Verify under the lock, so no other run can append between verification and ours.
        let report = walk(BufReader::new(&file), Some(key), |_| Ok(()))
            .map_err(|e| AuditError::io("read audit log", path, e))?
            .map_err(|link| AuditError::Tampered {
                path: path.to_path_buf(),
                link,
            })?;
        tracing::debug!(events = report.events, "audit log chain checked");
        Ok(AuditLog {
            path: path.to_path_buf(),
            key: key.duplicate(),
            file,
            run: run_id.to_owned(),
            head: report.head,
            seq: report.events,
            poisoned: false,
        })
    }

    /// Starts the next run in the same open log: later events carry `run_id`. A batch keeps
    /// one log open for all its requests, each a run of its own, so the chain is read and
    /// checked once, not once per request.
    pub fn begin_run(&mut self, run_id: &str) -> Result<(), AuditError> {
        check_run_id(run_id)?;
        self.run = run_id.to_owned();
        Ok(())
    }

    /// Appends one event and fsyncs (the event must be on disk BEFORE the change it announces
    /// is made). Returns the event's hash.
    ///
    /// The tool itself writes through [`AuditLog::record`], which takes a typed event; this is
    /// the layer below it, for any kind.
    ///
    /// `kind` is a lower-case `snake_case` name (see [`crate::EventKind`]); `data` is a JSON object
    /// without floating-point numbers, and its keys are written sorted. `data` must hold only
    /// subject refs, ids, names, paths, counts and outcomes — never a raw e-mail address or
    /// phone number, a setting value or a password: this crate cannot tell them apart from
    /// other strings, so keeping them out is the caller's job.
    pub fn append(&mut self, kind: &str, data: Value) -> Result<String, AuditError> {
        if self.poisoned {
            return Err(AuditError::Poisoned {
                path: self.path.clone(),
            });
        }
        check_kind(kind).map_err(|reason| AuditError::InvalidEvent { reason })?;
        check_no_floats(&data).map_err(|reason| AuditError::InvalidEvent { reason })?;
        let Value::Object(data) = data else {
            return Err(AuditError::InvalidEvent {
                reason: "data must be a JSON object".to_owned(),
            });
        };
        let data = crate::census::withhold_identifiers(data, &self.key);
        let seq = self.seq + 1;
        let event = Event::seal(
            seq,
            now_rfc3339(),
            &self.run,
            kind,
            canonical_data(data),
            &self.head,
            &self.key,
        );
        let mut line = event.to_line();
        line.push(b'\n');
        // One write of the whole line, then fdatasync: it persists the data and the new file
        // length, which is all a reader needs.
        if let Err(e) = self
            .file
            .write_all(&line)
            .and_then(|()| self.file.sync_data())
        {
            self.poisoned = true;
            return Err(AuditError::io("append to audit log", &self.path, e));
        }
        self.seq = seq;
        self.head = event.hash;
        Ok(self.head.clone())
    }

    /// Appends a typed event of the contract ([`crate::contract`]): its kind is the type's,
    /// its data the type's fields. Returns the new head.
    pub fn record<E: crate::AuditEvent>(&mut self, event: &E) -> Result<String, AuditError> {
        let data = serde_json::to_value(event).map_err(|e| AuditError::InvalidEvent {
            reason: format!("cannot serialize a {} event: {e}", E::KIND),
        })?;
        self.append(E::KIND.as_str(), data)
    }

    /// The log file's path, for messages and receipts.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Hash of the last event written (the chain head), and sequence number. Before anything
    /// is appended to a new log: 64 zeros and 0. A receipt records these to pin the log down.
    pub fn head(&self) -> (&str, u64) {
        (&self.head, self.seq)
    }

    /// The run id this log tags its events with.
    pub fn run_id(&self) -> &str {
        &self.run
    }
}

/// A fresh run id: UTC start time (so ids sort by time and an officer can place a run at a
/// glance) and 16 random hex digits (so two runs in the same second differ), e.g.
/// `20240501T093012Z-9f1c2a7b3e4d5c6a`.
pub fn new_run_id() -> String {
    let now = time::OffsetDateTime::now_utc();
    let mut random = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut random);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z-{}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        hex::encode(random)
    )
}

/// Run ids are short machine-made tokens; restricting them keeps free text (and so personal
/// data) out of every line.
fn check_run_id(run_id: &str) -> Result<(), AuditError> {
    if run_id.is_empty() || run_id.len() > MAX_RUN_ID_LEN {
        return Err(AuditError::InvalidRunId {
            reason: "it must be 1 to 64 characters long",
        });
    }
    if !run_id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
    {
        return Err(AuditError::InvalidRunId {
            reason: "it may hold only letters, digits and - _ . :",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_are_timestamped_random_and_valid() {
        let a = new_run_id();
        let b = new_run_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 33, "{a}");
        assert_eq!(&a[8..9], "T");
        assert_eq!(&a[15..17], "Z-");
        check_run_id(&a).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_and_devices_are_not_opened_as_logs() {
        let dir = tempfile::tempdir().unwrap();
        let dangling = dir.path().join("audit.jsonl");
        std::os::unix::fs::symlink(dir.path().join("elsewhere.jsonl"), &dangling).unwrap();
        let err =
            AuditLog::open(&dangling, &new_run_id(), &AuditKey::from_bytes([3; 32])).unwrap_err();
        assert!(matches!(err, AuditError::NotAFile { .. }), "{err}");
        assert!(!dir.path().join("elsewhere.jsonl").exists());
        let err = AuditLog::open(
            Path::new("/dev/full"),
            &new_run_id(),
            &AuditKey::from_bytes([3; 32]),
        )
        .unwrap_err();
        assert!(matches!(err, AuditError::NotAFile { .. }), "{err}");
    }

    #[test]
    fn run_ids_with_free_text_are_refused() {
        for bad in ["", "john@example.com", "a b", &"x".repeat(65)] {
            assert!(check_run_id(bad).is_err(), "{bad}");
        }
    }
}
