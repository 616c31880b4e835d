//! The letters' words in the person's language: English and German, as the subject's copy.
//!
//! The letters' own sentences are shipped in `words/letters.LANG.toml`, compiled in. What the
//! subject's copy already says is not said twice: the month names, the form of a day ("6
//! December 2026", "6. Dezember 2026") and the labels of the controller's contact, data
//! protection officer and complaint come from the officer's template
//! ([`SubjectTemplate`]'s [`Words`]), so a change the officer made there shows in the letters
//! too.

use std::sync::OnceLock;

use forgetme_access_export::template::SubjectTemplate;
use forgetme_access_export::words::{fill, Language, Words};
use serde::Deserialize;
use time::Date;

/// The letters' own sentences in one language. Placeholders in braces are named where each
/// is used; both languages have the same ones.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LetterTexts {
    /// Title of the acknowledgement.
    pub acknowledgement_title: String,
    /// Title of the extension.
    pub extension_title: String,
    /// Title of the completed letter.
    pub completed_title: String,
    /// Title of the nothing-held letter.
    pub nothing_held_title: String,
    /// The letter's date: `{date}`.
    pub date: String,
    /// The request's reference: `{reference}`.
    pub reference: String,
    /// The first line.
    pub greeting: String,
    /// Before the signature.
    pub closing: String,
    /// Who signs.
    pub signature: String,
    /// Asks the person to name the reference: `{reference}`.
    pub quote_reference: String,
    /// The request, as a sentence names it: an access request.
    pub request_access: String,
    /// See [`LetterTexts::request_access`].
    pub request_erasure: String,
    /// See [`LetterTexts::request_access`].
    pub request_rectification: String,
    /// See [`LetterTexts::request_access`].
    pub request_restriction: String,
    /// See [`LetterTexts::request_access`].
    pub request_objection: String,
    /// See [`LetterTexts::request_access`].
    pub request_unspecified: String,
    /// When it came in: `{request}`, `{received}`.
    pub received: String,
    /// Acknowledgement: `{deadline}`.
    pub acknowledgement_deadline: String,
    /// Extension, the deadline the law gives: `{original_deadline}`.
    pub extension_original: String,
    /// Extension, by how much and to when: `{months}`, `{new_deadline}`.
    pub extension_new: String,
    /// Extension, why: `{reason}`.
    pub extension_reason: String,
    /// One month, as `{months}` says it.
    pub months_one: String,
    /// `{n}` months, as `{months}` says it.
    pub months_many: String,
    /// Completed access: `{date}` of the copy.
    pub done_access: String,
    /// Completed erasure: `{date}`.
    pub done_erasure: String,
    /// Completed erasure, when the remaining copies are purged: `{date}`.
    pub done_erasure_purge: String,
    /// Completed rectification: `{date}`.
    pub done_rectification: String,
    /// Completed restriction: `{date}`.
    pub done_restriction: String,
    /// Completed objection: `{date}`.
    pub done_objection: String,
    /// Completed request of no stated type: `{date}`.
    pub done_unspecified: String,
    /// Nothing held: `{searched_on}`.
    pub nothing_held: String,
}

/// Every word a letter needs in one language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LetterWords {
    /// The letter's language (the page's `lang`).
    pub language: Language,
    /// The template's words: months, the form of a day, and the labels `info_contact`,
    /// `info_dpo` and `info_complaint`.
    pub template: Words,
    /// The letters' own sentences.
    pub letter: LetterTexts,
}

impl LetterWords {
    /// The shipped words of a language, the subject copy's shipped words included.
    pub fn shipped(language: Language) -> LetterWords {
        LetterWords {
            language,
            template: Words::shipped(language).clone(),
            letter: LetterTexts::shipped(language).clone(),
        }
    }

    /// The words for letters under the officer's template: its language, its words.
    pub fn for_template(t: &SubjectTemplate) -> LetterWords {
        LetterWords {
            language: t.language,
            template: t.words.clone(),
            letter: LetterTexts::shipped(t.language).clone(),
        }
    }

