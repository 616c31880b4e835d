//! The printer's JSON documents, byte for byte, for a made-up search that takes every branch
//! a real run rarely reaches: unread ranges with and without replicas, hits beyond the
//! per-setting limit, a truncated listing, warnings, deep and corporate hits, identifiers
//! read every way; and every way a cleanup ends (not asked, nothing to erase, refused,
//! declined, done with every outcome). The golden files are in `tests/golden/`;
//! `FORGETME_BLESS=1` writes them from this run.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use forgetme_cleanup::{Collateral, Outcome, SettingResult, SettingTarget, Verification};
use forgetme_findings::erasure_plan::PlanSize;
use forgetme_findings::found::{Coverage, MatchTotals, UnreadSplit};
use forgetme_findings::requests::RequestAction;
use forgetme_findings::{Found, OwnerType, SearchOutcome};
use forgetme_matcher::{parse_identifier, Identifier, ParseOptions, Region};
use forgetme_printer::batch_table::{self, RequestLine};
use forgetme_printer::run_report::{Cleanup, RunReport};
use forgetme_printer::UserNames;
use forgetme_scanner::read::RawValue;
use forgetme_scanner::ring::TokenRange;
use forgetme_scanner::routing::Copies;
use forgetme_scanner::scan::FailedSplit;
use forgetme_scanner::TableName;

const AGENT: &str = "5cd8dc3e97a78843c325e5f9ea58353d";
const OTHER_AGENT: &str = "1848a3bd2218c4bbcc9585ec6503d1d3";

fn assert_golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("FORGETME_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (FORGETME_BLESS=1 writes it from this run)",
            path.display()
        )
    });
    assert_eq!(
        want,
        actual,
        "{} differs: a format people parse changed; if on purpose, run with FORGETME_BLESS=1, review the diff and say so in docs/output.md",
        path.display()
    );
}

/// `doc` as `--format json` prints it, after checking that its keys are sorted at every depth:
/// the typed documents declare their fields in alphabetical order, the order the documents
/// had when they were serde_json maps, and a field added out of order would move in the
/// output.
fn printed<T: serde::Serialize>(doc: &T) -> String {
    let text = serde_json::to_string_pretty(doc).unwrap();
    let sorted = serde_json::to_string_pretty(&serde_json::to_value(doc).unwrap()).unwrap();
    assert_eq!(
        text, sorted,
        "the document's keys are not in alphabetical order"
    );
    text + "\n"
}

fn table() -> TableName {
    TableName::new("sipfs", "settings")
}

fn row_key(owner: &str, key: &str) -> Vec<(String, RawValue)> {
    vec![
        ("owner_id".into(), RawValue(owner.as_bytes().to_vec())),
        ("setting_key".into(), RawValue(key.as_bytes().to_vec())),
    ]
}

fn identifiers() -> Vec<Identifier> {
    let gb = ParseOptions {
        default_region: Region::parse("GB"),
        allow_text: true,
    };
    [
        "john.smith@pizza.com",
        "+1 555 010 0001",
        "020 7946 0123",
        "IE:087 123 4567",
        "ACME-ref-7",
    ]
    .iter()
    .map(|s| parse_identifier(s, &gb).unwrap())
    .collect()
}

#[allow(clippy::too_many_arguments)]
fn hit(
    owner_type: OwnerType,
    user: Option<&str>,
    group: Option<&str>,
    key: &str,
    column: Option<&str>,
    path: Option<&str>,
    identifier: usize,
    possible: bool,
) -> Found {
    Found {
        table: table(),
        owner_type,
        user_id: user.map(str::to_string),
        group: group.map(str::to_string),
        setting_key: key.to_string(),
        column: column.map(str::to_string),
        json_path: path.map(str::to_string),
        identifier,
        variant: if possible {
            "national-number"
        } else {
            "case-insensitive"
        },
        possible,
        deletable: owner_type == OwnerType::User && !possible,
        row_key: row_key(user.unwrap_or("contact-center"), key),
    }
}

