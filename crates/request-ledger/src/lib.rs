//! The request ledger: one SQLite file that tracks every data subject request from receipt
//! to its last re-check.
//!
//! A privacy officer answers many requests a month, each within one month of receipt (GDPR
//! Art. 12(3)). The ledger records, per request: its id (the `--case` ticket reference), its
//! type (what the person asked for: access, erasure, rectification, restriction, objection),
//! the date it was received, its deadline and any extension with its reason, the subjects as
//! the audit log's HMAC subject refs (never a raw identifier), a status history written by the
//! runs themselves (searched, exported, erased, verified, re-checked; partial or failed when
//! they were), with the receipt files, the date compaction may purge the erased data, and when
//! the next re-check is due; and, at the end, how and why it was closed.
//!
//! # Layout
//!
//! - [`Ledger`]: opening (creating, migrating, refusing a newer file), adding, extending,
//!   recording a run, closing, listing and showing.
//! - [`lifecycle`]: the request types, the states and what answers each type.
//! - [`schema`]: the tables and their migrations.
//! - [`dates`]: calendar-month deadlines.
//! - [`checks`]: what a request id and an extension or closing reason may hold.

pub mod checks;
pub mod dates;
pub mod due;
pub mod lifecycle;
pub mod schema;

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use serde::Serialize;
pub use time::Date;

pub use checks::{check_reason, check_request_id};
pub use dates::{add_months, format_date, parse_date, today_utc};
pub use due::{due, Due, DueKind};
pub use lifecycle::{CloseAs, Closure, RequestType, State};

/// The most a deadline may be extended, in months (Art. 12(3): "by two further months").
pub const MAX_EXTENSION_MONTHS: u32 = 2;

/// Why the ledger refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The file was written by a newer version of the tool.
    #[error("the request ledger {path} has schema version {found}, newer than this gdpr_forget_me knows ({known}): it was written by a newer version. Use that version (or a newer one); this one leaves the file unchanged")]
    NewerSchema {
        /// The file.
        path: PathBuf,
        /// Its version.
        found: i64,
        /// The newest this build knows.
        known: i64,
    },
    /// The file is not a ledger.
    #[error("{path} is not a request ledger ({why}): give the ledger's path with --ledger FILE, or a new file name to start one")]
    NotALedger {
        /// The file.
        path: PathBuf,
        /// What it is instead.
        why: String,
    },
    /// The file's place is not usable.
    #[error("{0}")]
    Path(String),
    /// Input the ledger refuses (exit 2 for a command line).
    #[error("{0}")]
    Refused(String),
    /// SQLite failed.
    #[error("the request ledger {path}: {source}")]
    Sql {
        /// The file.
        path: PathBuf,
        /// The error.
        source: rusqlite::Error,
    },
}

/// One step of a request's history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Recorded, nothing done yet.
    Received,
    /// A search ran for it.
    Searched,
    /// An access export was written.
    Exported,
    /// An erasure ran.
    Erased,
    /// The erasure's verification read.
    Verified,
    /// A receipt re-check ran.
    ReChecked,
    /// Signed disk reports were checked against a receipt (`--recheck-receipt
    /// --disk-report`): outcome ok when every node they name holds none of the subject's
    /// identifiers in any file.
    Purged,
}

impl Status {
    /// As stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Searched => "searched",
            Status::Exported => "exported",
            Status::Erased => "erased",
            Status::Verified => "verified",
            Status::ReChecked => "re-checked",
            Status::Purged => "purged",
        }
    }

    fn parse(s: &str) -> Status {
        match s {
            "searched" => Status::Searched,
            "exported" => Status::Exported,
            "erased" => Status::Erased,
            "verified" => Status::Verified,
            "re-checked" => Status::ReChecked,
            "purged" => Status::Purged,
            _ => Status::Received,
        }
    }
}

/// How a step went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Done as asked.
    Ok,
    /// Done in part: an incomplete scan, settings left not erased, an unverified erasure.
    Partial,
    /// Not done: nothing erased of what was planned, data back at a re-check.
    Failed,
}

impl Outcome {
    /// As stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Partial => "partial",
            Outcome::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Outcome {
        match s {
            "ok" => Outcome::Ok,
            "partial" => Outcome::Partial,
            _ => Outcome::Failed,
        }
    }
}

/// A step a run records. Its `detail` is written by the tool from counts and states only,
/// never from stored values or identifiers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// What was done.
    pub status: Status,
    /// How it went.
    pub outcome: Outcome,
    /// One line: what the run found or did, in counts.
    pub detail: String,
    /// The receipt file (JSON) this step wrote or re-checked.
    pub receipt: Option<String>,
    /// The access export this step wrote.
    pub export: Option<String>,
    /// When compaction may purge the erased data (RFC 3339, from the receipt's
    /// `gc_grace_seconds`): the re-check is due after it.
    pub purge_after: Option<String>,
    /// The signed disk reports a `purged` step was recorded from (absolute paths).
    pub disk_reports: Vec<String>,
}

