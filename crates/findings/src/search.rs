//! The search: scan the settings tables (and, with `--deep`, every text-like column of the
//! keyspace) and collect every place an identifier was found.
//!
//! The scanner hands over rows as borrowed bytes; this module decides which bytes to match
//! (the value column, after the cheap group filter) and turns hits into [`Found`] records.
//! Only hits allocate.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use forgetme_matcher::{Matcher, ValueWarning};
use forgetme_scanner::collection::{entry_key_element, map_entries};
use forgetme_scanner::layout::{BoundLayout, TableLayout};
use forgetme_scanner::read::{RawValue, RowKey};
use forgetme_scanner::routing::{datacenters, Copies};
use forgetme_scanner::scan::{scan_table, RowHandler, ScanOptions, ScanProgress, ScanTarget};
use forgetme_scanner::schema::{deep_tables, primary_key, DeepTable};
use forgetme_scanner::{ConsistencyLevel, TableName};
use forgetme_scanner::{RowView, Session};

use crate::found::{Coverage, Found, MatchTotals, OwnerType, SearchOutcome, UnreadSplit, ValueKey};

/// What to search and how.
pub struct SearchPlan<'a> {
    /// Keyspace.
    pub keyspace: &'a str,
    /// Settings tables.
    pub layout_tables: &'a [TableLayout],
    /// Only this group.
    pub group: Option<&'a str>,
    /// Also every other text-like column.
    pub deep: bool,
    /// Read rows without matching (a floor for benchmarks).
    pub scan_only: bool,
    /// Scanner settings.
    pub scan: ScanOptions,
    /// The fast scan's consistency, for the statement (the same level as
    /// [`ScanOptions::consistency`], which is the driver's value).
    pub consistency: ConsistencyLevel,
    /// Keep the whole value of every row that held a hit (for an access export).
    pub capture_values: bool,
    /// List the hits of at most this many settings/rows; count the rest.
    pub max_listed: usize,
}

/// How many matching settings a search lists by default. One person's data spans a few
/// favorites and recents; ten thousand settings is far past any one data subject, and still a
/// few megabytes of memory.
pub const DEFAULT_MAX_LISTED: usize = 10_000;

/// How many hits of one setting (or deep row column) are kept; the rest are counted
/// ([`SearchOutcome::more_hits`]). One person's entry holds an identifier a few times; a value
/// holding it 55,000 times (an agent's paste, a hostile setting) took gigabytes of memory and
/// hundreds of megabytes of report when every hit was kept. The erasure does not depend on
/// the kept hits being all of them: it re-reads and re-matches each setting whole.
pub const MAX_HITS_PER_SETTING: usize = 100;

/// The hits of one setting to keep, in their order, and how many were left out: the first hit
/// of each distinct `kind` (identifier, and whether a possible match) always, so that every
/// identifier found in the setting, and whether an exact match is among them, is still known
/// (the erasure plan and a batch's split depend on it); then the others in order up to `cap`.
pub fn keep_hits<H, K: Eq + std::hash::Hash>(
    hits: Vec<H>,
    kind: impl Fn(&H) -> K,
    cap: usize,
) -> (Vec<H>, u64) {
    let total = hits.len();
    if total <= cap {
        return (hits, 0);
    }
    let mut seen = HashSet::new();
    let mut keep: Vec<bool> = hits.iter().map(|h| seen.insert(kind(h))).collect();
    let mut kept = keep.iter().filter(|k| **k).count();
    for k in keep.iter_mut() {
        if kept >= cap {
            break;
        }
        if !*k {
            *k = true;
            kept += 1;
        }
    }
    let hits: Vec<H> = hits
        .into_iter()
        .zip(keep)
        .filter_map(|(h, k)| k.then_some(h))
        .collect();
    let more = (total - hits.len()) as u64;
    (hits, more)
}

struct Collected {
    found: Vec<Found>,
    more_hits: BTreeMap<ValueKey, u64>,
    warnings: BTreeMap<String, u64>,
    values: BTreeMap<ValueKey, String>,
    totals: MatchTotals,
    max_listed: u64,
    /// Hashes of the agents seen: 8 bytes per agent, whatever their ids, to count them.
    agents: HashSet<u64>,
    hasher: RandomState,
    /// When every replica of a range is read, each row comes once per copy: the matching
    /// rows already counted (by a hash of table, key and column), and whether each is listed.
    /// `None` when each row comes once.
    seen: Option<HashMap<u64, bool>>,
}

