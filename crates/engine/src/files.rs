//! The files a run writes (access export, erasure receipt) and reads (search file, layout,
//! password files): checked before anything is read, written atomically, read with a limit.
//!
//! An export or a receipt that cannot be written after the erasure is proof lost for data
//! already erased, so their paths are checked first (exit 2). Files holding personal data are
//! created 0600 whatever existed before, never through a symlink, and a receipt is never
//! replaced: each run's proof stays.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::failure::InputError;

/// How an output file may be treated when it exists already.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    /// Replace it (atomically, with a new 0600 file).
    Replace,
    /// Refuse: the file is proof of an earlier run.
    Refuse,
    /// Keep appending to it (the audit log): it must be a regular file, not a symlink.
    Append,
}

/// The directory a file path lives in; `.` for a bare file name.
pub fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Checks, before anything is read, that `path` can be written as the run will write it:
/// its folder exists and is writable, it is not a symlink or a folder, and (for a receipt)
/// it does not exist yet.
pub fn check_output(flag: &str, path: &Path, existing: Existing) -> Result<(), InputError> {
    let shown = path.display();
    let dir = parent_dir(path);
    match std::fs::metadata(&dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(InputError(format!(
                "{flag} {shown}: {} is not a folder",
                dir.display()
            )))
        }
        Err(_) => {
            return Err(InputError(format!(
                "{flag} {shown}: the folder {} does not exist; create it or give another path",
                dir.display()
            )))
        }
    }
    if !dir_writable(&dir) {
        return Err(InputError(format!(
            "{flag} {shown}: the folder {} is not writable by this user; give a path in a writable folder",
            dir.display()
        )));
    }
    match std::fs::symlink_metadata(path) {
        Err(_) => Ok(()),
        Ok(m) if m.file_type().is_symlink() => Err(InputError(format!(
            "{flag} {shown} is a symbolic link; it is not followed (it could point anywhere): give the real path"
        ))),
        Ok(m) if m.is_dir() => Err(InputError(format!(
            "{flag} {shown} is a folder; give a file name"
        ))),
        Ok(_) if existing == Existing::Refuse => Err(InputError(format!(
            "{flag} {shown} exists already; a receipt is never overwritten (it is an earlier run's proof): give a new file name"
        ))),
        Ok(m) if existing == Existing::Append && !m.is_file() => Err(InputError(format!(
            "{flag} {shown} is not a regular file; give the path of a log file"
        ))),
        Ok(_) => Ok(()),
    }
}

/// Whether this process may create files in `dir`.
fn dir_writable(dir: &Path) -> bool {
    #[cfg(unix)]
    {
        use nix::unistd::{access, AccessFlags};
        access(dir, AccessFlags::W_OK | AccessFlags::X_OK).is_ok()
    }
    #[cfg(not(unix))]
    {
        !std::fs::metadata(dir)
            .map(|m| m.permissions().readonly())
            .unwrap_or(true)
    }
}

/// Writes `bytes` to `path` atomically: a new 0600 temporary file in the same folder, synced,
/// then renamed over `path` (or, with [`Existing::Refuse`], linked to `path` only if nothing
/// is there). A symlink at `path` is refused, never followed. Readers see the old file or the
/// whole new one, never half a file; a full disk leaves `path` as it was.
pub fn write_atomic(path: &Path, bytes: &[u8], existing: Existing) -> Result<(), String> {
    let shown = path.display();
    if let Ok(m) = std::fs::symlink_metadata(path) {
        if m.file_type().is_symlink() {
            return Err(format!(
                "{shown} is a symbolic link; it is not followed: nothing was written"
            ));
        }
        if existing == Existing::Refuse {
            return Err(format!(
                "{shown} exists already and is never overwritten: nothing was written"
            ));
        }
    }
    let dir = parent_dir(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    // A new private (0600) file with a random name beside the target, created exclusively
    // (never through a symlink), removed again if anything below fails.
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| format!("cannot write {shown}: {e}"))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| format!("cannot write {shown}: {e}"))?;
    match existing {
        // A hard link never replaces an existing file, so a receipt written meanwhile by
        // another run stays.
        Existing::Refuse => tmp.persist_noclobber(path).map(drop).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                format!("{shown} exists already and is never overwritten: nothing was written")
            } else {
                format!("cannot write {shown}: {}", e.error)
            }
        })?,
        Existing::Replace | Existing::Append => tmp
            .persist(path)
            .map(drop)
            .map_err(|e| format!("cannot write {shown}: {}", e.error))?,
    }
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Writes a new file (0600, never through a symlink, never over an existing file) without
/// syncing it: for the many small files of a batch's fresh folders, which
/// [`sync_filesystem`] then makes durable at once. Until then a crash can lose them, and a
/// rerun refuses the half-written folder instead of mixing answers.
pub fn write_new_unsynced(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let shown = path.display();
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!("{shown} exists already and is never overwritten: nothing was written")
        } else {
            format!("cannot write {shown}: {e}")
        }
    })?;
    file.write_all(bytes)
        .map_err(|e| format!("cannot write {shown}: {e}"))
}

