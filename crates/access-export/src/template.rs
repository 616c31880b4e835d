//! The controller's template: the GDPR Art. 15(1) and 15(2) information that every subject's
//! copy carries, written once by the controller in a TOML file (`--subject-template FILE`).
//!
//! Every field is plain text (blank lines start a new paragraph). Every field but `dpo` is
//! required and must say something, even "none": a copy that leaves out the right to complain
//! or the retention period is not an answer to Art. 15. A field the template does not know is
//! refused too, so a misspelt `retension` is caught instead of silently missing.
//! `templates/subject-copy.toml` is the example; docs/export-and-receipt.md documents each
//! field.

use serde::{Deserialize, Serialize};

/// The controller's information, checked: every required field is present and not blank.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SubjectTemplate {
    /// Who the controller is: name and postal address (Art. 13(1)(a), repeated in every copy
    /// so the person knows who answers).
    pub controller: String,
    /// How to reach the controller about this copy.
    pub contact: String,
    /// The data protection officer's contact, when there is one.
    pub dpo: Option<String>,
    /// Art. 15(1)(a): why the data is processed.
    pub purposes: String,
    /// Art. 15(1)(c): who receives it.
    pub recipients: String,
    /// Art. 15(2): transfers to third countries and their safeguards (or "none").
    pub transfers: String,
    /// Art. 15(1)(d): how long it is kept, or how that is decided.
    pub retention: String,
    /// Art. 15(1)(g): where it came from.
    pub source: String,
    /// Art. 15(1)(h): automated decisions, profiling (or "none").
    pub automated_decisions: String,
    /// Art. 15(1)(e): rectification, erasure, restriction, objection, and how to ask.
    pub rights: String,
    /// Art. 15(1)(f): the right to lodge a complaint, with which supervisory authority.
    pub complaint: String,
}

/// The file as read, every field optional, so that every missing one is named at once.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    controller: Option<String>,
    contact: Option<String>,
    dpo: Option<String>,
    purposes: Option<String>,
    recipients: Option<String>,
    transfers: Option<String>,
    retention: Option<String>,
    source: Option<String>,
    automated_decisions: Option<String>,
    rights: Option<String>,
    complaint: Option<String>,
}

/// The required fields, in the order the copy shows them.
pub const REQUIRED_FIELDS: &[&str] = &[
    "controller",
    "contact",
    "purposes",
    "recipients",
    "transfers",
    "retention",
    "source",
    "automated_decisions",
    "rights",
    "complaint",
];

/// The optional fields.
pub const OPTIONAL_FIELDS: &[&str] = &["dpo"];

impl SubjectTemplate {
    /// Parses and checks a template's text. The error says what to fix (a TOML error with its
    /// line, an unknown field, or every required field that is missing or blank).
    pub fn parse(text: &str) -> Result<SubjectTemplate, String> {
        let raw: RawTemplate = toml::from_str(text).map_err(|e| {
            let msg = e.message().to_string();
            match e.span() {
                Some(span) => {
                    let line = text[..span.start.min(text.len())].lines().count().max(1);
                    format!("line {line}: {msg}")
                }
                None => msg,
            }
        })?;
        let mut missing = Vec::new();
        let mut take = |name: &'static str, v: Option<String>| -> String {
            match v {
                Some(s) if !s.trim().is_empty() => s.trim().to_string(),
                _ => {
                    missing.push(name);
                    String::new()
                }
            }
        };
        let t = SubjectTemplate {
            controller: take("controller", raw.controller),
            contact: take("contact", raw.contact),
            dpo: raw
                .dpo
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
            purposes: take("purposes", raw.purposes),
            recipients: take("recipients", raw.recipients),
            transfers: take("transfers", raw.transfers),
            retention: take("retention", raw.retention),
            source: take("source", raw.source),
            automated_decisions: take("automated_decisions", raw.automated_decisions),
            rights: take("rights", raw.rights),
            complaint: take("complaint", raw.complaint),
        };
        if !missing.is_empty() {
            return Err(format!(
                "missing or empty field(s): {} (every field but dpo must say something, \"none\" included; templates/subject-copy.toml shows each)",
                missing.join(", ")
            ));
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../../templates/subject-copy.toml");
    const DOCS: &str = include_str!("../../../docs/export-and-receipt.md");

    #[test]
    fn the_shipped_example_is_complete_and_every_field_is_documented() {
        let t = SubjectTemplate::parse(EXAMPLE).unwrap();
        assert!(t.dpo.is_some());
        assert!(t.complaint.to_lowercase().contains("supervisory authority"));
        for f in REQUIRED_FIELDS.iter().chain(OPTIONAL_FIELDS) {
            assert!(
                EXAMPLE.contains(&format!("\n{f} =")),
                "{f} is not in the example"
            );
            assert!(
                DOCS.contains(&format!("| `{f}` |")),
                "{f} is not documented in docs/export-and-receipt.md"
            );
        }
    }

    #[test]
    fn every_missing_or_blank_field_is_named_at_once() {
        let text = "controller = \"C\"\ncontact = \"  \"\npurposes = \"p\"\n";
        let e = SubjectTemplate::parse(text).unwrap_err();
        assert!(e.contains("contact, recipients, transfers, retention, source, automated_decisions, rights, complaint"), "{e}");
        assert!(!e.contains("controller,"), "{e}");
        assert!(
            !e.contains("complaint, dpo") && !e.contains(": dpo"),
            "dpo is optional: {e}"
        );
    }

    #[test]
    fn an_unknown_field_and_bad_toml_are_refused_with_where() {
        let e =
            SubjectTemplate::parse(&EXAMPLE.replace("\nretention =", "\nretension =")).unwrap_err();
        assert!(e.contains("retension"), "{e}");
        let e = SubjectTemplate::parse("controller = \"C\"\npurposes = unquoted\n").unwrap_err();
        assert!(e.starts_with("line 2:"), "{e}");
    }
}