impl Collected {
    fn new(max_listed: usize, every_copy: bool) -> Self {
        Collected {
            found: Vec::new(),
            more_hits: BTreeMap::new(),
            warnings: BTreeMap::new(),
            values: BTreeMap::new(),
            totals: MatchTotals::default(),
            max_listed: max_listed as u64,
            agents: HashSet::new(),
            hasher: RandomState::new(),
            seen: every_copy.then(HashMap::new),
        }
    }

    /// A row's identity for [`Collected::seen`]: its table, key column values and the
    /// searched column.
    fn row_identity(
        &self,
        table: &TableName,
        row: &RowView<'_>,
        key_index: &[(String, usize)],
        column: Option<&str>,
        entry: Option<&[u8]>,
    ) -> u64 {
        let mut h = self.hasher.build_hasher();
        h.write(table.keyspace.as_bytes());
        h.write_u8(0xff);
        h.write(table.table.as_bytes());
        for (_, i) in key_index {
            let bytes = row.column(*i).unwrap_or_default();
            h.write_usize(bytes.len());
            h.write(bytes);
        }
        h.write(column.unwrap_or_default().as_bytes());
        if let Some(entry) = entry {
            h.write_u8(0xff);
            h.write(entry);
        }
        h.finish()
    }

    /// Records that a listed setting held `more` hits beyond those kept. Another copy of the
    /// row (every-copy scans) keeps the larger count.
    fn more_hits(&mut self, key: ValueKey, more: u64) {
        if more > 0 {
            let n = self.more_hits.entry(key).or_default();
            *n = (*n).max(more);
        }
    }

    /// Counts one matching setting (or deep row column) with `hits` hits, owned by `agent`;
    /// returns whether it is listed, i.e. whether its hits are to be kept. Another copy of a
    /// row already counted is not counted again, and is listed if the first copy was (its hits
    /// may differ: a stale replica can hold what the others no longer do).
    fn count_setting(&mut self, identity: u64, hits: usize, agent: Option<&[u8]>) -> bool {
        if let Some(seen) = &self.seen {
            if let Some(listed) = seen.get(&identity) {
                return *listed;
            }
        }
        self.totals.hits += hits as u64;
        self.totals.settings += 1;
        if let Some(agent) = agent {
            self.agents.insert(self.hasher.hash_one(agent));
        }
        let listed = self.totals.listed_settings < self.max_listed;
        if listed {
            self.totals.listed_settings += 1;
        }
        if let Some(seen) = &mut self.seen {
            seen.insert(identity, listed);
        }
        listed
    }

    fn warn_text(&mut self, warning: &str) {
        *self.warnings.entry(warning.to_string()).or_default() += 1;
    }

    fn warn(&mut self, w: ValueWarning) {
        let key = match w {
            ValueWarning::NotJson => "not JSON, searched as text",
            ValueWarning::TooDeep { .. } => "nested too deep, searched as text",
            ValueWarning::TooLarge { .. } => "too large, searched as text",
            ValueWarning::InvalidUtf8 => "invalid UTF-8, searched lossily",
        };
        *self.warnings.entry(key.to_string()).or_default() += 1;
    }
}

