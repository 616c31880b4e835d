//! Physical erasure check of gdpr-forget-me: are a data subject's identifiers still in the
//! files of a Cassandra node?
//!
//! An erasure through CQL (or GWS) writes a tombstone; the bytes of the erased value stay in
//! the SSTables written before it until a compaction rewrites them, in the commit log until
//! its segment is deleted, in hints until they are delivered, and in snapshots and incremental
//! backups until someone removes them. [`check_node`] reads every such file of one node for a
//! keyspace (SSTables decompressed chunk by chunk, checksums verified) and searches the bytes
//! with the search's own [`Matcher`] (see [`stream`]). A file that cannot be read to its end,
//! or whose checksum fails, is *not known*, never clean.
//!
//! `docs/physical-erasure.md` explains what this proves and what it cannot.

pub mod cli;
pub mod compress;
pub mod proof;
pub mod read;
pub mod report;
pub mod stream;
mod walk;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use forgetme_matcher::Matcher;
use serde::Serialize;

pub use read::Format;
pub use walk::{default_commitlog_dir, default_hints_dir, list_files, Entry};

/// The folders of one node.
#[derive(Debug, Clone)]
pub struct NodeDirs {
    /// One of `data_file_directories` (holds a folder per keyspace).
    pub data: PathBuf,
    /// `commitlog_directory`.
    pub commitlog: PathBuf,
    /// `hints_directory`.
    pub hints: PathBuf,
}

/// What a file is to Cassandra.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A component of a live SSTable of the keyspace (or of a secondary index).
    Sstable,
    /// A commit log segment.
    Commitlog,
    /// A hints file.
    Hints,
    /// A file of a snapshot (`snapshots/<tag>/`).
    Snapshot,
    /// A file of the incremental backups (`backups/`).
    Backup,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Sstable => "sstable",
            Kind::Commitlog => "commitlog",
            Kind::Hints => "hints",
            Kind::Snapshot => "snapshot",
            Kind::Backup => "backup",
        }
    }
}

/// The result for one file.
#[derive(Debug, Clone)]
pub struct FileResult {
    pub entry: Entry,
    /// Per identifier (matcher order): how many runs of text of the file hold it.
    pub counts: Vec<u64>,
    /// Whether the file was read to its end with every checksum right.
    pub readable: bool,
    /// Why it was not (no stored value in it).
    pub problem: Option<String>,
    /// Bytes searched (decompressed).
    pub bytes: u64,
    /// The compressor, when compressed.
    pub compressor: Option<&'static str>,
    /// The checksums verified.
    pub checked: Vec<&'static str>,
}

impl FileResult {
    /// Whether the file holds an identifier (among the bytes that could be read).
    pub fn holds(&self) -> bool {
        self.count() > 0
    }

    /// Runs of text holding an identifier, summed over identifiers.
    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// A node's or the whole check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every file was read, and none holds an identifier.
    Clean,
    /// At least one file holds an identifier.
    Holds,
    /// No file read holds one, but some file could not be read: not known.
    NotKnown,
}

impl Verdict {
    pub fn of<'a>(files: impl IntoIterator<Item = &'a FileResult>) -> Verdict {
        let mut verdict = Verdict::Clean;
        for f in files {
            if f.holds() {
                return Verdict::Holds;
            }
            if !f.readable {
                verdict = Verdict::NotKnown;
            }
        }
        verdict
    }

    pub fn combine(verdicts: impl IntoIterator<Item = Verdict>) -> Verdict {
        let mut out = Verdict::Clean;
        for v in verdicts {
            match v {
                Verdict::Holds => return Verdict::Holds,
                Verdict::NotKnown => out = Verdict::NotKnown,
                Verdict::Clean => {}
            }
        }
        out
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Clean => "clean",
            Verdict::Holds => "holds",
            Verdict::NotKnown => "not_known",
        }
    }
}

/// One node's files and verdict.
#[derive(Debug, Clone)]
pub struct NodeReport {
    pub dirs: NodeDirs,
    pub files: Vec<FileResult>,
    pub verdict: Verdict,
    /// Bytes searched (decompressed) and how long it took.
    pub bytes: u64,
    pub elapsed: Duration,
    /// When the node's files began to be listed and read (RFC 3339, UTC): the report states
    /// what the files held as of then.
    pub checked_at: String,
}

/// Reads every file of `keyspace` on one node, and its commit log and hints, with `threads`
/// threads (at least one).
pub fn check_node(
    dirs: &NodeDirs,
    keyspace: &str,
    matcher: &Matcher,
    threads: usize,
) -> NodeReport {
    let start = Instant::now();
    let checked_at = forgetme_audit::now_rfc3339();
    let (entries, walk_problems) = list_files(dirs, keyspace);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<FileResult>> = Mutex::new(Vec::with_capacity(entries.len()));
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1).min(entries.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(entry) = entries.get(i) else { break };
                let result = check_file(entry, matcher);
                results.lock().expect("no panic while holding").push(result);
            });
        }
    });
    let mut files = results.into_inner().expect("threads joined");
    files.extend(walk_problems);
    files.sort_by(|a, b| (a.entry.kind, &a.entry.path).cmp(&(b.entry.kind, &b.entry.path)));
    let verdict = Verdict::of(&files);
    let bytes = files.iter().map(|f| f.bytes).sum();
    NodeReport {
        dirs: dirs.clone(),
        files,
        verdict,
        bytes,
        elapsed: start.elapsed(),
        checked_at,
    }
}

/// Reads one file.
pub fn check_file(entry: &Entry, matcher: &Matcher) -> FileResult {
    let mut sink = stream::StreamMatcher::new(matcher);
    let outcome = read::read_file(&entry.path, &entry.format, &mut sink);
    let (readable, problem, info) = match outcome {
        Ok(info) => (true, None, info),
        Err(problem) => (false, Some(problem), read::ReadInfo::default()),
    };
    FileResult {
        entry: entry.clone(),
        counts: sink.counts().to_vec(),
        readable,
        problem,
        bytes: sink.bytes(),
        compressor: info.compressor,
        checked: info.checked,
    }
}

/// A data folder's keyspace folder.
pub fn keyspace_dir(data: &Path, keyspace: &str) -> PathBuf {
    data.join(keyspace)
}