/// Flushes the whole file system holding `dir` to disk (`syncfs`): one flush for every file
/// written unsynced into it.
pub fn sync_filesystem(dir: &Path) -> Result<(), String> {
    let d = std::fs::File::open(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    #[cfg(target_os = "linux")]
    {
        rustix::fs::syncfs(&d).map_err(|e| format!("{}: {e}", dir.display()))
    }
    #[cfg(not(target_os = "linux"))]
    {
        d.sync_all().map_err(|e| format!("{}: {e}", dir.display()))
    }
}

/// Reads a text file of at most `limit` bytes; `what` names it in errors (e.g.
/// "--search-file x.txt"). `/dev/zero` or a huge file gets a clear refusal instead of taking
/// the machine's memory. A leading UTF-8 byte order mark is dropped.
pub fn read_text_limited(path: &Path, limit: u64, what: &str) -> Result<String, InputError> {
    let file = std::fs::File::open(path)
        .map_err(|e| InputError(format!("{what}: cannot read it ({e})")))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| InputError(format!("{what}: cannot read it ({e})")))?;
    if bytes.len() as u64 > limit {
        return Err(InputError(format!(
            "{what}: larger than {} KiB, the most this file may hold; check the path (or split the file)",
            limit / 1024
        )));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        InputError(format!(
            "{what}: not UTF-8 text; save it as UTF-8 (one entry a line)"
        ))
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// Largest `--search-file`: a million identifiers of 60 characters.
const MAX_SEARCH_FILE: u64 = 64 * 1024 * 1024;
/// Largest `--layout` file.
const MAX_LAYOUT_FILE: u64 = 1024 * 1024;

/// Reads `--search-file`'s identifiers, one a line; `#` starts a comment line. Origins name
/// the line, not the value.
pub fn read_search_file(path: &Path) -> Result<Vec<(String, String)>, InputError> {
    let shown = format!("{}", path.display());
    let text = read_text_limited(path, MAX_SEARCH_FILE, &format!("--search-file {shown}"))?;
    Ok(forgetme_matcher::search_file_entries(&text, &shown))
}

/// `--layout FILE`, read and checked; the reference layout without one.
pub fn read_layout(path: Option<&Path>) -> Result<forgetme_scanner::layout::Layout, InputError> {
    use forgetme_scanner::layout::Layout;
    Ok(match path {
        Some(path) => {
            let shown = path.display().to_string();
            let text = read_text_limited(path, MAX_LAYOUT_FILE, &format!("--layout {shown}"))?;
            Layout::from_toml(&text, &shown).map_err(|e| InputError::new(e.to_string()))?
        }
        None => Layout::reference(),
    })
}

/// The files an erasure writes, checked before anything is read: a receipt that cannot be
/// written after an erasure would lose the proof of data already erased. `receipt` is
/// `--receipt`; without it, the receipt is named after the run, beside the audit log, and only
/// its folder can be checked now.
pub fn check_erasure_outputs(audit_log: &Path, receipt: Option<&Path>) -> Result<(), InputError> {
    check_output("--audit-log", audit_log, Existing::Append)?;
    match receipt {
        Some(p) => {
            check_output("--receipt", p, Existing::Refuse)?;
            check_output("--receipt", &p.with_extension("txt"), Existing::Refuse)
        }
        None => check_output(
            "--audit-log (the receipt is written beside it)",
            &parent_dir(audit_log).join("gdpr_forget_me.receipt.check.json"),
            Existing::Refuse,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_file_is_new_and_private_whatever_was_there() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("export.json");
        std::fs::write(&p, "old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_atomic(&p, b"new", Existing::Replace).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(mode(&p), 0o600);
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_refused_and_their_targets_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, "keep").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(write_atomic(&link, b"x", Existing::Replace).is_err());
        assert!(check_output("--export", &link, Existing::Replace).is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
        let dangling = dir.path().join("dangling.jsonl");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        assert!(check_output("--audit-log", &dangling, Existing::Append).is_err());
        assert!(!dir.path().join("nowhere").exists());
    }

    #[test]
    fn a_receipt_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        write_atomic(&p, b"first", Existing::Refuse).unwrap();
        assert!(write_atomic(&p, b"second", Existing::Refuse).is_err());
        assert!(check_output("--receipt", &p, Existing::Refuse).is_err());
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "first");
    }

    #[test]
    fn missing_folders_are_refused_before_anything() {
        let err = check_output(
            "--export",
            Path::new("/nonexistent-folder/x.json"),
            Existing::Replace,
        )
        .unwrap_err();
        assert!(err.0.contains("does not exist"), "{}", err.0);
    }

    #[test]
    fn reads_are_bounded_and_a_bom_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("list.txt");
        std::fs::write(&p, "\u{feff}a@b.com\n").unwrap();
        assert_eq!(read_text_limited(&p, 100, "x").unwrap(), "a@b.com\n");
        let err =
            read_text_limited(Path::new("/dev/zero"), 1024, "--search-file /dev/zero").unwrap_err();
        assert!(err.0.contains("larger than"), "{}", err.0);
    }
}