/// Runs the search. Fails early only on schema problems; unreadable splits are reported in
/// the outcome, never dropped.
pub async fn search(
    session: Arc<Session>,
    plan: &SearchPlan<'_>,
    matcher: Arc<Matcher>,
    progress: Arc<ScanProgress>,
) -> Result<SearchOutcome, String> {
    let started = Instant::now();
    let collected = Arc::new(Mutex::new(Collected::new(
        plan.max_listed,
        plan.scan.routing.copies == Copies::Every,
    )));
    let mut outcome = SearchOutcome {
        coverage: Coverage {
            copies: plan.scan.routing.copies,
            consistency: plan.consistency,
            local_dc: plan.scan.routing.local_dc.clone(),
            allow_remote_dc: plan.scan.routing.allow_remote_dc,
            data_centers: datacenters(&session).into_keys().collect(),
            not_searched: Vec::new(),
        },
        ..SearchOutcome::default()
    };

    let mut jobs: Vec<(ScanTarget, RowHandler)> = Vec::new();
    for table in plan.layout_tables {
        // The layout's columns, then any primary-key column the layout does not name, so each
        // hit can be read back by its key.
        let mut columns = table.columns();
        let key_columns = primary_key(&session, plan.keyspace, &table.table)
            .ok_or_else(|| format!("table {}.{} does not exist", plan.keyspace, table.table))?;
        let mut key_index = Vec::new();
        for k in &key_columns {
            let i = columns.iter().position(|c| c == k).unwrap_or_else(|| {
                columns.push(k.clone());
                columns.len() - 1
            });
            key_index.push((k.clone(), i));
        }
        let target = ScanTarget::from_schema(&session, plan.keyspace, &table.table, columns)
            .map_err(|e| e.to_string())?;
        let handler = layout_handler(
            &target.name(),
            table,
            key_index,
            plan,
            matcher.clone(),
            collected.clone(),
        );
        jobs.push((target, handler));
    }

    if plan.deep {
        let skip: Vec<&str> = plan
            .layout_tables
            .iter()
            .map(|t| t.table.as_str())
            .collect();
        for table in deep_tables(&session, plan.keyspace) {
            if skip.contains(&table.table.as_str()) {
                continue;
            }
            let target =
                ScanTarget::from_schema(&session, plan.keyspace, &table.table, table.columns())
                    .map_err(|e| e.to_string())?;
            let handler = deep_handler(
                &target.name(),
                &table,
                plan.scan_only,
                plan.capture_values,
                matcher.clone(),
                collected.clone(),
            );
            jobs.push((target, handler));
        }
    }

    // Every table is planned (and its schema checked) before the first row is read.
    for (target, handler) in jobs {
        let result = scan_table(
            session.clone(),
            &target,
            &plan.scan,
            progress.clone(),
            handler,
        )
        .await
        .map_err(|e| e.to_string())?;
        absorb(&mut outcome, result);
    }

    let mut collected = std::mem::replace(&mut *lock(&collected), Collected::new(0, false));
    collected.found.sort();
    collected.found.dedup();
    collected.totals.agents = collected.agents.len() as u64;
    if collected.totals.settings == collected.totals.listed_settings {
        collected.totals.hits =
            collected.found.len() as u64 + collected.more_hits.values().sum::<u64>();
    }
    outcome.found = collected.found;
    outcome.more_hits = collected.more_hits;
    outcome.totals = collected.totals;
    outcome.warnings = collected.warnings;
    outcome.values = collected.values;
    // What the scan left out: every other table of the keyspace with text-like columns.
    outcome.coverage.not_searched = deep_tables(&session, plan.keyspace)
        .into_iter()
        .map(|t| t.table)
        .filter(|t| !outcome.tables.iter().any(|s| &s.table == t))
        .collect();
    outcome.elapsed = started.elapsed();
    Ok(outcome)
}

/// The collector, even after a row callback panicked while holding it. The panic's split is
/// reported unread by the scanner (so the search is never called complete), and the collector
/// only ever gains real hits and counts: what it holds stays true, and the other splits' hits
/// must not be lost to the poison, nor the run crash on it.
fn lock(collected: &Mutex<Collected>) -> MutexGuard<'_, Collected> {
    collected.lock().unwrap_or_else(PoisonError::into_inner)
}

fn absorb(outcome: &mut SearchOutcome, result: forgetme_scanner::scan::TableScan) {
    outcome.ranges += result.splits;
    outcome.rows += result.rows;
    for f in result.failed {
        outcome.failed.push(UnreadSplit {
            table: result.table.clone(),
            split: f,
        });
    }
    outcome.tables.push(result.table);
}

