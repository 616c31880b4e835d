//! The token-range scanner: reads every row of a table exactly once, in parallel, with paging,
//! each range pinned to one of its replicas and retried on the others.
//!
//! The shape follows DSBulk: ring -> ranges -> splits -> bounded concurrent paged reads at a
//! weak consistency. Rows are handed to a callback as borrowed byte slices straight out of the
//! response frame, so memory stays at roughly `concurrency x page size` whatever the table size,
//! and no row is copied unless the callback decides it matters.
//!
//! A split that cannot be read after all attempts is *reported*, never skipped silently: the
//! caller must not call a scan with failed splits complete.
//!
//! A [`RowRate`] caps the rows read per second (a token bucket shared by every split, and by
//! every table scanned with the same options), so a scan of a production cluster can leave
//! the nodes' capacity to the live workload; concurrency still says how many splits are read
//! at the same time.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use scylla::client::execution_profile::{ExecutionProfile, ExecutionProfileHandle};
use scylla::client::session::Session;
use scylla::cluster::Node;
use scylla::deserialize::row::ColumnIterator;
use scylla::errors::{DbError, ExecutionError, RequestAttemptError};
use scylla::policies::load_balancing::{NodeIdentifier, SingleTargetLoadBalancingPolicy};
use scylla::response::PagingState;
use scylla::statement::prepared::PreparedStatement;
use scylla::statement::Consistency;
use tokio::task::JoinSet;

use crate::names::quote;
use crate::ring::{self, TokenRange};
use crate::routing::{self, Copies, Routing};
use crate::{RowView, TableName};

/// How to scan.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Read consistency. `LOCAL_ONE` by default: a scan reads every replica set once and any
    /// replica holds the rows; use a stronger level when replicas may have missed writes.
    pub consistency: Consistency,
    /// Rows per page.
    pub page_size: i32,
    /// Splits read at the same time.
    pub concurrency: usize,
    /// Attempts per replica of a split (round-robin over the replicas) before the split is
    /// reported as failed.
    pub attempts: u32,
    /// Per-request time-out.
    pub request_timeout: Duration,
    /// Back-off after a failed attempt; doubles after each round over the replicas.
    pub backoff: Duration,
    /// The cap on rows read per second, shared by every scan given these options; `None`
    /// reads as fast as the node answers.
    pub max_rows_per_second: Option<Arc<RowRate>>,
    /// Which replicas read each split: local data center, remote fallback, one or every copy.
    pub routing: Routing,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            consistency: Consistency::LocalOne,
            page_size: 2000,
            concurrency: default_concurrency(),
            attempts: 3,
            request_timeout: Duration::from_secs(30),
            backoff: Duration::from_millis(200),
            max_rows_per_second: None,
            routing: Routing::default(),
        }
    }
}

impl ScanOptions {
    /// The page size actually requested: never more than the rate's burst, so a throttled
    /// scan asks the node for small pages at an even pace instead of large pages and long
    /// pauses.
    fn effective_page_size(&self) -> i32 {
        match &self.max_rows_per_second {
            Some(rate) => self
                .page_size
                .min(i32::try_from(rate.burst().get()).unwrap_or(i32::MAX))
                .max(1),
            None => self.page_size,
        }
    }
}

/// A token bucket of rows (one token per row read), shared by all the splits of a scan.
///
/// A split pays for each page after it has read it and before it asks for the next, so over
/// any interval of `t` seconds the scan reads at most `rate x t + burst` rows, plus the pages
/// in flight (at most `concurrency x burst` rows).
pub struct RowRate {
    limiter: governor::DefaultDirectRateLimiter,
    per_second: NonZeroU32,
    burst: NonZeroU32,
    paid: AtomicU64,
}

impl RowRate {
    /// A cap of `per_second` rows per second. The bucket holds a tenth of a second's worth
    /// (at least one row): small bursts, an even load on the node.
    pub fn new(per_second: NonZeroU32) -> RowRate {
        let burst = NonZeroU32::new((per_second.get() / 10).max(1)).expect("at least one");
        let quota = governor::Quota::per_second(per_second).allow_burst(burst);
        RowRate {
            limiter: governor::RateLimiter::direct(quota),
            per_second,
            burst,
            paid: AtomicU64::new(0),
        }
    }

    /// Rows per second allowed.
    pub fn per_second(&self) -> NonZeroU32 {
        self.per_second
    }

    /// Rows the bucket holds when full.
    pub fn burst(&self) -> NonZeroU32 {
        self.burst
    }

