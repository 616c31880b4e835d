//! The controller's template: the GDPR Art. 15(1) and 15(2) information that every subject's
//! copy carries, written once by the controller in a TOML file (`--subject-template FILE`).
//!
//! Every field is plain text (blank lines start a new paragraph). Every field but `dpo` is
//! required and must say something, even "none": a copy that leaves out the right to complain
//! or the retention period is not an answer to Art. 15. A field the template does not know is
//! refused too, so a misspelt `retension` is caught instead of silently missing.
//! `templates/subject-copy.toml` is the example; docs/export-and-receipt.md documents each
//! field.
//!
//! The example's values are a fictional company's: a template that still holds any of them
//! (compared field by field with every shipped example, white space aside), or names the
//! example's `pizza.example`, is refused, naming each such field, so that an officer who
//! filled in only `controller` does not send the fictional company's contact and supervisory
//! authority to a person.
//!
//! A template is in one language (`language`, default `en`), and may change the copy's own
//! words in its `[words]` table ([`crate::words`]); [`Templates`] holds one per language.

use serde::{Deserialize, Serialize};

use crate::words::{Language, Words};

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
    /// The language of its text and of the copies it makes (the subject's copy says it).
    #[serde(skip)]
    pub language: Language,
    /// The copy's own words: the shipped ones of its language with the template's changes.
    #[serde(skip)]
    pub words: Words,
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
    language: Option<String>,
    words: Option<toml::Table>,
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

/// A text the example names its fictional company by (its e-mail domain): no controller's
/// template holds it.
pub const EXAMPLE_DOMAIN: &str = "pizza.example";

impl SubjectTemplate {
    /// Parses and checks a controller's template. The error says what to fix (a TOML error
    /// with its line, an unknown field or word, every required field that is missing or blank,
    /// a language not shipped, or every field that still holds the example's text).
    pub fn parse(text: &str) -> Result<SubjectTemplate, String> {
        let t = SubjectTemplate::parse_allowing_example(text)?;
        let left = t.example_fields();
        if !left.is_empty() {
            return Err(format!(
                "field(s) still holding the example's text: {} (the example's values are a fictional company's; write your own in each field, and do not name {EXAMPLE_DOMAIN}: the copy goes to the person as it is)",
                left.join(", ")
            ));
        }
        Ok(t)
    }