/// What one run records about one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunRecord {
    /// The run id (the audit log's, when the run wrote one).
    pub run_id: Option<String>,
    /// The request's type as the run implies it (an erasure run: erasure; an access export:
    /// access), `None` when it implies none (a plain search). It becomes the request's type
    /// only when the ledger has none yet: a recorded type is never changed by a run.
    pub kind: Option<RequestType>,
    /// The date the request was received, when the run knows it (a batch's `received`): used
    /// only when the run creates the request, which is otherwise received the day it runs.
    pub received: Option<Date>,
    /// The subjects, as HMAC subject refs (`hmac-sha256:...`).
    pub subject_refs: Vec<String>,
    /// Fingerprint of the audit key the refs were made with.
    pub key_fingerprint: String,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// One request, as listed.
///
/// Read by the `requests` commands and by anything that reports on the ledger (letters to the
/// person, dashboards, the time taken to answer): its fields are the ledger's public word on
/// a request, and [`Summary::kind`], [`Summary::state`] and [`Summary::answered_on`] are
/// what such reports are built from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// The request id.
    pub id: String,
    /// What the person asked for (serialized as `type`): it decides what answers the
    /// request.
    #[serde(rename = "type")]
    pub kind: RequestType,
    /// Where the request stands: received, in-progress, answered, or closed (closed,
    /// withdrawn, rejected).
    pub state: State,
    /// Received (YYYY-MM-DD).
    pub received: String,
    /// The deadline, extensions included (YYYY-MM-DD).
    pub deadline: String,
    /// Months the deadline was extended by.
    pub extended_months: u32,
    /// Days from today to the deadline (negative: past it).
    pub days_left: i64,
    /// The deadline passed, the request is not answered and not closed.
    pub overdue: bool,
    /// Answered: what answers its type was recorded ([`Summary::answered_on`] is set).
    pub answered: bool,
    /// The day (YYYY-MM-DD, UTC) the request became answered: the day of its first verified
    /// erasure (an erasure), of its first access export from a complete scan (an access
    /// request), of its closing as done (a rectification, restriction or objection) or as
    /// rejected; `None` while it is not answered. With [`Summary::received`] it gives the
    /// days taken to answer.
    pub answered_on: Option<String>,
    /// How, why and when the request was closed; `None` while it is open.
    pub closed: Option<Closure>,
    /// The last step's status (`received` when none).
    pub status: Status,
    /// The last step's outcome.
    pub outcome: Outcome,
    /// The latest purge date of the erased data (RFC 3339).
    pub purge_after: Option<String>,
    /// When the next receipt re-check is due (YYYY-MM-DD), `None` when none is scheduled.
    pub next_recheck_due: Option<String>,
    /// Physically purged: the last `purged` step is ok (every node of the disk reports given
    /// clean) and no erasure or failed re-check came after it.
    pub physically_purged: bool,
    /// How many subject refs the request has.
    pub subjects: usize,
}

/// The detail of a complete search's step: how many rows were read and how many settings
/// hold one of the request's identifiers. Written here, beside [`Event::found_nothing`] that
/// reads it, so the two cannot drift apart.
pub fn complete_search_detail(rows: u64, found: u64) -> String {
    format!("complete scan of {rows} row(s): {found} setting(s) hold an identifier")
}

impl Event {
    /// A complete search (every token range read) that found no setting holding the request's
    /// identifiers: what a "nothing held" letter to the person rests on.
    pub fn found_nothing(&self) -> bool {
        self.status == Status::Searched
            && self.outcome == Outcome::Ok
            && self.detail.starts_with("complete scan of ")
            && self.detail.ends_with(": 0 setting(s) hold an identifier")
    }
}

/// An extension of the deadline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Extension {
    /// By how many months.
    pub months: u32,
    /// Why (Art. 12(3) asks for the reasons to be told to the person).
    pub reason: String,
    /// When it was recorded.
    pub recorded_at: String,
}

/// A recorded step, with when and by which run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    /// When (RFC 3339).
    pub at: String,
    /// The run.
    pub run_id: Option<String>,
    /// What was done.
    pub status: Status,
    /// How it went.
    pub outcome: Outcome,
    /// What the run found or did.
    pub detail: String,
    /// The receipt file.
    pub receipt: Option<String>,
    /// The export file.
    pub export: Option<String>,
    /// The purge date this step learnt.
    pub purge_after: Option<String>,
    /// The disk reports of a `purged` step.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disk_reports: Vec<String>,
}

/// A subject ref of a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SubjectRef {
    /// `hmac-sha256:<hex>`.
    pub subject_ref: String,
    /// The audit key's fingerprint.
    pub key_fingerprint: String,
    /// The first run that recorded it.
    pub first_seen: String,
}

/// One request with its whole history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Details {
    /// As listed.
    #[serde(flatten)]
    pub summary: Summary,
    /// `add` (recorded by `requests add`) or `run` (by a run's `--case`).
    pub created_by: String,
    /// The extensions.
    pub extensions: Vec<Extension>,
    /// The subject refs.
    pub subject_refs: Vec<SubjectRef>,
    /// The history, oldest first.
    pub history: Vec<Event>,
}