fn layout_handler(
    table_name: &TableName,
    table: &TableLayout,
    key_index: Vec<(String, usize)>,
    plan: &SearchPlan<'_>,
    matcher: Arc<Matcher>,
    collected: Arc<Mutex<Collected>>,
) -> RowHandler {
    let bound = table.bind();
    let group = plan.group.map(|g| g.as_bytes().to_vec());
    let scan_only = plan.scan_only;
    let setting = SettingRecorder {
        bound: bound.clone(),
        table_name: table_name.clone(),
        key_index,
        capture_values: plan.capture_values,
        matcher,
        collected,
    };
    Arc::new(move |row: &RowView<'_>| {
        if scan_only {
            return;
        }
        if let Some(g) = &group {
            if bound.group.get(row) != Some(g.as_slice()) {
                return;
            }
        }
        let Some(value) = bound.value.get(row) else {
            return;
        };
        let Some(map_column) = &bound.value_map else {
            record_setting(&setting, row, value, None);
            return;
        };
        // A map of settings: each entry is one setting, its key the setting's key.
        match map_entries(value) {
            Some(entries) => {
                for (key, value) in entries {
                    if let Some(value) = value {
                        record_setting(&setting, row, value, Some((map_column, key)));
                    }
                }
            }
            None => lock(&setting.collected).warn_text(NOT_A_MAP),
        }
    })
}

/// The warning for a layout's map of settings whose bytes are not a map's.
const NOT_A_MAP: &str = "a layout's value_map column not readable as a map, not searched";

/// What a layout's row handler needs to record one setting.
struct SettingRecorder {
    bound: BoundLayout,
    table_name: TableName,
    key_index: Vec<(String, usize)>,
    capture_values: bool,
    matcher: Arc<Matcher>,
    collected: Arc<Mutex<Collected>>,
}

/// Matches one setting's value and records its hits: the row's value column, or one entry
/// (`(map column, entry key)`) of a map of settings, whose key is the setting key and is
/// added to the row key ([`entry_key_element`]).
fn record_setting(
    s: &SettingRecorder,
    row: &RowView<'_>,
    value: &[u8],
    entry: Option<(&str, &[u8])>,
) {
    let SettingRecorder {
        bound,
        table_name,
        key_index,
        capture_values,
        matcher,
        collected,
    } = s;
    let m = matcher.match_bytes(value);
    if m.hits.is_empty() && m.warning.is_none() {
        return;
    }
    let mut c = lock(collected);
    if let Some(w) = m.warning {
        c.warn(w);
    }
    if m.hits.is_empty() {
        return;
    }
    let contact_center = bound.is_contact_center(row);
    let agent = (!contact_center).then(|| bound.owner.get(row)).flatten();
    let identity = c.row_identity(table_name, row, key_index, None, entry.map(|e| e.1));
    if !c.count_setting(identity, m.hits.len(), agent) {
        return;
    }
    let mut loc = bound.locate(row);
    let mut row_key = row_key(row, key_index);
    if let Some((column, key)) = entry {
        loc.setting_key = String::from_utf8_lossy(key).into_owned();
        row_key.push(entry_key_element(column, key));
    }
    let value_key = ValueKey {
        table: table_name.clone(),
        row_key: row_key.clone(),
        column: None,
    };
    let (hits, more) = keep_hits(
        m.hits,
        |h| (h.identifier, h.variant.is_possible()),
        MAX_HITS_PER_SETTING,
    );
    if *capture_values {
        c.values.insert(
            value_key.clone(),
            String::from_utf8_lossy(value).into_owned(),
        );
    }
    c.more_hits(value_key, more);
    for hit in hits {
        c.found.push(Found {
            table: table_name.clone(),
            owner_type: if contact_center {
                OwnerType::ContactCenter
            } else {
                OwnerType::User
            },
            user_id: (!contact_center).then(|| loc.owner.clone()),
            group: Some(loc.group.clone()),
            setting_key: loc.setting_key.clone(),
            column: None,
            json_path: hit.path.map(|p| forgetme_matcher::redacted_path(&p)),
            identifier: hit.identifier,
            variant: hit.variant.as_str(),
            possible: hit.variant.is_possible(),
            deletable: !contact_center && !loc.owner.is_empty() && !loc.group.is_empty(),
            row_key: row_key.clone(),
        });
    }
}

