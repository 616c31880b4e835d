//! Case and request references: the one free-form text a run writes into the audit log, the
//! receipt and the request ledger, so its shape is narrow enough to hold no e-mail address
//! and no phone number spelled with `+` or spaces.

/// Longest reference.
pub const MAX_REFERENCE_LEN: usize = 64;

/// Checks a case or request reference (`--case`, a request id): 1 to
/// [`MAX_REFERENCE_LEN`] letters, digits and `- _ . : / #`. Whether it holds one of the run's
/// identifiers is checked by the caller, who knows them.
pub fn check_reference(id: &str) -> Result<(), String> {
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
    }
}