impl Details {
    /// The receipts of the erasures that erased something (those with a purge date), oldest
    /// first, each once: what a re-check of the request reads again.
    pub fn erasure_receipts(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for e in &self.history {
            if let (Status::Erased, Some(r), Some(_)) = (e.status, &e.receipt, &e.purge_after) {
                if !out.contains(&r.as_str()) {
                    out.push(r);
                }
            }
        }
        out
    }
}

/// What [`Ledger::record`] did to the request itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// The request was there already.
    Existing,
    /// The request was there already with no type, and took the type the run implies.
    Typed,
    /// The request was not in the ledger: it was added, received on the run's received date
    /// (else today), with the type the run implies (else `unspecified`).
    Created,
}

/// What [`Ledger::add`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Added {
    /// A new request.
    New,
    /// A request a run had added: its received date (and its type, if it had none) corrected.
    Corrected,
    /// A request of no known type: its type recorded.
    Typed,
}

/// An open ledger file.
pub struct Ledger {
    conn: Connection,
    path: PathBuf,
}

impl Ledger {
    /// Opens the ledger, creating it (mode 0600) when missing, and brings its schema up to
    /// date. Refuses a symlink, a file that is not a ledger, and a file of a newer version.
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(LedgerError::Path(format!(
                    "the request ledger {} is a symbolic link; it is not followed (it could point anywhere): give the real path",
                    path.display()
                )))
            }
            Ok(m) if !m.is_file() => {
                return Err(LedgerError::Path(format!(
                    "the request ledger {} is not a regular file: give the path of a ledger file",
                    path.display()
                )))
            }
            Ok(_) => {}
            Err(_) => create_private(path)?,
        }
        Self::open_file(path, true)
    }

    /// Opens an existing ledger to read it; a missing file is an error that says where the
    /// tool looked. The schema must be this build's (an older file is migrated first, which
    /// writes to it; a newer one is refused).
    pub fn open_existing(path: &Path) -> Result<Ledger, LedgerError> {
        match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => Err(LedgerError::Path(format!(
                "the request ledger {} is a symbolic link; it is not followed: give the real path",
                path.display()
            ))),
            Ok(_) => Self::open_file(path, true),
            Err(_) => Err(LedgerError::Path(format!(
                "there is no request ledger at {}: it is created by `gdpr_forget_me requests add` or by a run given --case; give its path with --ledger FILE (or GDPR_FORGET_ME_LEDGER)",
                path.display()
            ))),
        }
    }

    fn open_file(path: &Path, migrate: bool) -> Result<Ledger, LedgerError> {
        let sql = |source| LedgerError::Sql {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql)?;
        // Two runs may record at once: wait for the other's transaction instead of failing.
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(sql)?;
        let mut ledger = Ledger {
            conn,
            path: path.to_path_buf(),
        };
        if migrate {
            ledger.migrate()?;
        }
        Ok(ledger)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sql(&self, source: rusqlite::Error) -> LedgerError {
        sql_error(&self.path, source)
    }

    /// The schema version of the file (0 for a new, empty file).
    pub fn schema_version(&self) -> Result<i64, LedgerError> {
        version_of(&self.conn).map_err(|e| self.sql(e))
    }

    /// Checks what the file is and applies the migrations it lacks, each in its own
    /// transaction with its `schema_version` row.
    fn migrate(&mut self) -> Result<(), LedgerError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sql_error(&self.path, e))?;
        let app_id: i32 = tx
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(|e| sql_error(&self.path, e))?;
        let tables: i64 = tx
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| sql_error(&self.path, e))?;
        match (app_id, tables) {
            (schema::APPLICATION_ID, _) => {}
            (0, 0) => {
                tx.execute_batch(&format!(
                    "PRAGMA application_id = {};
                     CREATE TABLE schema_version (version INTEGER PRIMARY KEY NOT NULL, applied_at TEXT NOT NULL) STRICT;",
                    schema::APPLICATION_ID
                ))
                .map_err(|e| sql_error(&self.path, e))?;
            }
            (other, _) => {
                return Err(LedgerError::NotALedger {
                    path: self.path.clone(),
                    why: format!(
                        "an SQLite database of something else (application_id {other:#x}, {tables} table(s))"
                    ),
                })
            }
        }
        let found = version_of(&tx).map_err(|e| sql_error(&self.path, e))?;
        if found > schema::LATEST {
            return Err(LedgerError::NewerSchema {
                path: self.path.clone(),
                found,
                known: schema::LATEST,
            });
        }
        for (index, migration) in schema::MIGRATIONS.iter().enumerate().skip(found as usize) {
            tx.execute_batch(migration)
                .and_then(|_| {
                    tx.execute(
                        "INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)",
                        params![index as i64 + 1, dates::now_rfc3339()],
                    )
                })
                .map_err(|e| sql_error(&self.path, e))?;
        }
        tx.commit().map_err(|e| sql_error(&self.path, e))
    }

    /// `requests add ID --received DATE --type TYPE`: records a request.
    ///
    /// A request already in the ledger is refused, except to correct what the ledger could
    /// not know: a request a run created (received = the day of that run) takes the earlier
    /// date given here, and a request of no known type (created by a plain search, or
    /// recorded before types were kept) takes the type given. A recorded type is never
    /// changed, and a closed request never touched.
    pub fn add(
        &mut self,
        id: &str,
        received: Date,
        kind: RequestType,
        today: Date,
    ) -> Result<Added, LedgerError> {
        check_request_id(id).map_err(LedgerError::Refused)?;
        if received > today {
            return Err(LedgerError::Refused(format!(
                "--received {} is in the future (today is {}): give the date the request reached you",
                format_date(received),
                format_date(today)
            )));
        }
        let existing: Option<(String, String, String)> = self
            .conn
            .query_row(
                "SELECT received, created_by, request_type FROM requests WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        let Some((was, by, recorded)) = existing else {
            self.conn
                .execute(
                    "INSERT INTO requests (id, received, created_at, created_by, request_type) VALUES (?1, ?2, ?3, 'add', ?4)",
                    params![id, format_date(received), dates::now_rfc3339(), kind.as_str()],
                )
                .map_err(|e| self.sql(e))?;
            return Ok(Added::New);
        };
        if let Some(closure) = self.reader().closure(id)? {
            return Err(LedgerError::Refused(closed_refusal(id, &closure)));
        }
        let recorded = RequestType::parse(&recorded).unwrap_or(RequestType::Unspecified);
        if recorded != RequestType::Unspecified && recorded != kind {
            return Err(LedgerError::Refused(format!(
                "request {id} is recorded as {} request ({}); a request's type is never changed once recorded. If that is what the person asked for, give --type {}; if they asked for something else too, that is another request: record it under its own id (`gdpr_forget_me requests add NEW-ID --received YYYY-MM-DD --type {}`)",
                recorded.a_name(),
                recorded.article(),
                recorded.as_str(),
                kind.as_str()
            )));
        }
        let new_type = if recorded == RequestType::Unspecified {
            kind
        } else {
            recorded
        };
        let was_date = parse_date(&was);
        if by == "run" {
            if was_date.is_some_and(|w| received <= w) {
                self.conn
                    .execute(
                        "UPDATE requests SET received = ?2, created_by = 'add', request_type = ?3 WHERE id = ?1",
                        params![id, format_date(received), new_type.as_str()],
                    )
                    .map_err(|e| self.sql(e))?;
                return Ok(Added::Corrected);
            }
            return Err(LedgerError::Refused(format!(
                "request {id} was recorded by a run on {was}; a request cannot have been received after the run that handled it: give a date on or before {was}"
            )));
        }
        if recorded == RequestType::Unspecified && kind != RequestType::Unspecified {
            if was_date == Some(received) {
                self.conn
                    .execute(
                        "UPDATE requests SET request_type = ?2 WHERE id = ?1",
                        params![id, kind.as_str()],
                    )
                    .map_err(|e| self.sql(e))?;
                return Ok(Added::Typed);
            }
            return Err(LedgerError::Refused(format!(
                "request {id} is in the ledger already, received {was}, with no type: to record its type, give the date it was recorded with: `gdpr_forget_me requests add {id} --received {was} --type {}`",
                kind.as_str()
            )));
        }
        Err(LedgerError::Refused(format!(
            "request {id} is in the ledger already, received {was}: see `gdpr_forget_me requests show {id}`; to give it more time use `requests extend`"
        )))
    }

    /// `requests extend ID --months N --reason TEXT`: extends the deadline. At most two months
    /// in all, decided within the first month (Art. 12(3): the person is told of an extension
    /// and its reasons within one month of receipt). Returns the new deadline.
    pub fn extend(
        &mut self,
        id: &str,
        months: u32,
        reason: &str,
        today: Date,
    ) -> Result<Date, LedgerError> {
        check_request_id(id).map_err(LedgerError::Refused)?;
        check_reason(reason).map_err(LedgerError::Refused)?;
        let Some(summary) = self.reader().summary(id, today)? else {
            return Err(self.unknown(id));
        };
        if let Some(closure) = &summary.closed {
            return Err(LedgerError::Refused(closed_refusal(id, closure)));
        }
        let received = parse_date(&summary.received).expect("stored dates parse");
        if months == 0 || summary.extended_months + months > MAX_EXTENSION_MONTHS {
            return Err(LedgerError::Refused(format!(
                "request {id} is extended by {} month(s) already; GDPR Art. 12(3) allows two further months in all, so --months may be at most {}",
                summary.extended_months,
                MAX_EXTENSION_MONTHS - summary.extended_months
            )));
        }
        let first_month = add_months(received, 1);
        if today > first_month {
            return Err(LedgerError::Refused(format!(
                "request {id} was received on {}: an extension must be decided and told to the person within one month of receipt (by {}, GDPR Art. 12(3)); it is too late to extend it",
                summary.received,
                format_date(first_month)
            )));
        }
        self.conn
            .execute(
                "INSERT INTO extensions (request_id, months, reason, recorded_at) VALUES (?1, ?2, ?3, ?4)",
                params![id, months, reason.trim(), dates::now_rfc3339()],
            )
            .map_err(|e| self.sql(e))?;
        Ok(add_months(received, 1 + summary.extended_months + months))
    }

    /// `requests close ID --reason TEXT --as done|withdrawn|rejected`: records the end of a
    /// request, once. Returns the request as closed.
    ///
    /// Closing as done says the request was answered, so it is refused when the ledger does
    /// not show what answers its type: an erasure needs a verified erasure, and a re-check
    /// still due first (closed, it would never be re-checked); an access request needs its
    /// access export; a request of no known type needs its type first. A rectification,
    /// restriction or objection is answered by this closing itself: the tool cannot see them
    /// carried out. Withdrawn and rejected close any open request.
    pub fn close(
        &mut self,
        id: &str,
        how: CloseAs,
        reason: &str,
        today: Date,
    ) -> Result<Summary, LedgerError> {
        check_request_id(id).map_err(LedgerError::Refused)?;
        check_reason(reason).map_err(LedgerError::Refused)?;
        let path = self.path.clone();
        // One transaction for the checks and the closing: a run recording meanwhile cannot
        // slip between them, and two closings cannot both pass.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sql_error(&path, e))?;
        let reader = Reader {
            conn: &tx,
            path: &path,
        };
        let Some(summary) = reader.summary(id, today)? else {
            return Err(unknown_request(&path, id));
        };
        if let Some(c) = &summary.closed {
            return Err(LedgerError::Refused(format!(
                "request {id} was closed already, as {} on {}; a request is closed once: see `gdpr_forget_me requests show {id}`",
                c.closed_as.as_str(),
                c.at.get(..10).unwrap_or(&c.at)
            )));
        }
        if how == CloseAs::Done {
            refuse_done(&summary)?;
        }
        tx.execute(
            "INSERT INTO closures (request_id, closed_as, reason, at) VALUES (?1, ?2, ?3, ?4)",
            params![id, how.as_str(), reason.trim(), dates::now_rfc3339()],
        )
        .map_err(|e| sql_error(&path, e))?;
        let closed = Reader {
            conn: &tx,
            path: &path,
        }
        .summary(id, today)?
        .expect("just closed");
        tx.commit().map_err(|e| sql_error(&path, e))?;
        Ok(closed)
    }

    /// Whether runs may act for request `id`: its recorded type (`None` when it is not in the
    /// ledger yet), or the refusal of a closed request, which says to use a new request id.
    pub fn check_open(&self, id: &str) -> Result<Option<RequestType>, LedgerError> {
        let reader = self.reader();
        let Some(kind) = reader.kind(id)? else {
            return Ok(None);
        };
        match reader.closure(id)? {
            Some(c) => Err(LedgerError::Refused(closed_refusal(id, &c))),
            None => Ok(Some(kind)),
        }
    }

    /// Records one run of a request (see [`Ledger::record_all`]).
    pub fn record(
        &mut self,
        id: &str,
        run: &RunRecord,
        today: Date,
    ) -> Result<Recorded, LedgerError> {
        Ok(self.record_all(&[(id, run)], today)?.remove(0))
    }

    /// Records runs of requests in one transaction (a batch of requests writes its ledger
    /// once, not once per request): each request is created if it is not there yet (received
    /// on the run's date, else `today`, by a run, of the run's type), takes the run's type if
    /// it had none, gets its subject refs added and its steps appended. Nothing is recorded if
    /// any run is refused.
    ///
    /// A closed request's steps are recorded too: runs refuse a closed request before they
    /// start ([`Ledger::check_open`]), so a step arriving after the closing is a run that
    /// started before it, and what it did belongs in the history. It does not reopen the
    /// request.
    pub fn record_all(
        &mut self,
        runs: &[(&str, &RunRecord)],
        today: Date,
    ) -> Result<Vec<Recorded>, LedgerError> {
        for (id, run) in runs {
            check_request_id(id).map_err(LedgerError::Refused)?;
            // Never store what might be a raw identifier: only the HMAC form is accepted.
            if !run.subject_refs.iter().all(|r| is_subject_ref(r)) {
                return Err(LedgerError::Refused(
                    "a subject ref is not of the form hmac-sha256:<64 hex digits>; nothing was recorded".into(),
                ));
            }
        }
        let now = dates::now_rfc3339();
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sql_error(&path, e))?;
        let mut recorded = Vec::with_capacity(runs.len());
        for (id, run) in runs {
            // Cached statements: a batch records a thousand requests, and parsing each
            // statement again for each of them was most of the ledger's time.
            let exists: bool = tx
                .prepare_cached("SELECT 1 FROM requests WHERE id = ?1")
                .and_then(|mut s| s.query_row([id], |_| Ok(())))
                .optional()
                .map_err(|e| sql_error(&path, e))?
                .is_some();
            let mut outcome = Recorded::Existing;
            if !exists {
                tx.prepare_cached(
                    "INSERT INTO requests (id, received, created_at, created_by, request_type) VALUES (?1, ?2, ?3, 'run', ?4)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        id,
                        format_date(run.received.unwrap_or(today)),
                        now,
                        run.kind.unwrap_or(RequestType::Unspecified).as_str()
                    ])
                })
                .map_err(|e| sql_error(&path, e))?;
                outcome = Recorded::Created;
            } else if let Some(kind) = run.kind.filter(|k| *k != RequestType::Unspecified) {
                let typed = tx
                    .prepare_cached(
                        "UPDATE requests SET request_type = ?2 WHERE id = ?1 AND request_type = 'unspecified'",
                    )
                    .and_then(|mut s| s.execute(params![id, kind.as_str()]))
                    .map_err(|e| sql_error(&path, e))?;
                if typed > 0 {
                    outcome = Recorded::Typed;
                }
            }
            for r in &run.subject_refs {
                tx.prepare_cached(
                    "INSERT OR IGNORE INTO subject_refs (request_id, subject_ref, key_fingerprint, first_seen) VALUES (?1, ?2, ?3, ?4)",
                )
                .and_then(|mut s| s.execute(params![id, r, run.key_fingerprint, now]))
                .map_err(|e| sql_error(&path, e))?;
            }
            for s in &run.steps {
                tx.prepare_cached(
                    "INSERT INTO events (request_id, at, status, outcome, run_id, detail, receipt, export, purge_after, disk_reports)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .and_then(|mut st| st.execute(params![
                        id,
                        now,
                        s.status.as_str(),
                        s.outcome.as_str(),
                        run.run_id,
                        s.detail,
                        s.receipt,
                        s.export,
                        s.purge_after,
                        (!s.disk_reports.is_empty()).then(|| serde_json::to_string(&s.disk_reports).expect("a list of paths serializes"))
                    ]))
                .map_err(|e| sql_error(&path, e))?;
            }
            recorded.push(outcome);
        }
        tx.commit().map_err(|e| sql_error(&path, e))?;
        Ok(recorded)
    }

    /// The subject refs recorded for a request (empty when it is not in the ledger).
    pub fn subject_refs(&self, id: &str) -> Result<Vec<SubjectRef>, LedgerError> {
        self.reader().subject_refs(id)
    }

    /// Every request: overdue ones first (most overdue first), then by deadline, then by id.
    pub fn list(&self, today: Date) -> Result<Vec<Summary>, LedgerError> {
        let ids: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare("SELECT id FROM requests")
                .map_err(|e| self.sql(e))?;
            let ids = stmt
                .query_map([], |r| r.get(0))
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(|e| self.sql(e))?;
            ids
        };
        let reader = self.reader();
        let mut out = Vec::new();
        for id in ids {
            if let Some(s) = reader.summary(&id, today)? {
                out.push(s);
            }
        }
        out.sort_by(|a, b| {
            b.overdue
                .cmp(&a.overdue)
                .then(a.deadline.cmp(&b.deadline))
                .then(a.id.cmp(&b.id))
        });
        Ok(out)
    }

    /// One request with its history, `None` when it is not in the ledger.
    pub fn show(&self, id: &str, today: Date) -> Result<Option<Details>, LedgerError> {
        let reader = self.reader();
        let Some(summary) = reader.summary(id, today)? else {
            return Ok(None);
        };
        let created_by: String = self
            .conn
            .query_row("SELECT created_by FROM requests WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .map_err(|e| self.sql(e))?;
        Ok(Some(Details {
            summary,
            created_by,
            extensions: reader.extensions(id)?,
            subject_refs: reader.subject_refs(id)?,
            history: reader.events(id)?,
        }))
    }

    /// The error for an id that is not in the ledger.
    pub fn unknown(&self, id: &str) -> LedgerError {
        unknown_request(&self.path, id)
    }

    fn reader(&self) -> Reader<'_> {
        Reader {
            conn: &self.conn,
            path: &self.path,
        }
    }
}

