//! The subject's copy in the person's language: its own words (headings, labels, explanations,
//! month names), as opposed to the controller's text and the stored values.
//!
//! Every word comes from a template: the `[words]` table of the shipped templates,
//! `templates/subject-copy.toml` (English) and `templates/subject-copy.de.toml` (German),
//! compiled in as each language's words; a controller's template may change any of them in
//! its own `[words]` table (a word it leaves out keeps the shipped one). A text may hold
//! placeholders in braces (`{n}`, `{reference}`, `{date}`...), each named where the word is.

use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// A language the copy is written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English (the default).
    #[default]
    En,
    /// German.
    De,
}

impl Language {
    /// Every language shipped.
    pub const ALL: [Language; 2] = [Language::En, Language::De];

    /// Its ISO 639-1 code, as written in a request file, `--language` and the page's `lang`.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::De => "de",
        }
    }

    /// From its code (`en`, `de`; any case, spaces around ignored).
    pub fn parse(text: &str) -> Option<Language> {
        let t = text.trim().to_ascii_lowercase();
        Language::ALL.into_iter().find(|l| l.code() == t)
    }

    /// The codes, for messages: `en, de`.
    pub fn codes() -> String {
        Language::ALL.map(Language::code).join(", ")
    }

    /// The shipped template that holds this language's words.
    pub fn shipped_template(self) -> &'static str {
        match self {
            Language::En => "templates/subject-copy.toml",
            Language::De => "templates/subject-copy.de.toml",
        }
    }

    /// The shipped template's text.
    pub(crate) fn shipped_text(self) -> &'static str {
        match self {
            Language::En => include_str!("../../../templates/subject-copy.toml"),
            Language::De => include_str!("../../../templates/subject-copy.de.toml"),
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The copy's own words in one language. Every field is required in a shipped template; a
/// controller's template gives only those it changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Words {
    // The page.
    /// The page's title and heading.
    pub title: String,
    /// The banner of a copy made without a template.
    pub draft_banner: String,
    /// The banner of a copy from an incomplete search.
    pub incomplete_banner: String,
    /// In place of each piece of the controller's information when no template was given.
    pub not_filled_in: String,
    /// Who answers: `{controller}`.
    pub from: String,
    /// What the person asked, before the identifiers searched.
    pub asked: String,
    /// The request's reference: `{reference}`.
    pub reference: String,
    /// The date the copy answers on: `{date}`.
    pub answered_on: String,
    /// Heading of the records.
    pub held_heading: String,
    /// When no record was found.
    pub no_record: String,
    /// Label of a record with nothing to show.
    pub details: String,
    /// Its value.
    pub no_details: String,
    /// Under a record: one other person's detail withheld.
    pub record_withheld_one: String,
    /// Under a record: `{n}` other people's details withheld.
    pub record_withheld_many: String,
    /// Under an entry of a shared list.
    pub shared_list: String,
    /// Heading of the controller's information.
    pub processing_heading: String,
    /// The kinds of data when no record was found.
    pub none_found: String,
    /// Labels of the controller's information, in the copy's order.
    pub info_controller: String,
    /// See [`Words::info_controller`].
    pub info_contact: String,
    /// See [`Words::info_controller`].
    pub info_dpo: String,
    /// See [`Words::info_controller`].
    pub info_purposes: String,
    /// The kinds of data (Art. 15(1)(b)), which the records give.
    pub info_kinds: String,
    /// See [`Words::info_controller`].
    pub info_recipients: String,
    /// See [`Words::info_controller`].
    pub info_transfers: String,
    /// See [`Words::info_controller`].
    pub info_retention: String,
    /// See [`Words::info_controller`].
    pub info_source: String,
    /// See [`Words::info_controller`].
    pub info_automated_decisions: String,
    /// See [`Words::info_controller`].
    pub info_rights: String,
    /// See [`Words::info_controller`].
    pub info_complaint: String,

    // Kinds of records: a heading and one sentence each.
    /// Heading of personal favorites.
    pub personal_favorites: String,
    /// What a personal favorite is.
    pub personal_favorite_about: String,
    /// Heading of recent contacts.
    pub recent_contacts: String,
    /// What a recent contact is.
    pub recent_contact_about: String,
    /// Heading of corporate favorites.
    pub corporate_favorites: String,
    /// What a corporate favorite is.
    pub corporate_favorite_about: String,
    /// Heading of other records.
    pub other_records: String,
    /// What another record is.
    pub other_record_about: String,

    // Labels of a record's details and dates.
    /// Label.
    pub name: String,
    /// Label.
    pub first_name: String,
    /// Label.
    pub middle_name: String,
    /// Label.
    pub last_name: String,
    /// Label.
    pub company: String,
    /// Label.
    pub job_title: String,
    /// Label; also the kind of an identifier asked about.
    pub email: String,
    /// Label; also the kind of an identifier asked about.
    pub phone: String,
    /// Label.
    pub address: String,
    /// Label.
    pub category: String,
    /// Label.
    pub channel: String,
    /// Label.
    pub language: String,
    /// Label.
    pub note: String,
    /// Label.
    pub other: String,
    /// The kind of a text identifier asked about.
    pub text: String,
    /// Label of a date.
    pub last_used: String,
    /// Label of a date.
    pub saved: String,
    /// Label of a date.
    pub last_changed: String,
    /// Label of a date.
    pub date: String,
    /// Whether the kinds of data list the labels in lower case (English: "name, e-mail
    /// address"; German keeps its nouns' capitals).
    pub lowercase_kinds: bool,
    /// A kind of data: the records' dates.
    pub kind_dates: String,
    /// A kind of data: details under "other".
    pub kind_other_details: String,

    // How we were in contact (Workspace's media type).
    /// `voice`.
    pub phone_call: String,
    /// `email`.
    pub email_message: String,
    /// `chat`.
    pub chat: String,
    /// `sms`.
    pub sms: String,

    // The summary.
    /// What the copy covers.
    pub scope: String,
    /// The search was incomplete.
    pub summary_incomplete: String,
    /// Nothing found.
    pub summary_none: String,
    /// One record found.
    pub summary_found_one: String,
    /// `{n}` records found.
    pub summary_found_many: String,
    /// One detail of another person withheld; `{withheld}` is the marker.
    pub summary_withheld_one: String,
    /// `{n}` details of other people withheld; `{withheld}` is the marker.
    pub summary_withheld_many: String,
    /// One record under review.
    pub summary_review_one: String,
    /// `{n}` records under review.
    pub summary_review_many: String,

    // What replaces text in a value.
    /// Another person's e-mail address or phone number.
    pub withheld: String,
    /// An agent's user name or id.
    pub agent: String,
    /// An e-mail address in a note that is not one searched for.
    pub other_address: String,

    // Dates.
    /// January to December.
    pub months: Vec<String>,
    /// A date and time: `{day}`, `{month}`, `{year}`, `{hour}`, `{minute}`.
    pub date_time: String,
    /// A day: `{day}`, `{month}`, `{year}`.
    pub day: String,
}

