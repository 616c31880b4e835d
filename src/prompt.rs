//! The operator's confirmation at the terminal: the engine's `Confirm` callback of the
//! command line.

use std::io::{IsTerminal, Write};

use forgetme_engine::erasure::Confirmation;
use forgetme_printer::erasure_report::owner;
use forgetme_printer::report::{identifier_line, printable, terminal_safe};

/// [`forgetme_engine::erasure::Confirm`]: lists the plan on stderr and asks. `true` to go on.
///
/// The identifiers the plan erases are listed with how each was read, so that a number read
/// in the wrong region is caught before anything changes; their values only when stderr is
/// the operator's terminal.
pub fn confirm_at_terminal(c: &Confirmation<'_>) -> bool {
    let (targets, size, names, gws, ids, preview) =
        (c.targets, c.size, c.names, c.gws, c.identifiers, c.preview);
    let mut err = std::io::stderr().lock();
    let show_identifiers = std::io::stderr().is_terminal();
    let _ = writeln!(
        err,
        "\nAbout to erase the data subject from {} through GWS at {}:",
        size.describe(),
        printable(gws)
    );
    let erased: std::collections::BTreeSet<usize> = targets
        .iter()
        .flat_map(|t| t.identifiers.iter().copied())
        .collect();
    let _ = writeln!(err, "Identifiers found in these settings:");
    for i in erased {
        let line = identifier_line(i, &ids[i], show_identifiers);
        let _ = writeln!(err, "  {}", terminal_safe(&line));
    }
    for t in targets {
        let line = format!(
            "  {}  group {}  setting {}  (found at {}; {} match): {}",
            owner(t, names),
            printable(&t.group),
            printable(&t.setting_key),
            printable(&t.json_paths.join(", ")),
            if t.possible { "possible" } else { "exact" },
            printable(&preview(t).describe())
        );
        let _ = writeln!(err, "{}", terminal_safe(&line));
    }
    if size.possible_only > 0 {
        let _ = writeln!(
            err,
            "Left alone: {} setting(s) holding only possible matches.",
            size.possible_only
        );
    }
    let _ = writeln!(
        err,
        "In all: {} ({} possible match(es) left alone).",
        size.describe(),
        size.possible_only
    );
    let _ = writeln!(
        err,
        "Each setting is read again first and planned again: the subject's contact record goes (a favorite card is the whole setting; one entry of a list, one member of a category), and a record that also holds other people's records is not changed (needs review)."
    );
    if !std::io::stdin().is_terminal() {
        return false;
    }
    let _ = write!(err, "Type yes to erase: ");
    let _ = err.flush();
    let mut answer = String::new();
    if std::io::stdin().read_line(&mut answer).is_err() {
        return false;
    }
    answer.trim().eq_ignore_ascii_case("yes")
}
