//! Stamps the binary with what `gdpr_forget_me --version` prints: the package version, the git
//! commit it was built from and the build date, so an operator (or an auditor) can tell which
//! build ran. A tree without git (an exported source tree, `cargo install --path .` from a
//! tarball) says "unknown" for the commit instead of failing.
//!
//! The build date is the UTC day of the build, or of `SOURCE_DATE_EPOCH` when set (reproducible
//! builds).

use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    let commit = git_commit().unwrap_or_else(|| "unknown".to_string());
    let date = build_date();
    println!(
        "cargo:rustc-env=GDPR_FORGET_ME_VERSION={} (commit {commit}, built {date})",
        env!("CARGO_PKG_VERSION")
    );
}

/// The commit checked out in the package's own git work tree, if it is one. Asks git to be
/// re-run when HEAD or the branch it points at moves.
fn git_commit() -> Option<String> {
    let dir = std::env::var("CARGO_MANIFEST_DIR").ok()?;
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(&dir)
            .args(args)
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
        (!text.is_empty()).then_some(text)
    };
    // Only the package's own repository counts: a tree exported into some other repository's
    // work tree must not borrow that repository's commit.
    let toplevel = git(&["rev-parse", "--show-toplevel"])?;
    if Path::new(&toplevel).canonicalize().ok()? != Path::new(&dir).canonicalize().ok()? {
        return None;
    }
    let commit = git(&["rev-parse", "HEAD"])?;
    for watched in ["HEAD", "packed-refs"] {
        if let Some(path) = git(&["rev-parse", "--git-path", watched]) {
            println!("cargo:rerun-if-changed={}", absolute(&dir, &path));
        }
    }
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        if let Some(path) = git(&["rev-parse", "--git-path", branch.as_str()]) {
            println!("cargo:rerun-if-changed={}", absolute(&dir, &path));
        }
    }
    Some(commit.chars().take(12).collect())
}

fn absolute(dir: &str, path: &str) -> String {
    let p = Path::new(path);
    if p.is_absolute() {
        path.to_string()
    } else {
        Path::new(dir).join(p).display().to_string()
    }
}

/// YYYY-MM-DD (UTC) of SOURCE_DATE_EPOCH or of now.
fn build_date() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}