impl Words {
    /// The shipped words of a language (the `[words]` table of its shipped template).
    pub fn shipped(language: Language) -> &'static Words {
        static WORDS: OnceLock<Vec<(Language, Words)>> = OnceLock::new();
        let all = WORDS.get_or_init(|| {
            Language::ALL
                .into_iter()
                .map(|l| {
                    let table = shipped_table(l);
                    let words = Words::from_table(table)
                        .unwrap_or_else(|e| panic!("{}: [words]: {e}", l.shipped_template()));
                    (l, words)
                })
                .collect()
        });
        &all.iter()
            .find(|(l, _)| *l == language)
            .expect("every language has its words")
            .1
    }

    /// The shipped words of `language` with the ones `changes` gives instead; refused when
    /// `changes` names a word the copy does not have, or gives one of the wrong type.
    pub fn with_changes(language: Language, changes: &toml::Table) -> Result<Words, String> {
        let mut table = shipped_table(language).clone();
        for (k, v) in changes {
            table.insert(k.clone(), v.clone());
        }
        Words::from_table(&table)
    }

    fn from_table(table: &toml::Table) -> Result<Words, String> {
        let words: Words = toml::Value::Table(table.clone())
            .try_into()
            .map_err(|e: toml::de::Error| e.message().to_string())?;
        if words.months.len() != 12 {
            return Err("months must name the twelve months, January first".into());
        }
        Ok(words)
    }

    /// The label of a detail or date, from its key (the English label the code names it by).
    pub(crate) fn label<'a>(&'a self, key: &'a str) -> &'a str {
        use crate::words::labels::*;
        match key {
            NAME => &self.name,
            FIRST_NAME => &self.first_name,
            MIDDLE_NAME => &self.middle_name,
            LAST_NAME => &self.last_name,
            COMPANY => &self.company,
            JOB_TITLE => &self.job_title,
            EMAIL => &self.email,
            PHONE => &self.phone,
            ADDRESS => &self.address,
            CATEGORY => &self.category,
            CHANNEL => &self.channel,
            LANGUAGE => &self.language,
            NOTE => &self.note,
            OTHER => &self.other,
            LAST_USED => &self.last_used,
            SAVED => &self.saved,
            CHANGED => &self.last_changed,
            DATE => &self.date,
            other => other,
        }
    }

    /// One of two words by a count: `one` for 1, else `many` with `{n}` filled in.
    pub(crate) fn count(n: usize, one: &str, many: &str) -> String {
        if n == 1 {
            one.to_string()
        } else {
            fill(many, &[("n", &n.to_string())])
        }
    }
}