    /// Rows paid for so far (every row read under this cap is paid for).
    pub fn paid(&self) -> u64 {
        self.paid.load(Ordering::Relaxed)
    }

    /// Waits until `rows` tokens are taken from the bucket, in bucket-sized bites.
    pub async fn pay(&self, rows: u64) {
        let mut left = rows;
        while left > 0 {
            let bite = left.min(u64::from(self.burst.get()));
            let n = NonZeroU32::new(bite as u32).expect("bite > 0");
            // Cannot fail: a bite never exceeds the burst.
            let _ = self.limiter.until_n_ready(n).await;
            self.paid.fetch_add(bite, Ordering::Relaxed);
            left -= bite;
        }
    }
}

impl std::fmt::Debug for RowRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowRate")
            .field("per_second", &self.per_second)
            .field("burst", &self.burst)
            .field("paid", &self.paid())
            .finish()
    }
}

/// Two concurrent reads per core: enough to keep a node busy while rows are matched. More
/// in flight measured no faster (the node's CPU is the bound) and holds more pages in memory
/// (docs/benchmarks.md).
pub fn default_concurrency() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get() * 2)
        .unwrap_or(4)
}

/// One table to scan: which columns to select and the partition key to restrict by token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanTarget {
    /// Keyspace (checked name).
    pub keyspace: String,
    /// Table (checked name).
    pub table: String,
    /// Partition key columns, in order.
    pub partition_key: Vec<String>,
    /// Columns handed to the row callback, in this order.
    pub columns: Vec<String>,
}

impl ScanTarget {
    /// Builds a target from the session's schema metadata.
    pub fn from_schema(
        session: &Session,
        keyspace: &str,
        table: &str,
        columns: Vec<String>,
    ) -> Result<ScanTarget, ScanError> {
        let state = session.get_cluster_state();
        let meta = state
            .get_keyspace(keyspace)
            .and_then(|k| k.tables.get(table))
            .ok_or_else(|| ScanError::UnknownTable(format!("{keyspace}.{table}")))?;
        Ok(ScanTarget {
            keyspace: keyspace.to_string(),
            table: table.to_string(),
            partition_key: meta.partition_key.clone(),
            columns,
        })
    }

    /// The table's full name.
    pub fn name(&self) -> TableName {
        TableName::new(&self.keyspace, &self.table)
    }

    fn select_cql(&self) -> String {
        let cols: Vec<String> = self.columns.iter().map(|c| quote(c)).collect();
        let pk: Vec<String> = self.partition_key.iter().map(|c| quote(c)).collect();
        let pk = pk.join(", ");
        format!(
            "SELECT {} FROM {}.{} WHERE token({pk}) > ? AND token({pk}) <= ?",
            cols.join(", "),
            quote(&self.keyspace),
            quote(&self.table),
        )
    }
}

/// Live counters for a progress display. Shared between the scanner and whoever draws it.
#[derive(Debug, Default)]
pub struct ScanProgress {
    /// Rows handed to callbacks so far.
    pub rows: AtomicU64,
    /// Splits finished (read or failed).
    pub splits_done: AtomicU64,
    /// Splits planned.
    pub splits_total: AtomicU64,
    /// Splits that failed after all attempts.
    pub splits_failed: AtomicU64,
    /// The rows-per-second cap of the scan, 0 when uncapped.
    pub max_rows_per_second: AtomicU64,
}

/// A split that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedSplit {
    /// The token range left unread.
    pub range: TokenRange,
    /// Attempts made.
    pub attempts: u32,
    /// The last error (driver text: names nodes and time-outs, never row data).
    pub error: String,
    /// Every-copy scan: the replicas the driver could not reach when the read at ALL failed,
    /// or every replica the read needed when it reached them all, as `address (dc), ...`.
    /// `None` for the fast scan.
    pub replica: Option<String>,
}

/// What a table scan did.
#[derive(Clone, Debug, Default)]
pub struct TableScan {
    /// The table read.
    pub table: TableName,
    /// Splits planned.
    pub splits: usize,
    /// Rows read.
    pub rows: u64,
    /// Splits left unread. Non-empty means the scan is incomplete.
    pub failed: Vec<FailedSplit>,
    /// One copy of each split or every copy.
    pub copies: Copies,
}

impl TableScan {
    /// True when every split was read.
    pub fn complete(&self) -> bool {
        self.failed.is_empty()
    }
}

