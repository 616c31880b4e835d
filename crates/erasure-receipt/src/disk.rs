//! Following the erasure to disk.
//!
//! A delete in Cassandra writes a tombstone; the old value stays in SSTables until compaction
//! runs after `gc_grace_seconds` (10 days by default), and in every snapshot and backup taken
//! before, until someone removes them. The receipt states both, so nobody mistakes "deleted"
//! for "gone from every disk".

use forgetme_scanner::names::quote;
use forgetme_scanner::Session;
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};

/// What remains on disk.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct DiskReport {
    /// Per table touched.
    pub tables: Vec<TableRetention>,
    /// Snapshots Cassandra reports.
    pub snapshots: Snapshots,
    /// The standing caveat about backups.
    pub backups_note: String,
}

/// Retention of one table.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TableRetention {
    /// `keyspace.table`.
    pub table: String,
    /// The table's `gc_grace_seconds`.
    pub gc_grace_seconds: i64,
    /// Erasure time + gc_grace_seconds (RFC 3339): after this, compaction may purge.
    pub purgeable_after: String,
}

/// Snapshots, when readable.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Snapshots {
    /// Whether `system_views.snapshots` could be read.
    pub readable: bool,
    /// Why not, or what the list covers.
    pub note: String,
    /// Snapshots of the touched tables.
    pub list: Vec<Snapshot>,
}

/// One snapshot.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Snapshot {
    /// Snapshot name.
    pub name: String,
    /// Keyspace.
    pub keyspace: String,
    /// Table.
    pub table: String,
}

/// The caveat every receipt carries.
pub const BACKUPS_NOTE: &str = "Backups and snapshots taken before the erasure still hold the erased data until they are deleted; restoring one brings it back (run the receipt re-check after any restore).";

/// Reads `gc_grace_seconds` of each table and the snapshots of those tables.
/// `tables` are `(keyspace, table)`; `erased_at` is a Unix time in seconds.
pub async fn disk_report(
    session: &Session,
    tables: &[(String, String)],
    erased_at: i64,
) -> DiskReport {
    let mut out = Vec::new();
    for (ks, table) in tables {
        let gc = gc_grace_seconds(session, ks, table).await.unwrap_or(-1);
        let purgeable_after = if gc >= 0 {
            time::OffsetDateTime::from_unix_timestamp(erased_at + gc)
                .ok()
                .and_then(|t| {
                    t.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .unwrap_or_default()
        } else {
            "unknown (gc_grace_seconds unreadable)".to_string()
        };
        out.push(TableRetention {
            table: format!("{ks}.{table}"),
            gc_grace_seconds: gc,
            purgeable_after,
        });
    }
    DiskReport {
        tables: out,
        snapshots: snapshots(session, tables).await,
        backups_note: BACKUPS_NOTE.to_string(),
    }
}

async fn gc_grace_seconds(session: &Session, ks: &str, table: &str) -> Option<i64> {
    let rows = session
        .query_unpaged(
            "SELECT gc_grace_seconds FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?",
            (ks, table),
        )
        .await
        .ok()?
        .into_rows_result()
        .ok()?;
    let (gc,): (i32,) = rows.first_row().ok()?;
    Some(i64::from(gc))
}

async fn snapshots(session: &Session, tables: &[(String, String)]) -> Snapshots {
    let cql = "SELECT name, keyspace_name, table_name FROM system_views.snapshots";
    let stream = match session.query_iter(cql, ()).await {
        Ok(pager) => pager.rows_stream::<(String, String, String)>(),
        Err(e) => {
            return Snapshots {
                readable: false,
                note: format!(
                    "{} could not be read: {}",
                    quote("system_views.snapshots"),
                    first_line(&e.to_string())
                ),
                list: vec![],
            }
        }
    };
    let mut list = Vec::new();
    match stream {
        Ok(mut rows) => loop {
            match rows.try_next().await {
                Ok(Some((name, keyspace, table))) => {
                    if tables.iter().any(|(k, t)| *k == keyspace && *t == table) {
                        list.push(Snapshot {
                            name,
                            keyspace,
                            table,
                        });
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    return Snapshots {
                        readable: false,
                        note: format!(
                            "reading system_views.snapshots failed: {}",
                            first_line(&e.to_string())
                        ),
                        list: vec![],
                    }
                }
            }
        },
        Err(e) => {
            return Snapshots {
                readable: false,
                note: format!(
                    "unexpected system_views.snapshots shape: {}",
                    first_line(&e.to_string())
                ),
                list: vec![],
            }
        }
    }
    Snapshots {
        readable: true,
        note: "as reported by system_views.snapshots on the node queried; other nodes and off-node backups are not covered".into(),
        list,
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect()
}
