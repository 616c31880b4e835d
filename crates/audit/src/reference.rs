//! Case and request references: the one free-form text a run writes into the audit log, the
//! receipt and the request ledger, so its shape is narrow enough to hold no e-mail address
//! and no phone number spelled with `+` or spaces.

use serde::{Deserialize, Serialize};

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

/// A case or request reference (`--case`, a batch request's id), checked by
/// [`check_reference`] when it is made, so that whatever holds one (the audit log's
/// `run_start`, the receipt, a batch's folder names and summaries, the subject's copy) holds a
/// reference of that shape and nothing else. It reads back the same way: a document whose
/// reference does not pass the rule does not parse.
///
/// The rule it cannot check is the run's own: that it holds none of the identifiers searched
/// for (the caller knows them, and checks before making one).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct CaseRef(String);

impl CaseRef {
    /// `text` as a reference, or why it is none (the message never repeats the text: it may
    /// be the person's e-mail address or phone number).
    pub fn new(text: &str) -> Result<CaseRef, String> {
        check_reference(text)?;
        Ok(CaseRef(text.to_string()))
    }

    /// The reference as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CaseRef {
    type Error = String;

    fn try_from(text: String) -> Result<CaseRef, String> {
        check_reference(&text)?;
        Ok(CaseRef(text))
    }
}

impl std::str::FromStr for CaseRef {
    type Err = String;

    fn from_str(text: &str) -> Result<CaseRef, String> {
        CaseRef::new(text)
    }
}

impl std::ops::Deref for CaseRef {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for CaseRef {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CaseRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for CaseRef {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for CaseRef {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// Written as the plain string it is.
impl Serialize for CaseRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_ref_is_made_only_of_a_reference_and_reads_back_the_same_way() {
        let case = CaseRef::new("DSR-2026-0042").unwrap();
        assert_eq!(case, "DSR-2026-0042");
        assert_eq!(serde_json::to_string(&case).unwrap(), "\"DSR-2026-0042\"");
        let back: CaseRef = serde_json::from_str("\"DSR-2026-0042\"").unwrap();
        assert_eq!(back, case);
        assert!(CaseRef::new("ann@example.com").is_err());
        let e = serde_json::from_str::<CaseRef>("\"ann@example.com\"").unwrap_err();
        assert!(!e.to_string().contains("ann@"), "{e}");
    }

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