    /// A day as a person reads it: `6 December 2026`, `6. Dezember 2026`.
    pub fn day(&self, date: Date) -> String {
        let month = &self.template.months[usize::from(u8::from(date.month())) - 1];
        fill(
            &self.template.day,
            &[
                ("day", &date.day().to_string()),
                ("month", month),
                ("year", &date.year().to_string()),
            ],
        )
    }

    /// A number of months: `one month`, `2 months`.
    pub fn months(&self, n: u32) -> String {
        if n == 1 {
            self.letter.months_one.clone()
        } else {
            fill(&self.letter.months_many, &[("n", &n.to_string())])
        }
    }
}

impl LetterTexts {
    /// The shipped sentences of a language.
    pub fn shipped(language: Language) -> &'static LetterTexts {
        static ALL: OnceLock<Vec<(Language, LetterTexts)>> = OnceLock::new();
        let all = ALL.get_or_init(|| {
            Language::ALL
                .into_iter()
                .map(|l| {
                    let texts = toml::from_str(shipped_text(l))
                        .unwrap_or_else(|e| panic!("{}: {e}", shipped_file(l)));
                    (l, texts)
                })
                .collect()
        });
        &all.iter()
            .find(|(l, _)| *l == language)
            .expect("every language has its letter words")
            .1
    }
}

/// Where a language's sentences are, for messages.
fn shipped_file(language: Language) -> &'static str {
    match language {
        Language::En => "crates/officer-pages/words/letters.en.toml",
        Language::De => "crates/officer-pages/words/letters.de.toml",
    }
}

/// The text of a language's sentences.
fn shipped_text(language: Language) -> &'static str {
    match language {
        Language::En => include_str!("../words/letters.en.toml"),
        Language::De => include_str!("../words/letters.de.toml"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    use forgetme_access_export::words::placeholders;

    #[test]
    fn every_language_has_every_sentence_with_the_same_placeholders() {
        let table = |l| toml::from_str::<toml::Table>(shipped_text(l)).unwrap();
        let en = table(Language::En);
        for l in Language::ALL {
            // Complete (LetterTexts::shipped panics on a missing or unknown key).
            LetterTexts::shipped(l);
            let t = table(l);
            assert_eq!(t.keys().collect::<Vec<_>>(), en.keys().collect::<Vec<_>>());
            for (k, v) in &t {
                let text = v.as_str().unwrap();
                assert!(!text.trim().is_empty(), "{l}: {k}");
                assert_eq!(
                    placeholders(text),
                    placeholders(en[k].as_str().unwrap()),
                    "{l}: {k}"
                );
            }
        }
        assert_ne!(
            LetterTexts::shipped(Language::En).completed_title,
            LetterTexts::shipped(Language::De).completed_title
        );
    }

    #[test]
    fn days_and_months_in_each_language() {
        let en = LetterWords::shipped(Language::En);
        let de = LetterWords::shipped(Language::De);
        assert_eq!(en.day(date!(2026 - 12 - 06)), "6 December 2026");
        assert_eq!(de.day(date!(2026 - 03 - 06)), "6. März 2026");
        assert_eq!(en.months(1), "one month");
        assert_eq!(en.months(2), "2 months");
        assert_eq!(de.months(1), "einen Monat");
        assert_eq!(de.months(2), "2 Monate");
    }

    #[test]
    fn the_templates_month_names_are_the_letters() {
        let mut t = SubjectTemplate::parse_allowing_example(include_str!(
            "../../../templates/subject-copy.de.toml"
        ))
        .unwrap();
        t.words.months[11] = "Christmonat".into();
        let w = LetterWords::for_template(&t);
        assert_eq!(w.language, Language::De);
        assert_eq!(w.day(date!(2026 - 12 - 24)), "24. Christmonat 2026");
        assert_eq!(w.letter, *LetterTexts::shipped(Language::De));
    }
}
