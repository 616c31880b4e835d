//! The JSON documents people and scripts parse, pinned byte for byte: the search report
//! (`--format json`, with and without its `cleanup` object), a batch's table and each
//! request's `summary.json`, the access export, and the error document. Each is compared as
//! text with a golden file in `tests/it/golden/`, after what differs from run to run (the
//! keyspace's and the folder's names, times, durations, row and range counts) is replaced by
//! placeholders that keep the shape: key order, spacing, null or absent, and number or string
//! all stay pinned.
//!
//! `FORGETME_BLESS=1` writes the golden files from the run; a change then shows in the diff
//! and must be said in docs/output.md.

use std::path::Path;

use crate::common::*;

const PASSWORD_ENV: (&str, &str) = ("GWS_PASSWORD", testkit::ADMIN_PASSWORD);

/// The agents' names are looked up under a time budget, best effort: each run gets all the
/// time it needs, so every name is there.
const NAMES_BUDGET: [&str; 2] = ["--gws-names-budget", "600"];

/// Keys whose number depends on the node and the clock, not on the request: durations, and
/// the rows and token-range splits read (the splits come from the node's size estimates).
const VARYING_NUMBERS: [&str; 3] = ["elapsed_ms", "rows", "ranges"];

/// `text` with what varies from run to run replaced: `names` (keyspace, folder) by their
/// placeholders, every digit of an RFC 3339 time by `N` (the format stays pinned, not the
/// instant), the numbers of [`VARYING_NUMBERS`] and of "N row(s)" by `<n>`.
fn pinned(text: &str, names: &[(&str, &str)]) -> String {
    let mut text = text.to_string();
    for (from, to) in names {
        text = text.replace(from, to);
    }
    let text = times_shaped(&text);
    let mut text = numbers_after(&text, |before| {
        VARYING_NUMBERS
            .iter()
            .any(|k| before.ends_with(&format!("\"{k}\": ")))
    });
    for unit in [" row(s)", " token range(s)"] {
        text = numbers_before(&text, unit);
    }
    text
}

/// Every RFC 3339 time (`2026-12-01T10:11:12.345Z`, `...+00:00`) with its digits as `N`.
fn times_shaped(text: &str) -> String {
    let b = text.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let is_time = (0..4).all(|k| digit(i + k))
            && b.get(i + 4) == Some(&b'-')
            && digit(i + 5)
            && digit(i + 6)
            && b.get(i + 7) == Some(&b'-')
            && digit(i + 8)
            && digit(i + 9)
            && b.get(i + 10) == Some(&b'T')
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric());
        if is_time {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_digit() || b":.-+TZ".contains(&b[j])) {
                out.push(if b[j].is_ascii_digit() {
                    'N'
                } else {
                    b[j] as char
                });
                j += 1;
            }
            i = j;
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Every run of digits for which `starts(text before it)` holds, replaced by `<n>`.
fn numbers_after(text: &str, starts: impl Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c.is_ascii_digit() && starts(&out) {
            let n = rest.bytes().take_while(u8::is_ascii_digit).count();
            out.push_str("<n>");
            rest = &rest[n..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Every run of digits followed by `unit` (a count said in a sentence), replaced by `<n>`.
fn numbers_before(text: &str, unit: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(unit) {
        let (head, tail) = rest.split_at(at);
        let digits = head.len() - head.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 {
            out.push_str(&head[..head.len() - digits]);
            out.push_str("<n>");
        } else {
            out.push_str(head);
        }
        out.push_str(unit);
        rest = &tail[unit.len()..];
    }
    out.push_str(rest);
    out
}

/// The golden file `tests/it/golden/NAME`, compared with `actual` as text; written anew when
/// `FORGETME_BLESS=1`.
fn assert_golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/golden")
        .join(name);
    if std::env::var_os("FORGETME_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (FORGETME_BLESS=1 writes it from this run)",
            path.display()
        )
    });
    if want != actual {
        let line = want
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| want.lines().count().min(actual.lines().count()));
        let around = |t: &str| -> String {
            t.lines()
                .skip(line.saturating_sub(3))
                .take(8)
                .collect::<Vec<_>>()
                .join("\n")
        };
        panic!(
            "{} differs from this run at line {}: a format people parse changed; if on purpose, run with FORGETME_BLESS=1, review the diff and say so in docs/output.md\nwant:\n{}\ngot:\n{}",
            path.display(),
            line + 1,
            around(&want),
            around(actual)
        );
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{} was not written: {e}", path.display()))
}

/// The search report of a search without GWS: identifiers read every way (an e-mail
/// address, an international number, a national number read with `--default-region`, one
/// with its own region), hits exact and possible, corporate and agents'.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_report_is_pinned() {
    let s = seeded("formats_search").await;
    let mut args = cass_args(&s.keyspace);
    args.extend(strings(&[
        "--format",
        "json",
        "--no-progress",
        "--default-region",
        "GB",
        "--search",
        "john.smith@pizza.com",
        "--search",
        "+1 555 010 0001",
        "--search",
        "020 7946 0123",
        "--search",
        "IE:087 123 4567",
    ]));
    let run = forget_me(&args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let names = [(s.keyspace.as_str(), "<keyspace>")];
    assert_golden("search.report.json", &pinned(&run.stdout, &names));
    s.emulator.shutdown().await;
}