/// Reads requests from a connection, or from a transaction on it (closing checks and writes
/// in one).
struct Reader<'a> {
    conn: &'a Connection,
    path: &'a Path,
}

impl Reader<'_> {
    fn sql(&self, source: rusqlite::Error) -> LedgerError {
        sql_error(self.path, source)
    }

    /// The request's recorded type, `None` when it is not in the ledger.
    fn kind(&self, id: &str) -> Result<Option<RequestType>, LedgerError> {
        let kind: Option<String> = self
            .conn
            .prepare_cached("SELECT request_type FROM requests WHERE id = ?1")
            .and_then(|mut s| s.query_row([id], |r| r.get(0)))
            .optional()
            .map_err(|e| self.sql(e))?;
        Ok(kind.map(|k| RequestType::parse(&k).unwrap_or(RequestType::Unspecified)))
    }

    fn closure(&self, id: &str) -> Result<Option<Closure>, LedgerError> {
        Ok(self
            .rows_of(
                "SELECT closed_as, reason, at FROM closures WHERE request_id = ?1",
                id,
                |r| {
                    Ok(Closure {
                        closed_as: CloseAs::parse(&r.get::<_, String>(0)?).unwrap_or(CloseAs::Done),
                        reason: r.get(1)?,
                        at: r.get(2)?,
                    })
                },
            )?
            .pop())
    }

    fn subject_refs(&self, id: &str) -> Result<Vec<SubjectRef>, LedgerError> {
        self.rows_of(
            "SELECT subject_ref, key_fingerprint, first_seen FROM subject_refs WHERE request_id = ?1 ORDER BY first_seen, subject_ref",
            id,
            |r| {
                Ok(SubjectRef {
                    subject_ref: r.get(0)?,
                    key_fingerprint: r.get(1)?,
                    first_seen: r.get(2)?,
                })
            },
        )
    }

    fn extensions(&self, id: &str) -> Result<Vec<Extension>, LedgerError> {
        self.rows_of(
            "SELECT months, reason, recorded_at FROM extensions WHERE request_id = ?1 ORDER BY rowid",
            id,
            |r| {
                Ok(Extension {
                    months: r.get(0)?,
                    reason: r.get(1)?,
                    recorded_at: r.get(2)?,
                })
            },
        )
    }

    fn events(&self, id: &str) -> Result<Vec<Event>, LedgerError> {
        self.rows_of(
            "SELECT at, run_id, status, outcome, detail, receipt, export, purge_after, disk_reports FROM events WHERE request_id = ?1 ORDER BY seq",
            id,
            |r| {
                Ok(Event {
                    at: r.get(0)?,
                    run_id: r.get(1)?,
                    status: Status::parse(&r.get::<_, String>(2)?),
                    outcome: Outcome::parse(&r.get::<_, String>(3)?),
                    detail: r.get(4)?,
                    receipt: r.get(5)?,
                    export: r.get(6)?,
                    purge_after: r.get(7)?,
                    disk_reports: r
                        .get::<_, Option<String>>(8)?
                        .and_then(|j| serde_json::from_str(&j).ok())
                        .unwrap_or_default(),
                })
            },
        )
    }

    /// The rows `sql` selects for request `id` (its `?1`), each made by `row`.
    fn rows_of<T>(
        &self,
        sql: &str,
        id: &str,
        row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, LedgerError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.sql(e))?;
        stmt.query_map([id], row)
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql(e))
    }

    fn summary(&self, id: &str, today: Date) -> Result<Option<Summary>, LedgerError> {
        let row: Option<(String, String)> = self
            .conn
            .prepare_cached("SELECT received, request_type FROM requests WHERE id = ?1")
            .and_then(|mut s| s.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))))
            .optional()
            .map_err(|e| self.sql(e))?;
        let Some((received, kind)) = row else {
            return Ok(None);
        };
        let kind = RequestType::parse(&kind).unwrap_or(RequestType::Unspecified);
        let extended_months: u32 = self.extensions(id)?.iter().map(|e| e.months).sum();
        let events = self.events(id)?;
        let closed = self.closure(id)?;
        let subjects = self.subject_refs(id)?.len();
        let received_date = parse_date(&received).ok_or_else(|| LedgerError::NotALedger {
            path: self.path.to_path_buf(),
            why: format!("request {id} has a malformed received date"),
        })?;
        let deadline = add_months(received_date, 1 + extended_months);
        let answered_on = lifecycle::answered_at(kind, &events, closed.as_ref())
            .map(|at| dates::date_of_rfc3339(&at).map_or(at, format_date));
        let answered = answered_on.is_some();
        let state = lifecycle::state_of(&events, answered, closed.as_ref());
        let days_left = (deadline - today).whole_days();
        let (status, outcome) = events
            .last()
            .map(|e| (e.status, e.outcome))
            .unwrap_or((Status::Received, Outcome::Ok));
        let purge_after = events
            .iter()
            .filter_map(|e| e.purge_after.clone())
            .max_by_key(|p| dates::date_of_rfc3339(p));
        Ok(Some(Summary {
            id: id.to_string(),
            kind,
            state,
            received,
            deadline: format_date(deadline),
            extended_months,
            days_left,
            overdue: !answered && !state.is_closed() && days_left < 0,
            answered,
            answered_on,
            closed,
            status,
            outcome,
            next_recheck_due: next_recheck_due(&events, purge_after.as_deref()),
            physically_purged: physically_purged(&events),
            purge_after,
            subjects,
        }))
    }
}

