//! Throughput of the disk check on one core: `throughput DATA_DIR KEYSPACE IDENTIFIER...`
//! reads every file of the keyspace (no commit log, no hints) with one thread and prints the
//! decompressed bytes searched, the time, MB/s and the peak resident memory (VmHWM), and how
//! many runs of text held each identifier, as one JSON line. `bench/disk-check` runs it over
//! generated SSTables.
//!
//! MB/s is given twice: per second of wall time (`mb_per_s_per_core`, what a quiet machine
//! shows) and per second of CPU time the process used (`mb_per_cpu_s`, user and system, from
//! `/proc/self/stat` in hundredths of a second): on a machine shared with other work, the
//! wall time also counts the time the check waited for a core.

use std::path::PathBuf;
use std::time::Instant;

use forgetme_disk_check::{check_node, NodeDirs, Verdict};
use forgetme_matcher::{parse_identifier, Matcher, ParseOptions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: throughput DATA_DIR KEYSPACE IDENTIFIER...");
        std::process::exit(2);
    }
    let ids = args[2..]
        .iter()
        .map(|s| parse_identifier(s, &ParseOptions::default()).expect("an identifier"))
        .collect();
    let matcher = Matcher::new(ids, None);
    let empty = std::env::temp_dir().join(format!("disk-check-bench-{}", std::process::id()));
    std::fs::create_dir_all(&empty).expect("temp folder");
    let dirs = NodeDirs {
        data: PathBuf::from(&args[0]),
        commitlog: empty.clone(),
        hints: empty.clone(),
    };
    let cpu_before = cpu_seconds();
    let start = Instant::now();
    let node = check_node(&dirs, &args[1], &matcher, 1);
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    let _ = std::fs::remove_dir(&empty);
    let on_disk: u64 = node
        .files
        .iter()
        .filter_map(|f| std::fs::metadata(&f.entry.path).ok())
        .map(|m| m.len())
        .sum();
    let hwm_kib: u64 = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0);
    // Per identifier (in the order given): the runs of text that held it, in all files.
    let runs: Vec<u64> = (0..matcher.identifiers().len())
        .map(|id| node.files.iter().map(|f| f.counts[id]).sum())
        .collect();
    println!(
        "{{\"files\":{},\"files_holding\":{},\"unreadable\":{},\"runs_holding\":{:?},\"bytes_on_disk\":{},\"bytes_searched\":{},\"seconds\":{:.3},\"mb_per_s_per_core\":{:.1},\"cpu_seconds\":{:.2},\"mb_per_cpu_s\":{:.1},\"peak_rss_mib\":{:.1},\"verdict\":\"{}\"}}",
        node.files.len(),
        node.files.iter().filter(|f| f.holds()).count(),
        node.files.iter().filter(|f| !f.readable).count(),
        runs,
        on_disk,
        node.bytes,
        secs,
        node.bytes as f64 / 1e6 / secs,
        cpu,
        node.bytes as f64 / 1e6 / cpu,
        hwm_kib as f64 / 1024.0,
        match node.verdict {
            Verdict::Clean => "clean",
            Verdict::Holds => "holds",
            Verdict::NotKnown => "not_known",
        }
    );
}

/// User and system CPU time of this process so far (its threads', finished ones included),
/// from `/proc/self/stat` (fields 14 and 15, in clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // After the name: field 3 is at index 0, so fields 14 and 15 at 11 and 12.
    (ticks(11) + ticks(12)) / 100.0
}