fn outcome() -> SearchOutcome {
    let favorites = Some("interaction-workspace-personal-favorites");
    let recents = Some("interaction-workspace-recents");
    let found = vec![
        hit(
            OwnerType::User,
            Some(AGENT),
            favorites,
            "fav-1",
            None,
            Some("$.emailAddresses[0]"),
            0,
            false,
        ),
        hit(
            OwnerType::User,
            Some(OTHER_AGENT),
            recents,
            "recent-list",
            None,
            Some("$.entries[0].phoneNumber"),
            1,
            false,
        ),
        hit(
            OwnerType::User,
            Some(OTHER_AGENT),
            recents,
            "recent-list",
            None,
            Some("$.entries[4].phoneNumber"),
            2,
            true,
        ),
        hit(
            OwnerType::ContactCenter,
            None,
            Some("interaction-workspace-corporate-favorites"),
            "corp-1",
            None,
            Some("$.phoneNumbers[0]"),
            1,
            false,
        ),
        hit(
            OwnerType::Unknown,
            None,
            None,
            "row-7/x",
            Some("notes"),
            None,
            4,
            false,
        ),
    ];
    let mut more_hits = BTreeMap::new();
    more_hits.insert(found[1].value_key(), 54_900);
    let mut warnings = BTreeMap::new();
    warnings.insert("not JSON, searched as text".to_string(), 2);
    warnings.insert("invalid UTF-8".to_string(), 1);
    SearchOutcome {
        tables: vec![table(), TableName::new("sipfs", "settings_groups")],
        ranges: 68,
        rows: 1204,
        failed: vec![
            UnreadSplit {
                table: table(),
                split: FailedSplit {
                    range: TokenRange {
                        start: i64::MIN,
                        end: -4_611_686_018_427_387_904,
                    },
                    attempts: 3,
                    error: "Timeout".into(),
                    replica: None,
                },
            },
            UnreadSplit {
                table: table(),
                split: FailedSplit {
                    range: TokenRange { start: 0, end: 17 },
                    attempts: 1,
                    error: "no replica answered".into(),
                    replica: Some("10.0.0.2:9042 (dc2)".into()),
                },
            },
        ],
        found,
        totals: MatchTotals {
            hits: 54_905,
            settings: 9,
            listed_settings: 4,
            agents: 2,
        },
        more_hits,
        warnings,
        elapsed: Duration::from_millis(1_234),
        values: BTreeMap::new(),
        coverage: Coverage {
            copies: Copies::One,
            consistency: forgetme_scanner::ConsistencyLevel::LocalQuorum,
            local_dc: Some("dc1".into()),
            allow_remote_dc: true,
            data_centers: vec!["dc1".into(), "dc2".into()],
            not_searched: vec!["audit_trail".into()],
        },
    }
}

fn names() -> UserNames {
    [(AGENT.to_string(), "agent1@pizza.com".to_string())]
        .into_iter()
        .collect()
}

fn target(key: &str, possible: bool) -> SettingTarget {
    SettingTarget {
        table: table(),
        value_column: "value".into(),
        user_id: AGENT.into(),
        group: "interaction-workspace-personal-favorites".into(),
        setting_key: key.into(),
        row_key: row_key(AGENT, key),
        json_paths: vec!["$.emailAddresses[0]".into()],
        identifiers: vec![0],
        possible,
    }
}

fn results() -> Vec<SettingResult> {
    let outcomes = vec![
        Outcome::Deleted,
        Outcome::Rewritten {
            removed: vec!["$.entries[2]".into(), "$.entries[5]".into()],
        },
        Outcome::AlreadyGone,
        Outcome::NeedsReview {
            reason: "the record also holds other people's records".into(),
            records: vec!["$.contacts[\"*\"]".into()],
        },
        Outcome::SkippedChanged,
        Outcome::NotErased {
            reason: "GWS does not show it".into(),
            delete_cql: Ok("DELETE FROM sipfs.settings WHERE owner_id = 'x';".into()),
        },
        Outcome::NotErased {
            reason: "GWS does not show it".into(),
            delete_cql: Err("the key holds a blob".into()),
        },
        Outcome::Failed("GWS answered 500".into()),
        Outcome::ClaimedStillStored { claimed: "deleted" },
    ];
    outcomes
        .into_iter()
        .enumerate()
        .map(|(i, outcome)| SettingResult {
            target: target(&format!("fav-{i}"), i == 1),
            outcome,
            collateral: if i == 0 {
                Collateral {
                    vanished: vec!["fav-x".into()],
                    changed_meanwhile: vec!["fav-y".into()],
                    unchecked: None,
                }
            } else if i == 1 {
                Collateral {
                    unchecked: Some("read timed out".into()),
                    ..Collateral::default()
                }
            } else {
                Collateral::default()
            },
        })
        .collect()
}