/// The error for an id that is not in the ledger at `path`.
fn unknown_request(path: &Path, id: &str) -> LedgerError {
    LedgerError::Refused(format!(
        "request {id} is not in the request ledger {}: add it with `gdpr_forget_me requests add {id} --received YYYY-MM-DD --type TYPE` (or see `requests list`)",
        path.display()
    ))
}

/// Why nothing may be done for a closed request, and what to do instead.
fn closed_refusal(id: &str, c: &Closure) -> String {
    format!(
        "request {id} was closed as {} on {}: nothing is done for a closed request any more, and it cannot be reopened. If the person asked again, that is a new request: use a new request id (`gdpr_forget_me requests add NEW-ID --received YYYY-MM-DD --type TYPE`, then --case NEW-ID)",
        c.closed_as.as_str(),
        c.at.get(..10).unwrap_or(&c.at)
    )
}

/// Why a request may not be closed as done yet, if it may not.
fn refuse_done(s: &Summary) -> Result<(), LedgerError> {
    let id = &s.id;
    let other_ways = "if the person withdrew it, or it is refused, close it with --as withdrawn or --as rejected and the reason";
    match s.kind {
        RequestType::Unspecified => Err(LedgerError::Refused(format!(
            "request {id} has no type, so the ledger cannot tell whether it was answered: record what the person asked for first (`gdpr_forget_me requests add {id} --received {} --type TYPE`, TYPE one of {}), then close it; {other_ways}",
            s.received,
            RequestType::choices_text()
        ))),
        RequestType::Erasure if !s.answered => Err(LedgerError::Refused(format!(
            "request {id} is an erasure request and no verified erasure is recorded for it ({}): run the erasure (--case {id} --cleanup true) until its verification is ok, then close it; {other_ways}",
            if s.state == State::Received {
                "no run is recorded for it yet".to_string()
            } else {
                format!("its last step: {} {}", s.status.as_str(), s.outcome.as_str())
            }
        ))),
        RequestType::Erasure if s.next_recheck_due.is_some() => Err(LedgerError::Refused(format!(
            "request {id}'s erasure is to be re-checked on {} (after its purge date a replica that missed the delete can bring the data back), and a closed request is no longer re-checked: re-check it then (`gdpr_forget_me requests recheck-due`), and close it once the re-check is clean",
            s.next_recheck_due.as_deref().unwrap_or("?")
        ))),
        RequestType::Access if !s.answered => Err(LedgerError::Refused(format!(
            "request {id} is an access request and no access export from a complete scan is recorded for it: run the search with --case {id} --export FILE, then close it; {other_ways}"
        ))),
        _ => Ok(()),
    }
}