fn deep_handler(
    table_name: &TableName,
    table: &DeepTable,
    scan_only: bool,
    capture_values: bool,
    matcher: Arc<Matcher>,
    collected: Arc<Mutex<Collected>>,
) -> RowHandler {
    let table_name = table_name.clone();
    let searched: Vec<(usize, String)> = table
        .searched_columns()
        .map(|(i, c)| (i, c.to_string()))
        .collect();
    let keys = table.key_columns.len();
    let key_index: Vec<(String, usize)> = table.key_columns.iter().cloned().zip(0..).collect();
    let key_kinds = table.key_kinds.clone();
    Arc::new(move |row: &RowView<'_>| {
        if scan_only {
            return;
        }
        for (index, column) in &searched {
            let Some(value) = row.column(*index) else {
                continue;
            };
            let m = matcher.match_bytes(value);
            if m.hits.is_empty() {
                continue;
            }
            let key = (0..keys)
                .map(|i| match row.column(i) {
                    None => "null".to_string(),
                    Some(b) => key_kinds[i].render(b),
                })
                .collect::<Vec<_>>()
                .join("/");
            let mut c = lock(&collected);
            let identity = c.row_identity(&table_name, row, &key_index, Some(column), None);
            if !c.count_setting(identity, m.hits.len(), None) {
                continue;
            }
            let row_key = row_key(row, &key_index);
            let value_key = ValueKey {
                table: table_name.clone(),
                row_key: row_key.clone(),
                column: Some(column.clone()),
            };
            let (hits, more) = keep_hits(
                m.hits,
                |h| (h.identifier, h.variant.is_possible()),
                MAX_HITS_PER_SETTING,
            );
            if capture_values {
                c.values.insert(
                    value_key.clone(),
                    String::from_utf8_lossy(value).into_owned(),
                );
            }
            c.more_hits(value_key, more);
            for hit in hits {
                c.found.push(Found {
                    table: table_name.clone(),
                    owner_type: OwnerType::Unknown,
                    user_id: None,
                    group: None,
                    setting_key: key.clone(),
                    column: Some(column.clone()),
                    json_path: hit.path.map(|p| forgetme_matcher::redacted_path(&p)),
                    identifier: hit.identifier,
                    variant: hit.variant.as_str(),
                    possible: hit.variant.is_possible(),
                    deletable: false,
                    row_key: row_key.clone(),
                });
            }
        }
    })
}

