//! What may enter the ledger: a request id of the `--case` form, and an extension's reason
//! that does not carry the subject's e-mail address or phone number.

/// Longest extension reason.
pub const MAX_REASON_LEN: usize = 500;

/// Checks a request id: the same rule as `--case` (the audit crate's
/// [`forgetme_audit::check_reference`]), as a run's case is its request id.
pub fn check_request_id(id: &str) -> Result<(), String> {
    forgetme_audit::check_reference(id)
}

/// Checks an extension's reason. The ledger never holds a raw identifier, and the reason is
/// the one free text in it, so text that looks like an e-mail address (an `@`) or a phone
/// number (seven or more digits in one run of digits, spaces and `+-.()/`, a `YYYY-MM-DD` date
/// excepted) is refused, as are control characters.
pub fn check_reason(reason: &str) -> Result<(), String> {
    let trimmed = reason.trim();
    if trimmed.is_empty() {
        return Err("--reason is empty: say why the request needs more time (Art. 12(3): its complexity or the number of requests), e.g. --reason \"complex: data in 3 systems\"".into());
    }
    if reason.chars().count() > MAX_REASON_LEN {
        return Err(format!(
            "--reason is longer than {MAX_REASON_LEN} characters: keep the ledger's reason short and keep the full file in the case's ticket"
        ));
    }
    if reason.chars().any(char::is_control) {
        return Err(
            "--reason holds a control character (a line break, a tab...): write it on one line"
                .into(),
        );
    }
    if reason.contains('@') || holds_phone_like_run(reason) {
        return Err("--reason looks like it holds an e-mail address or a phone number; the ledger never holds the subject's identifiers: describe the reason in words, without them".into());
    }
    Ok(())
}

/// Whether `text` has a run of phone-number characters holding seven or more digits, other
/// than an ISO date.
fn holds_phone_like_run(text: &str) -> bool {
    let is_phone_char = |c: char| c.is_ascii_digit() || " +-.()/".contains(c);
    let mut run = String::new();
    let check = |run: &str| {
        let digits = run.chars().filter(char::is_ascii_digit).count();
        let trimmed = run.trim_matches(|c: char| !c.is_ascii_digit());
        digits >= 7 && crate::dates::parse_date(trimmed).is_none()
    };
    for c in text.chars() {
        if is_phone_char(c) {
            run.push(c);
        } else {
            if check(&run) {
                return true;
            }
            run.clear();
        }
    }
    check(&run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_follow_the_case_rule() {
        for ok in ["DSR-2026-0042", "a", "T:1/2#3_x.y", &"X".repeat(64)] {
            assert!(check_request_id(ok).is_ok(), "{ok}");
        }
        for bad in ["", "DSR 42", "a@b.com", &"X".repeat(65), "dsr\n1", "é"] {
            assert!(check_request_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_reason_may_not_carry_an_identifier() {
        for ok in [
            "complex request: data in 3 systems",
            "received 2026-11-02 via post, 14 agents involved",
            "many requests this month (12)",
        ] {
            assert!(check_reason(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "   ",
            "subject john.smith@pizza.com has several accounts",
            "caller +1 555 010 0001",
            "number 555-010-0001",
            "two lines\nhere",
            &"x".repeat(501),
        ] {
            assert!(check_reason(bad).is_err(), "{bad:?}");
        }
    }
}