/// Whether the steps say the subject is physically purged: the last `purged` step is ok, and
/// no erasure (new data was erased, so new bytes went to disk) and no re-check that found data
/// back came after it.
fn physically_purged(events: &[Event]) -> bool {
    let Some(at) = events.iter().rposition(|e| e.status == Status::Purged) else {
        return false;
    };
    events[at].outcome == Outcome::Ok
        && !events[at + 1..].iter().any(|e| {
            e.status == Status::Erased
                || (e.status == Status::ReChecked && e.outcome != Outcome::Ok)
        })
}

/// When the next re-check of the erasure is due: the day after the latest purge date (a
/// replica that missed the delete can bring the data back once the tombstones are purged),
/// unless a clean re-check ran after it; the day of a re-check that found the data back (it
/// is due again at once). `None` when nothing was erased or the last re-check after the purge
/// date was clean.
fn next_recheck_due(events: &[Event], purge_after: Option<&str>) -> Option<String> {
    let last_recheck = events.iter().rev().find(|e| e.status == Status::ReChecked);
    if let Some(r) = last_recheck {
        if r.outcome != Outcome::Ok {
            return dates::date_of_rfc3339(&r.at).map(format_date);
        }
    }
    let purge = dates::date_of_rfc3339(purge_after?)?;
    let due = purge.next_day()?;
    match last_recheck.and_then(|r| dates::date_of_rfc3339(&r.at)) {
        Some(checked) if checked >= due => None,
        _ => Some(format_date(due)),
    }
}