    /// The fields (the controller's information, not the words) whose text is one of the
    /// shipped examples' (white space aside), or names [`EXAMPLE_DOMAIN`].
    pub fn example_fields(&self) -> Vec<&'static str> {
        let same = |a: &str, b: &str| a.split_whitespace().eq(b.split_whitespace());
        let examples: Vec<SubjectTemplate> = Language::ALL
            .into_iter()
            .map(|l| {
                SubjectTemplate::parse_allowing_example(l.shipped_text())
                    .expect("the shipped examples parse")
            })
            .collect();
        self.fields()
            .into_iter()
            .filter(|(name, mine)| {
                let Some(mine) = mine else { return false };
                mine.to_ascii_lowercase().contains(EXAMPLE_DOMAIN)
                    || examples.iter().any(|e| {
                        e.fields()
                            .into_iter()
                            .any(|(n, theirs)| n == *name && theirs.is_some_and(|t| same(mine, t)))
                    })
            })
            .map(|(name, _)| name)
            .collect()
    }

    /// Every field of the controller's information by name, in the file's order.
    fn fields(&self) -> [(&'static str, Option<&str>); 11] {
        [
            ("controller", Some(&self.controller)),
            ("contact", Some(&self.contact)),
            ("dpo", self.dpo.as_deref()),
            ("purposes", Some(&self.purposes)),
            ("recipients", Some(&self.recipients)),
            ("transfers", Some(&self.transfers)),
            ("retention", Some(&self.retention)),
            ("source", Some(&self.source)),
            ("automated_decisions", Some(&self.automated_decisions)),
            ("rights", Some(&self.rights)),
            ("complaint", Some(&self.complaint)),
        ]
    }

    /// Parses and checks a template like [`SubjectTemplate::parse`], but lets the example's
    /// values through: for the shipped examples themselves and for tests.
    pub fn parse_allowing_example(text: &str) -> Result<SubjectTemplate, String> {
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
        let language = match raw.language.as_deref() {
            None => Language::En,
            Some(code) => Language::parse(code).ok_or_else(|| {
                format!(
                    "language must be one of {} (a language the copy has words in)",
                    Language::codes()
                )
            })?,
        };
        let words = Words::with_changes(language, &raw.words.unwrap_or_default())
            .map_err(|e| format!("[words]: {e}"))?;
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
            language,
            words,
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

/// The controller's templates, at most one per language.
#[derive(Clone, Debug, Default)]
pub struct Templates {
    by_language: Vec<SubjectTemplate>,
}

impl Templates {
    /// Adds a template; refused when one in its language is there already.
    pub fn add(&mut self, t: SubjectTemplate) -> Result<(), String> {
        if self.by_language.iter().any(|x| x.language == t.language) {
            return Err(format!(
                "a second template in language {}: give one template per language",
                t.language
            ));
        }
        self.by_language.push(t);
        Ok(())
    }

    /// Whether no template was given (every copy is then a draft).
    pub fn is_empty(&self) -> bool {
        self.by_language.is_empty()
    }

    /// The template of a language.
    pub fn get(&self, language: Language) -> Option<&SubjectTemplate> {
        self.by_language.iter().find(|t| t.language == language)
    }

    /// Checks, before anything is read, that a copy in `language` can be made: when templates
    /// were given, one of them is in that language (a copy with German words and the English
    /// controller's text would be neither). No template at all makes a draft, in any language.
    pub fn check_language(&self, language: Language) -> Result<(), String> {
        if self.is_empty() || self.get(language).is_some() {
            return Ok(());
        }
        let given: Vec<&str> = self.by_language.iter().map(|t| t.language.code()).collect();
        Err(format!(
            "no --subject-template in language {language} (the templates given are in {}): give one more --subject-template, in {language} ({} is the example)",
            given.join(", "),
            language.shipped_template()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../../templates/subject-copy.toml");
    const DOCS: &str = include_str!("../../../docs/export-and-receipt.md");

    const EXAMPLE_DE: &str = include_str!("../../../templates/subject-copy.de.toml");

    /// The example filled in by someone: every field of the controller's information their own.
    pub(crate) fn filled_in(example: &str) -> String {
        let mut doc: toml::Table = toml::from_str(example).unwrap();
        for f in REQUIRED_FIELDS.iter().chain(OPTIONAL_FIELDS) {
            doc.insert(
                f.to_string(),
                format!("Acme Stores plc: {f}, as Acme writes it.").into(),
            );
        }
        toml::to_string(&doc).unwrap()
    }

    #[test]
    fn the_shipped_example_is_complete_and_every_field_is_documented() {
        let t = SubjectTemplate::parse_allowing_example(EXAMPLE).unwrap();
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
        let e = SubjectTemplate::parse_allowing_example(
            &EXAMPLE.replace("\nretention =", "\nretension ="),
        )
        .unwrap_err();
        assert!(e.contains("retension"), "{e}");
        let e = SubjectTemplate::parse("controller = \"C\"\npurposes = unquoted\n").unwrap_err();
        assert!(e.starts_with("line 2:"), "{e}");
    }

    #[test]
    fn the_example_as_shipped_is_refused_naming_every_field() {
        for example in [EXAMPLE, EXAMPLE_DE] {
            let e = SubjectTemplate::parse(example).unwrap_err();
            assert!(
                e.contains("controller, contact, dpo, purposes, recipients, transfers, retention, source, automated_decisions, rights, complaint"),
                "{e}"
            );
            assert!(e.contains("write your own"), "{e}");
        }
        assert!(SubjectTemplate::parse(&filled_in(EXAMPLE)).is_ok());
        assert!(SubjectTemplate::parse(&filled_in(EXAMPLE_DE)).is_ok());
    }

    /// The officer's rough edge: only `controller` edited, the fictional company's contact,
    /// DPO and supervisory authority left in. Every field left is named, and only those.
    #[test]
    fn a_template_with_only_the_controller_filled_in_is_refused() {
        let mut doc: toml::Table = toml::from_str(EXAMPLE).unwrap();
        doc.insert(
            "controller".into(),
            "Acme Stores plc, 2 High Street, Leeds".into(),
        );
        let e = SubjectTemplate::parse(&toml::to_string(&doc).unwrap()).unwrap_err();
        assert!(e.contains(": contact, dpo, purposes,"), "{e}");
        assert!(e.contains("complaint"), "{e}");
        assert!(!e.contains("controller"), "{e}");

        // White space does not hide the example's text, nor does another language's
        // template; the example's domain in a text of one's own is refused too.
        let mut doc: toml::Table = toml::from_str(&filled_in(EXAMPLE_DE)).unwrap();
        let example = SubjectTemplate::parse_allowing_example(EXAMPLE).unwrap();
        doc.insert(
            "retention".into(),
            example.retention.replace(' ', "\n  ").into(),
        );
        doc.insert("contact".into(), "Write to PRIVACY@PIZZA.EXAMPLE.".into());
        let e = SubjectTemplate::parse(&toml::to_string(&doc).unwrap()).unwrap_err();
        assert!(e.contains(": contact, retention ("), "{e}");
    }

    #[test]
    fn a_template_says_its_language_and_may_change_words() {
        let de = SubjectTemplate::parse(&filled_in(EXAMPLE_DE)).unwrap();
        assert_eq!(de.language, Language::De);
        assert_eq!(de.words, *Words::shipped(Language::De));
        let text = filled_in(EXAMPLE).replace("language = \"en\"", "language = \"fr\"");
        let e = SubjectTemplate::parse(&text).unwrap_err();
        assert!(e.contains("en, de"), "{e}");
        // No language and no words: English, the shipped words.
        let mut doc: toml::Table = toml::from_str(&filled_in(EXAMPLE)).unwrap();
        doc.remove("language");
        doc.remove("words");
        let mut words = toml::Table::new();
        words.insert("title".into(), "A copy of your data".into());
        doc.insert("words".into(), words.clone().into());
        let t = SubjectTemplate::parse(&toml::to_string(&doc).unwrap()).unwrap();
        assert_eq!(t.language, Language::En);
        assert_eq!(t.words.title, "A copy of your data");
        assert_eq!(t.words.note, "Note");
        words.insert("tilte".into(), "x".into());
        doc.insert("words".into(), words.into());
        let e = SubjectTemplate::parse(&toml::to_string(&doc).unwrap()).unwrap_err();
        assert!(e.starts_with("[words]:") && e.contains("tilte"), "{e}");
    }

    #[test]
    fn one_template_per_language_and_each_language_asked_for_needs_one() {
        let mut all = Templates::default();
        assert!(
            all.check_language(Language::De).is_ok(),
            "no template: a draft"
        );
        all.add(SubjectTemplate::parse(&filled_in(EXAMPLE)).unwrap())
            .unwrap();
        let e = all.check_language(Language::De).unwrap_err();
        assert!(
            e.contains("language de") && e.contains("subject-copy.de.toml"),
            "{e}"
        );
        assert!(all
            .add(SubjectTemplate::parse(&filled_in(EXAMPLE)).unwrap())
            .is_err());
        all.add(SubjectTemplate::parse(&filled_in(EXAMPLE_DE)).unwrap())
            .unwrap();
        assert!(all.check_language(Language::De).is_ok());
        assert_eq!(all.get(Language::De).unwrap().language, Language::De);
    }
}
