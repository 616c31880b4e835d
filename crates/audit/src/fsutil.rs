//! Small file-system helpers: private file creation, permission checks and directory syncs.
//!
//! They exist so that key and log handling share one notion of "private" and one way of
//! making a newly created file's directory entry durable.

use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use crate::AuditError;

/// Makes `opts` create files readable and writable by the owner only (0600 on unix), so that
/// no window exists in which a fresh key or log is readable by others.
pub(crate) fn private_mode(opts: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts
}

/// Makes `opts` refuse to open through a symlink (O_NOFOLLOW on unix), so that a link
/// planted between the check and the open is not followed either.
pub(crate) fn no_follow(opts: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NOFOLLOW);
    }
    opts
}

/// The permission bits of a file that group or others have any access to, or `None` when the
/// file is private (always `None` where unix modes do not exist).
pub(crate) fn shared_mode(meta: &Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Some(mode);
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    None
}

/// The directory a file path lives in; `.` for a bare file name.
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Fails with [`AuditError::DirMissing`] when the directory that should hold `path` does not
/// exist, which gives a better message than the bare "No such file or directory" of `open`.
pub(crate) fn require_parent_dir(
    path: &Path,
    what: &'static str,
    flag: &'static str,
) -> Result<(), AuditError> {
    let dir = parent_dir(path);
    if dir.is_dir() {
        Ok(())
    } else {
        Err(AuditError::DirMissing {
            what,
            flag,
            path: path.to_path_buf(),
            dir,
        })
    }
}

/// Fsyncs the directory holding `path`, so that a file just created survives a crash along
/// with its contents (on unix a file's own fsync does not persist its directory entry).
pub(crate) fn sync_parent_dir(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(parent_dir(path))?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
