//! Throughput of the disk check on one core: `throughput DATA_DIR KEYSPACE IDENTIFIER...`
//! reads every file of the keyspace (no commit log, no hints) with one thread and prints the
//! decompressed bytes searched, the time, MB/s and the peak resident memory (VmHWM), as one
//! JSON line. `bench/disk-check` runs it over generated SSTables.

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
    let start = Instant::now();
    let node = check_node(&dirs, &args[1], &matcher, 1);
    let secs = start.elapsed().as_secs_f64();
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
    println!(
        "{{\"files\":{},\"files_holding\":{},\"unreadable\":{},\"bytes_on_disk\":{},\"bytes_searched\":{},\"seconds\":{:.3},\"mb_per_s_per_core\":{:.1},\"peak_rss_mib\":{:.1},\"verdict\":\"{}\"}}",
        node.files.len(),
        node.files.iter().filter(|f| f.holds()).count(),
        node.files.iter().filter(|f| !f.readable).count(),
        on_disk,
        node.bytes,
        secs,
        node.bytes as f64 / 1e6 / secs,
        hwm_kib as f64 / 1024.0,
        match node.verdict {
            Verdict::Clean => "clean",
            Verdict::Holds => "holds",
            Verdict::NotKnown => "not_known",
        }
    );
}
