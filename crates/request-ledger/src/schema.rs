//! The ledger's schema and its migrations.
//!
//! Each migration brings the file from one version to the next and is recorded in
//! `schema_version` (one row per version applied), in the same transaction as its changes, so
//! a crash leaves the file at one version or the next, never between. A file whose version is
//! newer than this build knows was written by a newer gdpr_forget_me: it is refused, never
//! "migrated" down or written to, since this build cannot know what the newer columns mean.

/// SQLite `application_id` of a request ledger ("GFML"), so that another SQLite database
/// given by mistake is recognized and left alone.
pub const APPLICATION_ID: i32 = 0x4746_4d4c;

/// Migrations in order: `MIGRATIONS[n]` brings version `n` to `n + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: requests, their extensions, subject refs and status history.
    "CREATE TABLE requests (
        id          TEXT PRIMARY KEY NOT NULL,
        received    TEXT NOT NULL,            -- YYYY-MM-DD
        created_at  TEXT NOT NULL,            -- RFC 3339
        created_by  TEXT NOT NULL CHECK (created_by IN ('add', 'run'))
    ) STRICT;
    CREATE TABLE extensions (
        request_id  TEXT NOT NULL REFERENCES requests(id),
        months      INTEGER NOT NULL CHECK (months BETWEEN 1 AND 2),
        reason      TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    ) STRICT;
    CREATE TABLE subject_refs (
        request_id      TEXT NOT NULL REFERENCES requests(id),
        subject_ref     TEXT NOT NULL CHECK (subject_ref GLOB 'hmac-sha256:*'),
        key_fingerprint TEXT NOT NULL,
        first_seen      TEXT NOT NULL,
        PRIMARY KEY (request_id, subject_ref)
    ) STRICT;
    CREATE TABLE events (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        request_id   TEXT NOT NULL REFERENCES requests(id),
        at           TEXT NOT NULL,
        status       TEXT NOT NULL,
        outcome      TEXT NOT NULL CHECK (outcome IN ('ok', 'partial', 'failed')),
        run_id       TEXT,
        detail       TEXT NOT NULL,
        receipt      TEXT,
        export       TEXT,
        purge_after  TEXT
    ) STRICT;
    CREATE INDEX events_by_request ON events (request_id, seq);",
    // 2: the `purged` step (signed disk reports showed every node clean) and the reports it
    // was recorded from. A version 1 build does not know the status and would show such a
    // step as "received"; the new version makes it refuse the file instead.
    "ALTER TABLE events ADD COLUMN disk_reports TEXT;  -- JSON array of report files",
    // 3: the request's type and its closing. Requests recorded before have no known type
    // (`unspecified`, answered as version 2 answered them); their state is derived from their
    // steps. A version 2 build would not see a closing and would show a withdrawn request as
    // overdue, so the version moves and an older build refuses the file.
    "ALTER TABLE requests ADD COLUMN request_type TEXT NOT NULL DEFAULT 'unspecified'
        CHECK (request_type IN ('access', 'erasure', 'rectification', 'restriction', 'objection', 'unspecified'));
    CREATE TABLE closures (
        request_id  TEXT PRIMARY KEY NOT NULL REFERENCES requests(id),  -- closed once
        closed_as   TEXT NOT NULL CHECK (closed_as IN ('done', 'withdrawn', 'rejected')),
        reason      TEXT NOT NULL,
        at          TEXT NOT NULL             -- RFC 3339
    ) STRICT;",
];

/// The version this build writes and reads.
pub const LATEST: i64 = MIGRATIONS.len() as i64;
