//! What a search found: each place an identifier sits, who owns it, and what the search
//! read. The types every later step (report, erasure plan, receipt, export) is built from.

use std::collections::BTreeMap;
use std::time::Duration;

use forgetme_scanner::read::RowKey;
use forgetme_scanner::routing::Copies;
use forgetme_scanner::scan::FailedSplit;
use forgetme_scanner::{ConsistencyLevel, TableName};

/// Who owns a setting.
///
/// Defined with the export's schema (where it is written as `user`, `contact_center` or
/// `unknown`), and the same type everywhere the search's results go.
pub use forgetme_access_export::OwnerType;

/// One place where an identifier was found.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Found {
    /// The table it was found in.
    pub table: TableName,
    /// Owner kind.
    pub owner_type: OwnerType,
    /// User id (for user settings), as stored.
    pub user_id: Option<String>,
    /// Settings group (layout hits).
    pub group: Option<String>,
    /// Setting key (layout hits) or the row's primary key (deep hits).
    pub setting_key: String,
    /// Column searched (deep hits).
    pub column: Option<String>,
    /// JSON path, or `None` when the value was searched as text.
    pub json_path: Option<String>,
    /// Index of the identifier.
    pub identifier: usize,
    /// Spelling that matched.
    pub variant: &'static str,
    /// A possible match: it depends on guessing the number's country (a national number,
    /// the subject's only under another reading than `--default-region`'s), so it is not
    /// erased unless asked for.
    pub possible: bool,
    /// Whether the tool may erase it.
    pub deletable: bool,
    /// The row's primary key as stored, to read the row back for verification.
    pub row_key: RowKey,
}

/// What a search did and found.
#[derive(Debug, Default)]
pub struct SearchOutcome {
    /// Tables scanned.
    pub tables: Vec<TableName>,
    /// Splits planned, all tables.
    pub ranges: usize,
    /// Rows read.
    pub rows: u64,
    /// Splits left unread, with their table.
    pub failed: Vec<UnreadSplit>,
    /// Hits, sorted: every hit of the first [`SearchPlan::max_listed`] matching
    /// settings/rows. Beyond that the search only counts (see [`SearchOutcome::totals`]), so
    /// a search far broader than one person's data does not grow the tool's memory.
    pub found: Vec<Found>,
    /// Counts over every match, listed or not.
    pub totals: MatchTotals,
    /// Listed settings/rows holding more hits than [`crate::search::MAX_HITS_PER_SETTING`]:
    /// how many of their hits are counted but not in [`SearchOutcome::found`]. The erasure
    /// never needs them: it re-reads and re-matches each setting whole before changing it.
    pub more_hits: BTreeMap<ValueKey, u64>,
    /// Values searched with a caveat (not JSON, too deep, invalid UTF-8...), by kind.
    pub warnings: BTreeMap<String, u64>,
    /// Wall time.
    pub elapsed: Duration,
    /// The whole stored values that held a hit, when [`SearchPlan::capture_values`] was set
    /// (for an access export).
    pub values: BTreeMap<ValueKey, String>,
    /// Which copies of the data the scan read: what its statements may claim.
    pub coverage: Coverage,
}

/// Which copies a scan read, so that its statements say no more than that.
#[derive(Clone, Debug, Default)]
pub struct Coverage {
    /// One replica per token range, or every replica.
    pub copies: Copies,
    /// The fast scan's consistency.
    pub consistency: ConsistencyLevel,
    /// The data center the fast scan read from (`--local-dc`).
    pub local_dc: Option<String>,
    /// Whether the fast scan could fall back to other data centers.
    pub allow_remote_dc: bool,
    /// The data centers of the cluster.
    pub data_centers: Vec<String>,
    /// Tables of the keyspace with text-like columns that the search did not read (a search
    /// through a layout reads its tables; `--deep` reads them all).
    pub not_searched: Vec<String>,
}

impl Coverage {
    /// What the scan left out, in one sentence; `None` when it read every table with text.
    pub fn not_searched_sentence(&self) -> Option<String> {
        (!self.not_searched.is_empty()).then(|| {
            format!(
                "Not searched: {} table(s) of the keyspace with text columns ({}); the search read only the layout's settings tables, and --deep reads every table.",
                self.not_searched.len(),
                self.not_searched.join(", ")
            )
        })
    }

    /// What the scan read, in one sentence: every copy, or one copy of each range and where.
    pub fn sentence(&self) -> String {
        let c = self;
        let dcs = if c.data_centers.is_empty() {
            String::new()
        } else {
            format!(" (data centers {})", c.data_centers.join(", "))
        };
        match c.copies {
            Copies::Every => format!(
                "Copies read: every replica of every token range{dcs}, merged at ALL (a replica that missed a write shows it; one that missed a deletion is repaired by the read)."
            ),
            Copies::One => {
                let place = match (&c.local_dc, c.allow_remote_dc) {
                    (Some(dc), false) => format!(", in data center {dc}"),
                    (Some(dc), true) => {
                        format!(", in data center {dc} (another data center where none of {dc} could)")
                    }
                    (None, _) => dcs,
                };
                format!(
                    "Copies read: ONE replica of each token range at {}{place}. A replica that missed writes can hold more than this shows; --scan-copies every reads every copy.",
                    c.consistency
                )
            }
        }
    }
}

/// Counts over every match of a search, including those past the listing limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MatchTotals {
    /// Hits (identifier found at one place).
    pub hits: u64,
    /// Settings (or, for deep hits, row columns) holding at least one hit.
    pub settings: u64,
    /// Those of them listed in [`SearchOutcome::found`].
    pub listed_settings: u64,
    /// Distinct agents owning a matching user setting.
    pub agents: u64,
}

impl SearchOutcome {
    /// True when every split of every table was read.
    pub fn complete(&self) -> bool {
        self.failed.is_empty()
    }

    /// True when more settings matched than are listed: the listing (and so any erasure
    /// plan or access export built from it) is not the whole answer.
    pub fn truncated(&self) -> bool {
        self.totals.settings > self.totals.listed_settings
    }
}

/// A split of a table the search could not read: the search is incomplete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnreadSplit {
    /// The table.
    pub table: TableName,
    /// The token range, the attempts made and the last error.
    pub split: FailedSplit,
}

/// Identifies a stored value that held a hit.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ValueKey {
    /// The table.
    pub table: TableName,
    /// The row's primary key as stored.
    pub row_key: RowKey,
    /// The column searched (deep hits only; a layout hit is in the layout's value column).
    pub column: Option<String>,
}

impl Found {
    /// The stored value this hit is in.
    pub fn value_key(&self) -> ValueKey {
        ValueKey {
            table: self.table.clone(),
            row_key: self.row_key.clone(),
            column: self.column.clone(),
        }
    }
}
