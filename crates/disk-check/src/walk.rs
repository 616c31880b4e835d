//! Which files of a node are read, and how.
//!
//! Layout (Cassandra's Directories and Descriptor): `<data>/<keyspace>/<table>-<table id>/`
//! holds the live SSTables as `<version>-<generation>-<format>-<Component>` files,
//! `.<index>/` the SSTables of a secondary index, `snapshots/<tag>/` and `backups/` hard links
//! of SSTables. The commit log and hints are per node, not per keyspace: every file is read.

use std::fs;
use std::path::{Path, PathBuf};

use crate::read::Format;
use crate::{FileResult, Kind, NodeDirs};

/// A file to read.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: PathBuf,
    pub kind: Kind,
    /// The table (for SSTables, snapshots and backups).
    pub table: Option<String>,
    /// The secondary index, when the file is one of its SSTables.
    pub index: Option<String>,
    /// The snapshot's tag.
    pub snapshot: Option<String>,
    pub format: Format,
}

/// Cassandra's default `commitlog_directory` for a data folder: `commitlog` beside it
/// (`$CASSANDRA_HOME/data/{data,commitlog,hints}`, `/var/lib/cassandra/{data,commitlog,hints}`).
pub fn default_commitlog_dir(data: &Path) -> PathBuf {
    beside(data, "commitlog")
}

/// Cassandra's default `hints_directory` for a data folder: `hints` beside it.
pub fn default_hints_dir(data: &Path) -> PathBuf {
    beside(data, "hints")
}

fn beside(data: &Path, name: &str) -> PathBuf {
    let absolute = std::path::absolute(data).unwrap_or_else(|_| data.to_path_buf());
    match absolute.parent() {
        Some(parent) => parent.join(name),
        None => absolute.join("..").join(name),
    }
}

/// Every file of `keyspace` on the node, its commit log segments and hints files; and a
/// result (not readable) for each entry that is not a regular file or could not be listed.
pub fn list_files(dirs: &NodeDirs, keyspace: &str) -> (Vec<Entry>, Vec<FileResult>) {
    let mut w = Walk::default();
    let ks = dirs.data.join(keyspace);
    match fs::read_dir(&ks) {
        Err(e) => w.problem(
            &ks,
            Kind::Sstable,
            format!("cannot list the keyspace folder: {e}"),
        ),
        Ok(rd) => {
            let mut tables: Vec<PathBuf> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
            tables.sort();
            for table_dir in tables {
                match kind_of(&table_dir) {
                    Some(FsKind::Dir) => {
                        let name = table_dir.file_name().unwrap_or_default().to_string_lossy();
                        let table = table_name(&name);
                        w.table(&table_dir, &table);
                    }
                    Some(FsKind::File) => w.add(&table_dir, Kind::Sstable, None, None, None),
                    _ => w.not_regular(&table_dir, Kind::Sstable),
                }
            }
        }
    }
    w.flat(&dirs.commitlog, Kind::Commitlog);
    w.flat(&dirs.hints, Kind::Hints);
    (w.entries, w.problems)
}

/// `settings-0123...` → `settings`: the table id is the last 32 hex digits after a `-`.
fn table_name(dir: &str) -> String {
    match dir.rsplit_once('-') {
        Some((name, id)) if id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) => {
            name.to_string()
        }
        _ => dir.to_string(),
    }
}

enum FsKind {
    Dir,
    File,
    Other,
}

/// What `path` is, following a symbolic link to a file but not to a folder (no loops).
fn kind_of(path: &Path) -> Option<FsKind> {
    let link = fs::symlink_metadata(path).ok()?;
    if link.is_dir() {
        return Some(FsKind::Dir);
    }
    if link.is_file() {
        return Some(FsKind::File);
    }
    match fs::metadata(path) {
        Ok(m) if m.is_file() => Some(FsKind::File),
        _ => Some(FsKind::Other),
    }
}

#[derive(Default)]
struct Walk {
    entries: Vec<Entry>,
    problems: Vec<FileResult>,
}

impl Walk {
    fn problem(&mut self, path: &Path, kind: Kind, problem: String) {
        self.problems.push(FileResult {
            entry: Entry {
                path: path.to_path_buf(),
                kind,
                table: None,
                index: None,
                snapshot: None,
                format: Format::Raw,
            },
            counts: Vec::new(),
            readable: false,
            problem: Some(problem),
            bytes: 0,
            compressor: None,
            checked: Vec::new(),
        });
    }

    fn not_regular(&mut self, path: &Path, kind: Kind) {
        self.problem(
            path,
            kind,
            "not a regular file (a socket, pipe, device or a link to a folder): its content cannot be checked".into(),
        );
    }

    fn sorted(&mut self, dir: &Path, kind: Kind) -> Vec<PathBuf> {
        match fs::read_dir(dir) {
            Ok(rd) => {
                let mut v: Vec<PathBuf> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
                v.sort();
                v
            }
            Err(e) => {
                self.problem(dir, kind, format!("cannot list the folder: {e}"));
                Vec::new()
            }
        }
    }