fn row_key(row: &RowView<'_>, key_index: &[(String, usize)]) -> RowKey {
    key_index
        .iter()
        .map(|(c, i)| {
            (
                c.clone(),
                RawValue(row.column(*i).unwrap_or_default().to_vec()),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use forgetme_matcher::{parse_identifier, ParseOptions};
    use forgetme_scanner::layout::Layout;

    /// The hits of one setting to keep: the first of each identifier and kind whatever their
    /// place, then the others in order, up to the cap.
    #[test]
    fn kept_hits_hold_every_identifier_and_kind_and_count_the_rest() {
        // (identifier, possible): 54,999 possible hits of #0, then one exact hit of #0 and
        // one hit of #1, both past the cap.
        let mut hits: Vec<(usize, bool)> = vec![(0, true); 54_999];
        hits.push((0, false));
        hits.push((1, true));
        let (kept, more) = keep_hits(hits, |h| *h, MAX_HITS_PER_SETTING);
        assert_eq!(kept.len(), MAX_HITS_PER_SETTING);
        assert_eq!(more, 55_001 - MAX_HITS_PER_SETTING as u64);
        assert!(kept.contains(&(0, false)), "the exact match is kept");
        assert!(kept.contains(&(1, true)), "the other identifier is kept");
        let (kept, more) = keep_hits(vec![(0, false); 7], |h| *h, MAX_HITS_PER_SETTING);
        assert_eq!((kept.len(), more), (7, 0));
    }

    /// The row handler of the reference layout's table, searching for john.smith@pizza.com
    /// into `collected`.
    fn reference_handler(layout: &Layout, collected: Arc<Mutex<Collected>>) -> RowHandler {
        let table = &layout.tables[0];
        let plan = SearchPlan {
            keyspace: "ks",
            layout_tables: &layout.tables,
            group: None,
            deep: false,
            scan_only: false,
            scan: ScanOptions::default(),
            consistency: ConsistencyLevel::LocalOne,
            capture_values: false,
            max_listed: DEFAULT_MAX_LISTED,
        };
        let matcher = Arc::new(Matcher::new(
            vec![parse_identifier("john.smith@pizza.com", &ParseOptions::default()).unwrap()],
            None,
        ));
        let key_index: Vec<(String, usize)> = ["owner_id", "group_name", "setting_key"]
            .iter()
            .map(|c| {
                let i = table.columns().iter().position(|x| x == c).unwrap();
                (c.to_string(), i)
            })
            .collect();
        layout_handler(
            &TableName::new("ks", "settings"),
            table,
            key_index,
            &plan,
            matcher,
            collected,
        )
    }

    /// A setting holding the address 55,000 times: 100 hits kept, 54,900 counted; the totals
    /// count them all.
    #[test]
    fn a_setting_holding_an_address_55000_times_keeps_100_hits_and_counts_the_rest() {
        let layout = Layout::reference();
        let table = &layout.tables[0];
        let collected = Arc::new(Mutex::new(Collected::new(10, false)));
        let handler = reference_handler(&layout, collected.clone());
        let copies = vec!["\"john.smith@pizza.com\""; 55_000].join(",");
        let value = format!(r#"{{"id":"fav-1","emailAddresses":[{copies}]}}"#);
        let owner = b"0123456789abcdef0123456789abcdef".as_slice();
        let mut columns: Vec<Option<&[u8]>> = vec![None; table.columns().len()];
        for (name, bytes) in [
            ("owner_id", owner),
            (
                "group_name",
                b"interaction-workspace-personal-favorites".as_slice(),
            ),
            ("setting_key", b"fav-1".as_slice()),
            ("value", value.as_bytes()),
        ] {
            let i = table.columns().iter().position(|x| x == name).unwrap();
            columns[i] = Some(bytes);
        }
        handler(&RowView::new(&columns));

        let c = lock(&collected);
        assert_eq!(c.found.len(), MAX_HITS_PER_SETTING);
        assert_eq!(c.totals.hits, 55_000);
        assert_eq!(c.totals.settings, 1);
        assert_eq!(
            c.more_hits.values().copied().collect::<Vec<_>>(),
            [55_000 - MAX_HITS_PER_SETTING as u64]
        );
        assert_eq!(c.more_hits.keys().next().unwrap(), &c.found[0].value_key());
    }

    /// A row callback that panicked while holding the collector poisons its lock. The other
    /// splits' callbacks still record their hits, and the search can still hand them over.
    #[test]
    fn a_poisoned_collector_keeps_working() {
        let layout = Layout::reference();
        let table = &layout.tables[0];
        let collected = Arc::new(Mutex::new(Collected::new(10, false)));
        let handler = reference_handler(&layout, collected.clone());
        let poisoner = collected.clone();
        let _ = std::thread::spawn(move || {
            let _guard = poisoner.lock().unwrap();
            panic!("a row callback panics while holding the collector");
        })
        .join();
        assert!(collected.is_poisoned());

        let owner = b"0123456789abcdef0123456789abcdef".as_slice();
        let value = br#"{"id":"fav-1","emailAddresses":["john.smith@pizza.com"]}"#.as_slice();
        let mut columns: Vec<Option<&[u8]>> = vec![None; table.columns().len()];
        for (name, bytes) in [
            ("owner_id", owner),
            (
                "group_name",
                b"interaction-workspace-personal-favorites".as_slice(),
            ),
            ("setting_key", b"fav-1".as_slice()),
            ("value", value),
        ] {
            let i = table.columns().iter().position(|x| x == name).unwrap();
            columns[i] = Some(bytes);
        }
        handler(&RowView::new(&columns));

        let c = lock(&collected);
        assert_eq!(c.found.len(), 1);
        assert_eq!(c.found[0].setting_key, "fav-1");
        assert!(c.found[0].deletable);
        assert_eq!(c.totals.settings, 1);
    }
}