fn verification() -> Verification {
    Verification {
        checked: 9,
        partitions: 4,
        rows: 17,
        still_matching: vec![8],
        elsewhere: vec![(0, "fav-copy".into())],
        unreadable: vec![(2, "timeout".into())],
    }
}

fn report_json(cleanup: Cleanup<'_>) -> String {
    let outcome = outcome();
    let ids = identifiers();
    let names = names();
    let report = RunReport {
        outcome: &outcome,
        identifiers: &ids,
        names: &names,
        cleanup,
    };
    printed(&report.to_json())
}

#[test]
fn the_search_report_without_a_cleanup() {
    assert_golden("report.not_asked.json", &report_json(Cleanup::NotAsked));
}

#[test]
fn the_search_report_with_each_cleanup() {
    assert_golden(
        "report.nothing_to_erase.json",
        &report_json(Cleanup::NothingToErase),
    );
    let size = PlanSize {
        settings: 600,
        agents: 12,
        possible_only: 3,
    };
    assert_golden("report.refused.json", &report_json(Cleanup::Refused(&size)));
    assert_golden("report.declined.json", &report_json(Cleanup::Declined));
    let (results, verification) = (results(), verification());
    assert_golden(
        "report.done.json",
        &report_json(Cleanup::Done(&results, &verification)),
    );
}

#[test]
fn the_batch_table() {
    let line = |id: &str, action, export, erasure: Option<&str>, ok, declined| RequestLine {
        id: forgetme_audit::CaseRef::new(id).unwrap(),
        folder: id.into(),
        action,
        settings: 3,
        agents: 2,
        complete: ok,
        export,
        erasure: erasure.map(str::to_string),
        ok,
        declined,
    };
    let lines = [
        line("DSR-1", RequestAction::Search, None, None, true, false),
        line(
            "DSR-2",
            RequestAction::Export,
            Some(false),
            None,
            false,
            false,
        ),
        line(
            "DSR-3",
            RequestAction::Erase,
            Some(true),
            Some("declined; nothing erased"),
            false,
            true,
        ),
    ];
    let doc = batch_table::BatchTable::new(&lines, Path::new("/answers"));
    assert_golden("batch_table.json", &printed(&doc));
}

/// The documents pinned by the integration tests' golden files (`tests/it/formats.rs`) keep
/// their keys sorted too.
#[test]
fn the_summary_and_the_error_document_keep_their_keys_sorted() {
    use forgetme_printer::error_report::ErrorReport;
    use forgetme_printer::request_summary::{RequestSummary, SearchSummary};
    use forgetme_printer::search_json::SearchReport;
    let (outcome, ids, names) = (outcome(), identifiers(), names());
    let errors = vec!["export.json was NOT written: disk full".to_string()];
    printed(&RequestSummary {
        action: RequestAction::Erase,
        erasure: Some("declined"),
        errors: &errors,
        export: Some("export.json".into()),
        identifiers: ids.len(),
        line: 3,
        received: Some("2026-11-20"),
        report: SearchReport::new(&outcome, &ids, &names),
        request: &forgetme_audit::CaseRef::new("DSR-3").unwrap(),
        search: SearchSummary::of(&outcome),
    });
    printed(&ErrorReport::new(
        "bad_input",
        2,
        "--case must be a ticket reference",
    ));
}