/// A single run's report with its `cleanup` object, each way a cleanup ends that a run
/// without a terminal reaches: refused as too large, done (with its access export), and
/// nothing to erase.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_run_report_and_the_access_export_are_pinned() {
    let s = seeded("formats_cleanup").await;
    let dir = tempfile::tempdir().unwrap();
    let dir_name = dir.path().display().to_string();
    let names = [
        (s.keyspace.as_str(), "<keyspace>"),
        (dir_name.as_str(), "<dir>"),
    ];
    let run_with = |extra: &[&str]| {
        let mut args = cleanup_args(&s, dir.path(), extra);
        args.extend(strings(&NAMES_BUDGET));
        args.extend(strings(&[
            "--format",
            "json",
            "--search",
            "john.smith@pizza.com",
            "--search",
            "+1 555 010 0001",
        ]));
        args
    };

    let refused = forget_me_env(&run_with(&["--max-erase", "1"]), &[PASSWORD_ENV]).await;
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert_golden("refused.report.json", &pinned(&refused.stdout, &names));

    let export = dir.path().join("export.json");
    let receipt = dir.path().join("receipt.json");
    let done = forget_me_env(
        &run_with(&[
            "--case",
            "DSR-2026-0042",
            "--export",
            export.to_str().unwrap(),
            "--receipt",
            receipt.to_str().unwrap(),
        ]),
        &[PASSWORD_ENV],
    )
    .await;
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert_golden("cleanup.report.json", &pinned(&done.stdout, &names));
    assert_golden("single.export.json", &pinned(&read(&export), &names));

    let again = forget_me_env(&run_with(&[]), &[PASSWORD_ENV]).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_golden(
        "nothing_to_erase.report.json",
        &pinned(&again.stdout, &names),
    );
    s.emulator.shutdown().await;
}

/// A batch of two requests, one for access and one for erasure: the table on stdout, and
/// each request's summary and access export.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_batch_table_summaries_and_exports_are_pinned() {
    let s = seeded("formats_batch").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("requests.jsonl");
    std::fs::write(
        &file,
        [
            r#"{"id":"DSR-2026-0001","identifiers":["john.smith@pizza.com","+1 555 010 0001"],"received":"2026-11-20","action":"export"}"#,
            r#"{"id":"DSR-2026-0002","identifiers":["emma.jones@pizza.co.uk","GB:020 7946 0123"],"action":"erase"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let out = dir.path().join("answers");
    let mut args = cleanup_args(&s, dir.path(), &[]);
    args.extend(strings(&NAMES_BUDGET));
    args.extend(strings(&[
        "--format",
        "json",
        "--requests",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]));
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let dir_name = dir.path().display().to_string();
    let names = [
        (s.keyspace.as_str(), "<keyspace>"),
        (dir_name.as_str(), "<dir>"),
    ];
    assert_golden("batch.table.json", &pinned(&run.stdout, &names));
    for id in ["DSR-2026-0001", "DSR-2026-0002"] {
        let folder = out.join(id);
        assert_golden(
            &format!("batch.{id}.summary.json"),
            &pinned(&read(&folder.join("summary.json")), &names),
        );
        assert_golden(
            &format!("batch.{id}.export.json"),
            &pinned(&read(&folder.join("export.json")), &names),
        );
    }
    s.emulator.shutdown().await;
}

/// The error document of `--format json`: refused input, and a node that does not answer.
#[tokio::test]
async fn the_error_document_is_pinned() {
    let bad = forget_me(&strings(&[
        "--cass_hostname",
        "127.0.0.1",
        "--cass_port",
        "1",
        "--search",
        "ab",
        "--format",
        "json",
    ]))
    .await;
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert_golden("error.bad_input.json", &bad.stdout);
    let unparsed = forget_me(&strings(&["--format", "json", "--no-such-flag"])).await;
    assert_eq!(unparsed.code, 2, "{}", unparsed.stderr);
    assert_golden("error.unparsed.json", &unparsed.stdout);
}

#[test]
fn the_placeholders_keep_the_shape() {
    let text = "{\n  \"elapsed_ms\": 412,\n  \"at\": \"2026-12-01T10:11:12.345Z\",\n  \"n\": 7,\n  \"s\": \"A complete search of 1204 row(s) in ks.t\"\n}";
    assert_eq!(
        pinned(text, &[("ks", "<keyspace>")]),
        "{\n  \"elapsed_ms\": <n>,\n  \"at\": \"NNNN-NN-NNTNN:NN:NN.NNNZ\",\n  \"n\": 7,\n  \"s\": \"A complete search of <n> row(s) in <keyspace>.t\"\n}"
    );
}