/// `hmac-sha256:` and 64 lower-case hex digits.
pub fn is_subject_ref(text: &str) -> bool {
    text.strip_prefix("hmac-sha256:").is_some_and(|h| {
        h.len() == 64
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

fn version_of(conn: &Connection) -> Result<i64, rusqlite::Error> {
    let has_table: bool = conn
        .query_row(
            "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'",
            [],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if !has_table {
        return Ok(0);
    }
    conn.query_row(
        "SELECT coalesce(max(version), 0) FROM schema_version",
        [],
        |r| r.get(0),
    )
}

fn sql_error(path: &Path, source: rusqlite::Error) -> LedgerError {
    if let rusqlite::Error::SqliteFailure(e, _) = &source {
        if e.code == rusqlite::ErrorCode::NotADatabase {
            return LedgerError::NotALedger {
                path: path.to_path_buf(),
                why: "not an SQLite database".into(),
            };
        }
    }
    LedgerError::Sql {
        path: path.to_path_buf(),
        source,
    }
}

/// Creates an empty file readable and writable by its owner only: the ledger links requests
/// to subject refs, which whoever holds the audit key can match to people.
fn create_private(path: &Path) -> Result<(), LedgerError> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(LedgerError::Path(format!(
            "cannot create the request ledger {} ({e}): its folder must exist and be writable; give another path with --ledger FILE",
            path.display()
        ))),
    }
}

#[cfg(test)]
mod tests;
