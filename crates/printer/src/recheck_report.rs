//! What a receipt's re-check found: a line per location whose data is back or that could not
//! be read, then the verdict. Locations are named by table, owner, group and setting key
//! (never a value); driver errors are cut to their first line and made printable.

use std::fmt::Write;

use forgetme_erasure_receipt::recheck::Recheck;
use forgetme_erasure_receipt::Receipt;

use crate::report::terminal_safe;

/// The re-check's lines. `read_at` names the consistency the locations were read at;
/// `every_copy` says they were read at ALL (the verdict and the advice differ).
pub fn to_text(receipt: &Receipt, result: &Recheck, read_at: &str, every_copy: bool) -> String {
    let mut t = String::new();
    for i in &result.back {
        let l = &receipt.locations[*i];
        let line = format!(
            "DATA IS BACK: {}  owner {}  group {}  setting {}",
            l.table,
            l.owner_id,
            l.group,
            l.setting_key
                .as_deref()
                .or(l.setting_key_ref.as_deref())
                .unwrap_or("")
        );
        let _ = writeln!(t, "{}", terminal_safe(&line));
    }
    for (i, e) in &result.unreadable {
        // Driver text: the first line, shortened and made printable.
        let first: String = e
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(300)
            .collect();
        let _ = writeln!(
            t,
            "UNREADABLE: location {} of the receipt at {read_at}: {}",
            i + 1,
            terminal_safe(&first)
        );
    }
    if result.clean() {
        let _ = writeln!(
            t,
            "clean: {} location(s) of receipt {} re-read at {read_at}; {} holds the identifier(s).",
            result.checked,
            terminal_safe(&receipt.run_id),
            if every_copy { "no copy" } else { "none" }
        );
    } else {
        let _ = writeln!(
            t,
            "NOT CLEAN: {} location(s) hold the identifier(s) again, {} could not be read at {read_at}.",
            result.back.len(),
            result.unreadable.len()
        );
        if !result.unreadable.is_empty() && every_copy {
            let _ = writeln!(
                t,
                "A replica that cannot answer may still hold erased values: bring it back, run nodetool repair of the keyspace within gc_grace_seconds, and re-check. Without a repair in time the erased values come back everywhere."
            );
        }
    }
    t
}