/// Errors that stop a table scan before it starts.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// No such table in the schema.
    #[error("table {0} does not exist")]
    UnknownTable(String),
    /// The SELECT could not be prepared.
    #[error("cannot prepare the scan of {table}: {reason}")]
    Prepare {
        /// The table.
        table: TableName,
        /// Driver message.
        reason: String,
    },
}

/// A row callback. It runs on the scanner's tasks, so it must be cheap and thread-safe.
pub type RowHandler = Arc<dyn Fn(&RowView<'_>) + Send + Sync>;

/// Scans `target` completely, calling `on_row` for every row.
///
/// A panic in `on_row` ends only the task reading that split: the split is reported unread
/// (its own token range, see [`TableScan::failed`]) and the other splits go on.
pub async fn scan_table(
    session: Arc<Session>,
    target: &ScanTarget,
    opts: &ScanOptions,
    progress: Arc<ScanProgress>,
    on_row: RowHandler,
) -> Result<TableScan, ScanError> {
    let mut statement =
        session
            .prepare(target.select_cql())
            .await
            .map_err(|e| ScanError::Prepare {
                table: target.name(),
                reason: e.to_string(),
            })?;
    statement.set_page_size(opts.effective_page_size());
    if let Some(rate) = &opts.max_rows_per_second {
        progress
            .max_rows_per_second
            .store(u64::from(rate.per_second().get()), Ordering::Relaxed);
    }
    // The every-copy scan reads at ALL, so every replica of each range answers (routing.rs).
    // Set on the statement itself: a statement's consistency overrides its profile's.
    let read_consistency = match opts.routing.copies {
        Copies::One => opts.consistency,
        Copies::Every => Consistency::All,
    };
    statement.set_consistency(read_consistency);
    statement.set_request_timeout(Some(opts.request_timeout));

    let state = session.get_cluster_state();
    let splits = {
        let tokens: Vec<i64> = state
            .replica_locator()
            .ring()
            .iter()
            .map(|(t, _)| t.value())
            .collect();
        let ranges = ring::ranges_between(&tokens).len().max(1);
        let wanted = (opts.concurrency * 8).max(ranges);
        ring::splits(&tokens, wanted.div_ceil(ranges))
    };
    progress
        .splits_total
        .fetch_add(splits.len() as u64, Ordering::Relaxed);

    // One execution profile per node, pinning requests to it. Built lazily and shared.
    let mut profiles: HashMap<uuid::Uuid, ExecutionProfileHandle> = HashMap::new();
    let reads = routing::plan(
        &state,
        &target.keyspace,
        &target.table,
        &splits,
        &opts.routing,
    );
    let mut plans = Vec::with_capacity(reads.len());
    for read in reads {
        let handles: Vec<Option<ExecutionProfileHandle>> = if read.replicas.is_empty() {
            vec![None]
        } else {
            read.replicas
                .iter()
                .map(|node| {
                    Some(
                        profiles
                            .entry(node.host_id)
                            .or_insert_with(|| pinned_profile(node, read_consistency, opts))
                            .clone(),
                    )
                })
                .collect()
        };
        plans.push((read, handles));
    }
    progress.splits_total.fetch_add(
        plans.len().saturating_sub(splits.len()) as u64,
        Ordering::Relaxed,
    );

    let statement = Arc::new(statement);
    let mut tasks = JoinSet::new();
    let mut outcome = TableScan {
        table: target.name(),
        splits: splits.len(),
        copies: opts.routing.copies,
        ..TableScan::default()
    };
    let mut pending = plans.into_iter();
    // Which split each running task reads, so a task that panics is reported as its own
    // range left unread, not as the whole ring (nor as read).
    let mut running: HashMap<tokio::task::Id, (TokenRange, Option<String>)> = HashMap::new();
    loop {
        while tasks.len() < opts.concurrency.max(1) {
            let Some((read, handles)) = pending.next() else {
                break;
            };
            let session = session.clone();
            let statement = statement.clone();
            let on_row = on_row.clone();
            let progress = progress.clone();
            let opts = opts.clone();
            let range = read.range;
            let copy_of = read.copy_of.clone();
            let handle = tasks.spawn(async move {
                if let Some(reason) = read.refused {
                    return Err(FailedSplit {
                        range: read.range,
                        attempts: 0,
                        error: reason,
                        replica: None,
                    });
                }
                read_split(
                    &session, &statement, read.range, &handles, &opts, &progress, &*on_row,
                )
                .await
                .map_err(|mut f| {
                    // An every-copy read failed: name the replicas the driver cannot reach,
                    // or, when it reaches them all, every replica the read needed.
                    if read.copy_of.is_some() {
                        let unreachable: Vec<String> = read
                            .replicas
                            .iter()
                            .filter(|n| !n.is_connected())
                            .map(|n| routing::node_label(n))
                            .collect();
                        f.replica = if unreachable.is_empty() {
                            read.copy_of
                        } else {
                            Some(unreachable.join(", "))
                        };
                    }
                    f
                })
            });
            running.insert(handle.id(), (range, copy_of));
        }
        let Some(joined) = tasks.join_next_with_id().await else {
            break;
        };
        let result = match joined {
            Ok((id, result)) => {
                running.remove(&id);
                result
            }
            // A panic (in a row callback, most likely) must not turn into "range read". The
            // rows the task handed over before it are kept; the range is reported unread, so
            // the scan is not complete and a re-run reads it again.
            Err(e) => {
                let (range, replica) = running.remove(&e.id()).unwrap_or((TokenRange::FULL, None));
                Err(FailedSplit {
                    range,
                    attempts: 1,
                    error: task_failure(&e),
                    replica,
                })
            }
        };
        progress.splits_done.fetch_add(1, Ordering::Relaxed);
        match result {
            Ok(rows) => outcome.rows += rows,
            Err(failed) => {
                progress.splits_failed.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(range = %failed.range, error = %failed.error, "split left unread");
                outcome.failed.push(failed);
            }
        }
    }
    outcome
        .failed
        .sort_by(|a, b| (a.range, &a.replica).cmp(&(b.range, &b.replica)));
    Ok(outcome)
}

/// Why a split's task ended without a result. A panic's message is left out: it may quote
/// what the callback was looking at (a string slice's panic quotes the string), and the
/// report and the audit log hold no values.
fn task_failure(e: &tokio::task::JoinError) -> String {
    if e.is_cancelled() {
        "the task reading this split was cancelled".into()
    } else {
        "the task reading this split panicked; rows after the panic were not read".into()
    }
}

fn pinned_profile(
    node: &Arc<Node>,
    consistency: Consistency,
    opts: &ScanOptions,
) -> ExecutionProfileHandle {
    ExecutionProfile::builder()
        .load_balancing_policy(SingleTargetLoadBalancingPolicy::new(
            NodeIdentifier::Node(node.clone()),
            None,
        ))
        .consistency(consistency)
        .request_timeout(Some(opts.request_timeout))
        .build()
        .into_handle()
}

/// Whether a read failed because its coordinator saw too few replicas alive for the
/// consistency asked (CQL's Unavailable): unlike a time-out, asking again soon gets the same
/// answer while the node stays down.
fn too_few_replicas_alive(e: &ExecutionError) -> bool {
    matches!(
        e,
        ExecutionError::LastAttemptError(RequestAttemptError::DbError(
            DbError::Unavailable { .. },
            _
        ))
    )
}

/// Reads one split page by page, moving to the next replica on failure and resuming from the
/// last page read, so no row is handed over twice.
async fn read_split(
    session: &Session,
    statement: &PreparedStatement,
    range: TokenRange,
    replicas: &[Option<ExecutionProfileHandle>],
    opts: &ScanOptions,
    progress: &ScanProgress,
    on_row: &(dyn Fn(&RowView<'_>) + Send + Sync),
) -> Result<u64, FailedSplit> {
    let mut rows = 0u64;
    let mut paging = PagingState::start();
    let mut attempt = 0u32;
    // Each replica of the split gets `opts.attempts` turns, round-robin, before the split is
    // given up: a replica that is merely slow under load gets another chance after its dead
    // neighbour has had its turn.
    let mut max_attempts = opts.attempts.max(1) * (replicas.len().max(1) as u32);
    // The last error of each replica tried, so a give-up shows why every replica failed.
    let mut errors: Vec<String> = vec![String::new(); replicas.len().max(1)];
    loop {
        let mut stmt = statement.clone();
        stmt.set_execution_profile_handle(replicas[attempt as usize % replicas.len()].clone());
        let page = session
            .execute_single_page(&stmt, (range.start, range.end), paging.clone())
            .await;
        let (result, next) = match page {
            Ok(page) => page,
            Err(e) => {
                let slot = attempt as usize % errors.len();
                let unavailable = too_few_replicas_alive(&e);
                errors[slot] = e.to_string();
                attempt += 1;
                if unavailable {
                    // The coordinator knows too few replicas are alive for the consistency:
                    // the rest of this round's replicas get their turn, without a back-off,
                    // and then the split is given up. Later rounds only waited (a node down
                    // made an every-copy scan wait about 3 s per split, minutes on a ring).
                    let n = errors.len() as u32;
                    max_attempts = max_attempts.min(attempt.div_ceil(n) * n);
                }
                if attempt >= max_attempts {
                    let mut distinct: Vec<&String> = Vec::new();
                    for e in &errors {
                        if !e.is_empty() && !distinct.contains(&e) {
                            distinct.push(e);
                        }
                    }
                    return Err(FailedSplit {
                        range,
                        attempts: attempt,
                        error: distinct
                            .iter()
                            .map(|e| e.as_str())
                            .collect::<Vec<_>>()
                            .join("; "),
                        replica: None,
                    });
                }
                if !unavailable {
                    // Back off once per round over the replicas, doubling each round (capped).
                    let round = (attempt - 1) / (errors.len() as u32);
                    tokio::time::sleep(opts.backoff * 2u32.pow(round.min(5))).await;
                }
                continue;
            }
        };
        let rows_result = match result.into_rows_result() {
            Ok(r) => r,
            Err(e) => {
                return Err(FailedSplit {
                    range,
                    attempts: attempt + 1,
                    error: format!("unexpected response: {e}"),
                    replica: None,
                })
            }
        };
        let iter = rows_result
            .rows::<ColumnIterator>()
            .map_err(|e| FailedSplit {
                range,
                attempts: attempt + 1,
                error: format!("unexpected row shape: {e}"),
                replica: None,
            })?;
        let mut page_rows = 0u64;
        let mut columns: Vec<Option<&[u8]>> = Vec::new();
        for row in iter {
            let row = row.map_err(|e| FailedSplit {
                range,
                attempts: attempt + 1,
                error: format!("undecodable row: {e}"),
                replica: None,
            })?;
            columns.clear();
            for col in row {
                let col = col.map_err(|e| FailedSplit {
                    range,
                    attempts: attempt + 1,
                    error: format!("undecodable column: {e}"),
                    replica: None,
                })?;
                columns.push(col.slice.map(|s| s.as_slice()));
            }
            on_row(&RowView::new(&columns));
            page_rows += 1;
        }
        rows += page_rows;
        if let Some(rate) = &opts.max_rows_per_second {
            rate.pay(page_rows).await;
        }
        // Counted once paid for: under a cap, the progress shows the rate the cap allows, not
        // the pages each split has read ahead of paying (they showed 7-15% above the cap).
        progress.rows.fetch_add(page_rows, Ordering::Relaxed);
        match next.into_paging_control_flow() {
            ControlFlow::Break(()) => return Ok(rows),
            ControlFlow::Continue(state) => paging = state,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn throttled_pages_are_no_larger_than_the_burst() {
        let mut opts = ScanOptions {
            page_size: 2000,
            ..ScanOptions::default()
        };
        assert_eq!(opts.effective_page_size(), 2000);
        opts.max_rows_per_second = Some(Arc::new(RowRate::new(NonZeroU32::new(500).unwrap())));
        assert_eq!(opts.effective_page_size(), 50);
        opts.max_rows_per_second = Some(Arc::new(RowRate::new(NonZeroU32::new(3).unwrap())));
        assert_eq!(opts.effective_page_size(), 1);
    }

    /// Four tasks share one bucket of 2,000 rows/s and pay for 1,200 rows in pages larger than
    /// the burst: every row is paid for, and it takes at least the time the cap implies.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_bucket_is_shared_and_caps_the_rate() {
        let rate = Arc::new(RowRate::new(NonZeroU32::new(2000).unwrap()));
        assert_eq!(rate.burst().get(), 200);
        let started = Instant::now();
        let mut tasks = JoinSet::new();
        for _ in 0..4 {
            let rate = rate.clone();
            tasks.spawn(async move {
                for _ in 0..3 {
                    rate.pay(100).await;
                }
            });
        }
        while tasks.join_next().await.is_some() {}
        let elapsed = started.elapsed();
        assert_eq!(rate.paid(), 1200);
        // 1,200 rows minus the full bucket at the start, at 2,000 rows/s: 0.5 s at the least.
        assert!(
            elapsed >= Duration::from_millis(490),
            "1,200 rows at 2,000/s took only {elapsed:?}"
        );
        // One task paying for one page larger than the bucket is cut into bites, not refused.
        let single = RowRate::new(NonZeroU32::new(1000).unwrap());
        let started = Instant::now();
        single.pay(350).await;
        assert_eq!(single.paid(), 350);
        assert!(started.elapsed() >= Duration::from_millis(240));
    }
}
