//! `--max-rows-per-second` against the real node: a throttled scan of a table whose size is
//! known takes at least the time the cap implies, finds exactly what an unthrottled scan finds,
//! and a cap of zero is refused before anything is read.

use std::time::{Duration, Instant};

use crate::common::*;
use serde_json::Value;

async fn search_json(keyspace: &str, extra: &[&str]) -> (Run, Duration) {
    let mut args = cass_args(keyspace);
    args.extend(strings(&[
        "--format",
        "json",
        "--no-progress",
        "--search",
        "john.smith@pizza.com",
    ]));
    args.extend(strings(extra));
    let started = Instant::now();
    let run = forget_me(&args).await;
    (run, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capped_scan_takes_the_time_its_cap_implies_and_finds_the_same() {
    let s = seeded("throttle").await;
    let (free, _) = search_json(&s.keyspace, &[]).await;
    assert_eq!(free.code, 0, "{}", free.stderr);
    let free = free.json();
    let rows = free["scanned"]["rows"].as_u64().expect("rows scanned");
    assert!(rows >= 30, "the seeded table is big enough to pace: {rows}");

    // A cap that makes the scan last about three seconds. The bucket holds a tenth of a
    // second's rows and each of the `--concurrency` splits may have one page (no larger than
    // the bucket) read before it pays, so the scan cannot be faster than
    // (rows - 2 x bucket) / cap.
    let cap = (rows / 3).max(1);
    let bucket = (cap / 10).max(1);
    let least = Duration::from_secs_f64((rows - 2 * bucket) as f64 / cap as f64);
    let (capped, took) = search_json(
        &s.keyspace,
        &[
            "--max-rows-per-second",
            &cap.to_string(),
            "--concurrency",
            "1",
        ],
    )
    .await;
    assert_eq!(capped.code, 0, "{}", capped.stderr);
    let capped = capped.json();
    assert!(
        took >= least,
        "{rows} rows at {cap}/s took {took:?}, less than the {least:?} the cap implies"
    );
    assert_eq!(capped["complete"], Value::Bool(true));
    assert_eq!(capped["scanned"]["rows"].as_u64(), Some(rows));
    assert_eq!(found(&capped), found(&free));
    assert!(!found(&capped).is_empty());

    // With more splits in flight the cap still holds: it is shared by all of them.
    let (wide, took) = search_json(
        &s.keyspace,
        &[
            "--max-rows-per-second",
            &cap.to_string(),
            "--concurrency",
            "8",
        ],
    )
    .await;
    assert_eq!(wide.code, 0, "{}", wide.stderr);
    let least = Duration::from_secs_f64((rows.saturating_sub(9 * bucket)) as f64 / cap as f64);
    assert!(
        took >= least,
        "{rows} rows at {cap}/s over 8 splits took {took:?}, less than {least:?}"
    );
    assert_eq!(found(&wide.json()), found(&free));

    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cap_of_zero_or_nonsense_is_refused_with_exit_2() {
    for bad in ["0", "-5", "fast"] {
        let mut args = strings(&["--search", "john.smith@pizza.com", "--no-progress"]);
        args.push(format!("--max-rows-per-second={bad}"));
        // An unreachable port: a refusal must come before any connection is tried.
        args.extend(strings(&[
            "--cass_hostname",
            "127.0.0.1",
            "--cass_port",
            "1",
        ]));
        let run = forget_me(&args).await;
        assert_eq!(run.code, 2, "--max-rows-per-second {bad}: {}", run.stderr);
        assert!(
            run.stderr.contains("max-rows-per-second"),
            "the error names the flag: {}",
            run.stderr
        );
    }
}

/// Without a terminal (cron, CI, `nohup`), a long scan says how far it is every few seconds
/// on stderr, in plain lines; under a cap, the rate it shows keeps to the cap (rows are
/// counted once paid for, not when a split has read its page ahead).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_scan_without_a_terminal_prints_plain_progress_at_the_capped_rate() {
    let s = seeded("throttle_plain").await;
    let (free, _) = search_json(&s.keyspace, &[]).await;
    let rows = free.json()["scanned"]["rows"].as_u64().expect("rows");
    // About 13 s: one plain line at 10 s.
    let cap = (rows / 13).max(1);
    let mut args = cass_args(&s.keyspace);
    args.extend(strings(&[
        "--search",
        "john.smith@pizza.com",
        "--max-rows-per-second",
        &cap.to_string(),
    ]));
    let run = forget_me(&args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("progress: "))
        .collect();
    assert!(!lines.is_empty(), "no progress line:\n{}", run.stderr);
    for line in &lines {
        assert!(
            line.contains(" scanning, ") && line.contains(" ranges, "),
            "{line}"
        );
        assert!(!line.contains('\x1b'), "{line:?}");
        assert!(!line.contains("john.smith"), "{line}");
        // "<n> on average": within 5% of the cap (the bucket's first tenth of a second is
        // free).
        let average: f64 = line
            .split(", ")
            .find_map(|p| p.strip_suffix(" on average"))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no average in {line}"));
        assert!(
            average <= cap as f64 * 1.05,
            "the line shows {average} rows/s on average under a cap of {cap}: {line}"
        );
    }
}