    /// A table folder: its SSTables, its indexes' SSTables, snapshots and backups.
    fn table(&mut self, dir: &Path, table: &str) {
        for path in self.sorted(dir, Kind::Sstable) {
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            match kind_of(&path) {
                Some(FsKind::Dir) if name == "snapshots" => {
                    for snap in self.sorted(&path, Kind::Snapshot) {
                        let tag = snap
                            .file_name()
                            .unwrap_or_default()
                            .to_string_lossy()
                            .into_owned();
                        self.tree(&snap, Kind::Snapshot, table, Some(&tag), None);
                    }
                }
                Some(FsKind::Dir) if name == "backups" => {
                    self.tree(&path, Kind::Backup, table, None, None)
                }
                Some(FsKind::Dir) => {
                    let index = name.strip_prefix('.').unwrap_or(&name).to_string();
                    self.tree(&path, Kind::Sstable, table, None, Some(&index));
                }
                Some(FsKind::File) => self.add(&path, Kind::Sstable, Some(table), None, None),
                _ => self.not_regular(&path, Kind::Sstable),
            }
        }
    }

    /// Every file under `dir`, as `kind`.
    fn tree(
        &mut self,
        dir: &Path,
        kind: Kind,
        table: &str,
        snapshot: Option<&str>,
        index: Option<&str>,
    ) {
        if kind_of(dir).is_some_and(|k| matches!(k, FsKind::File)) {
            self.add(dir, kind, Some(table), snapshot, index);
            return;
        }
        for path in self.sorted(dir, kind) {
            match kind_of(&path) {
                Some(FsKind::Dir) => {
                    let name = path
                        .file_name()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .into_owned();
                    // An index's SSTables inside a snapshot or backup.
                    let index = name
                        .strip_prefix('.')
                        .map(str::to_string)
                        .or(index.map(str::to_string));
                    self.tree(&path, kind, table, snapshot, index.as_deref());
                }
                Some(FsKind::File) => self.add(&path, kind, Some(table), snapshot, index),
                _ => self.not_regular(&path, kind),
            }
        }
    }

    /// A flat folder of one kind (commit log, hints). A missing folder is a problem of its
    /// own: the caller checked that it exists before the check began.
    fn flat(&mut self, dir: &Path, kind: Kind) {
        for path in self.sorted(dir, kind) {
            match kind_of(&path) {
                Some(FsKind::File) => {
                    let name = path.file_name().unwrap_or_default().to_string_lossy();
                    let format = match kind {
                        Kind::Commitlog
                            if name.starts_with("CommitLog-") && name.ends_with(".log") =>
                        {
                            Format::CommitLog
                        }
                        Kind::Hints if name.ends_with(".hints") => Format::Hints,
                        _ => Format::Raw,
                    };
                    self.entries.push(Entry {
                        path,
                        kind,
                        table: None,
                        index: None,
                        snapshot: None,
                        format,
                    });
                }
                Some(FsKind::Dir) => {} // e.g. an archive folder: not Cassandra's
                _ => self.not_regular(&path, kind),
            }
        }
    }

    fn add(
        &mut self,
        path: &Path,
        kind: Kind,
        table: Option<&str>,
        snapshot: Option<&str>,
        index: Option<&str>,
    ) {
        self.entries.push(Entry {
            path: path.to_path_buf(),
            kind,
            table: table.map(str::to_string),
            index: index.map(str::to_string),
            snapshot: snapshot.map(str::to_string),
            format: sstable_format(path),
        });
    }
}

/// How an SSTable component is read: `Data.db` through its `CompressionInfo.db` (or `CRC.db`),
/// with `Digest.crc32`; every other component as it is.
fn sstable_format(path: &Path) -> Format {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let Some(prefix) = name.strip_suffix("Data.db") else {
        return Format::Raw;
    };
    let sibling = |component: &str| {
        let p = path.with_file_name(format!("{prefix}{component}"));
        p.is_file().then_some(p)
    };
    let digest = sibling("Digest.crc32");
    match sibling("CompressionInfo.db") {
        Some(info) => Format::CompressedData { info, digest },
        None => Format::PlainData {
            crc: sibling("CRC.db"),
            digest,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_drop_the_table_id() {
        assert_eq!(
            table_name("settings-d027f140f02911f1a6f409f52b20b1a7"),
            "settings"
        );
        assert_eq!(table_name("my-table"), "my-table");
    }

    #[test]
    fn commit_log_and_hints_are_beside_the_data_folder() {
        assert_eq!(
            default_commitlog_dir(Path::new("/var/lib/cassandra/data")),
            PathBuf::from("/var/lib/cassandra/commitlog")
        );
        assert_eq!(
            default_hints_dir(Path::new("/var/lib/cassandra/data/")),
            PathBuf::from("/var/lib/cassandra/hints")
        );
    }
}
