//! Case and request references: the one free-form text a run writes into the audit log, the
//! receipt and the request ledger, so its shape is narrow enough to hold no e-mail address
//! and no phone number spelled with `+` or spaces.

/// Longest reference.
pub const MAX_REFERENCE_LEN: usize = 64;

/// Checks a case or request reference (`--case`, a request id): 1 to
/// [`MAX_REFERENCE_LEN`] letters, digits and `- _ . : / #`. Whether it holds one of the run's
/// identifiers is checked by the caller, who knows them.
pub fn check_reference(id: &str) -> Result<(), String> {
    // The commonest mistake has its own message: the person's e-mail address or phone number
    // given as the request's id. It would put the identifier into the ledger, the audit log
    // and every file name of the request.
    // Only text the ticket charset refuses anyway gets it (a `+`, a space or a parenthesis in
    // a number): digits and dashes alone are a common ticket format and stay allowed.
    let digits = id.bytes().filter(u8::is_ascii_digit).count();
    let phone_like = digits >= 7
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || b" +-.()/".contains(&b))
        && id.bytes().any(|b| b" +()".contains(&b));
    if id.contains('@') || phone_like {
        return Err(
            "this looks like the person's e-mail address or phone number: never use it as the case or request id, it would go into the ledger, the audit log and file names. Use the ticket number of your request tracker (e.g. DSR-2026-0042)"
                .into(),
        );
    }
    let charset_ok = id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.:/#".contains(&b));
    if id.is_empty() || id.len() > MAX_REFERENCE_LEN || !charset_ok {
        return Err(format!(
            "a case or request id is a ticket reference of 1 to {MAX_REFERENCE_LEN} letters, digits and - _ . : / # (e.g. DSR-2026-0042)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_number_passes_and_an_address_does_not() {
        for ok in ["DSR-2026-0042", "a", "JIRA:PRIV/12#3", &"x".repeat(64)] {
            assert!(check_reference(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "ann@example.com",
            "+44 20 7946 0000",
            "a b",
            &"x".repeat(65),
            "é",
        ] {
            assert!(check_reference(bad).is_err(), "{bad:?}");
        }
        // The person's identifiers get a message of their own.
        for identifier in [
            "ann.lee@customer.test",
            "+44 20 7946 0000",
            "(555) 010-0001",
        ] {
            let e = check_reference(identifier).unwrap_err();
            assert!(e.contains("never use it as the case or request id"), "{e}");
        }
    }
}