/// The `[words]` table of a language's shipped template.
fn shipped_table(language: Language) -> &'static toml::Table {
    static TABLES: OnceLock<Vec<(Language, toml::Table)>> = OnceLock::new();
    let all = TABLES.get_or_init(|| {
        Language::ALL
            .into_iter()
            .map(|l| {
                let doc: toml::Table = toml::from_str(l.shipped_text())
                    .unwrap_or_else(|e| panic!("{}: {e}", l.shipped_template()));
                let words = match doc.get("words") {
                    Some(toml::Value::Table(t)) => t.clone(),
                    _ => panic!("{} has no [words] table", l.shipped_template()),
                };
                (l, words)
            })
            .collect()
    });
    &all.iter()
        .find(|(l, _)| *l == language)
        .expect("every language has its template")
        .1
}

/// `text` with each `{name}` replaced by its value.
pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = text.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// The keys of details and dates: the English labels, which [`Words::label`] turns into
/// the copy's language.
pub(crate) mod labels {
    pub const NAME: &str = "Name";
    pub const FIRST_NAME: &str = "First name";
    pub const MIDDLE_NAME: &str = "Middle name";
    pub const LAST_NAME: &str = "Last name";
    pub const COMPANY: &str = "Company";
    pub const JOB_TITLE: &str = "Job title";
    pub const EMAIL: &str = "E-mail address";
    pub const PHONE: &str = "Phone number";
    pub const ADDRESS: &str = "Address";
    pub const CATEGORY: &str = "Category";
    pub const CHANNEL: &str = "How we were in contact";
    pub const LANGUAGE: &str = "Language";
    pub const NOTE: &str = "Note";
    pub const OTHER: &str = "Other detail";
    pub const LAST_USED: &str = "Last used";
    pub const SAVED: &str = "Saved";
    pub const CHANGED: &str = "Last changed";
    pub const DATE: &str = "Date";
}

/// The placeholders of a text (`{n}`, `{date}`...), sorted: a translation must keep every
/// one of the English text's, or a sentence would lose its number or date.
pub fn placeholders(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name.to_string()))
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_word_with_the_same_placeholders() {
        let en = toml::Value::try_from(shipped_table(Language::En)).unwrap();
        for l in Language::ALL {
            // Complete: every field of Words is there (Words::shipped panics otherwise).
            let words = Words::shipped(l);
            assert_eq!(words.months.len(), 12);
            let table = shipped_table(l);
            assert_eq!(
                table.keys().collect::<Vec<_>>(),
                en.as_table().unwrap().keys().collect::<Vec<_>>(),
                "{l}"
            );
            for (k, v) in table {
                if let Some(text) = v.as_str() {
                    assert_eq!(
                        placeholders(text),
                        placeholders(en[k].as_str().unwrap()),
                        "{l}: {k}"
                    );
                    assert!(!text.trim().is_empty(), "{l}: {k}");
                }
            }
        }
        // The languages differ in every word but those that are the same in both.
        let (en, de) = (Words::shipped(Language::En), Words::shipped(Language::De));
        assert_ne!(en.title, de.title);
        assert_ne!(en.months, de.months);
    }

    #[test]
    fn a_template_changes_single_words_and_an_unknown_word_is_refused() {
        let mut changes = toml::Table::new();
        changes.insert("title".into(), "Ihre Daten".into());
        let w = Words::with_changes(Language::De, &changes).unwrap();
        assert_eq!(w.title, "Ihre Daten");
        assert_eq!(w.note, Words::shipped(Language::De).note);
        changes.insert("titel".into(), "x".into());
        let e = Words::with_changes(Language::De, &changes).unwrap_err();
        assert!(e.contains("titel"), "{e}");
    }

    #[test]
    fn codes_are_read_in_any_case() {
        assert_eq!(Language::parse(" DE "), Some(Language::De));
        assert_eq!(Language::parse("en"), Some(Language::En));
        assert_eq!(Language::parse("fr"), None);
        assert_eq!(Language::codes(), "en, de");
    }
}
