//! Writing the access export: the officer's record (built by
//! [`forgetme_findings::export`]) and the data subject's copy made from it, as files
//! (docs/export-and-receipt.md).

use std::path::{Path, PathBuf};

use forgetme_access_export::subject::{CopyFor, SubjectCopy};
use forgetme_access_export::template::{SubjectTemplate, Templates};
use forgetme_access_export::words::Language;
use forgetme_access_export::{html, subject_html, AccessExport};
use forgetme_audit::CaseRef;

use crate::failure::InputError;
use crate::files::{read_text_limited, write_atomic, Existing};

/// Every file an export writes: the officer's record (`x.json`, `x.html`) and the data
/// subject's copy (`x.subject.html`, `x.subject.json`), all named after `--export x.json`.
pub struct ExportPaths {
    /// The officer's record as JSON: the path given.
    pub json: PathBuf,
    /// The officer's record as a page.
    pub html: PathBuf,
    /// The subject's copy as a page: what is handed to the person.
    pub subject_html: PathBuf,
    /// The subject's copy as JSON.
    pub subject_json: PathBuf,
}

impl ExportPaths {
    /// The four paths from `--export FILE`; refused when they would not be four different
    /// files (`--export x.html`) or the officer's page would be named like a subject's copy
    /// (`--export x.subject.json`). Checked before anything is read.
    pub fn of(json: &Path) -> Result<ExportPaths, String> {
        let paths = ExportPaths {
            json: json.to_path_buf(),
            html: json.with_extension("html"),
            subject_html: json.with_extension("subject.html"),
            subject_json: json.with_extension("subject.json"),
        };
        let all = paths.all();
        // `x.subject.json` would make the officer's page `x.subject.html`: the name of the
        // person's copy.
        let subject_named = json
            .file_stem()
            .is_some_and(|s| s.to_string_lossy().ends_with(".subject"));
        if subject_named || (1..all.len()).any(|i| all[..i].contains(&all[i])) {
            return Err(format!(
                "--export {}: give a .json file name; the pages and the subject's copy are written beside it",
                json.display()
            ));
        }
        Ok(paths)
    }

    /// The four paths, the officer's record first.
    pub fn all(&self) -> [&Path; 4] {
        [
            &self.json,
            &self.html,
            &self.subject_html,
            &self.subject_json,
        ]
    }

    /// The four files of `--export JSON`, checked before anything is read: they may be
    /// replaced, but must be writable.
    pub fn check(json: &Path) -> Result<(), InputError> {
        for path in ExportPaths::of(json).map_err(InputError)?.all() {
            crate::files::check_output("--export", path, Existing::Replace)?;
        }
        Ok(())
    }
}

/// The longest controller template read (a few paragraphs of text).
const MAX_TEMPLATE_FILE: u64 = 64 * 1024;

/// Reads and checks the controller's template (`--subject-template`), before anything else is
/// read: a missing file, a missing or empty field, a field the template does not know, a
/// language not shipped, or a field still holding the example's text is refused with what to
/// fix.
pub fn load_template(path: &Path) -> Result<SubjectTemplate, InputError> {
    let what = format!("--subject-template {}", path.display());
    let text = read_text_limited(path, MAX_TEMPLATE_FILE, &what)?;
    SubjectTemplate::parse(&text).map_err(|e| InputError(format!("{what}: {e}")))
}

/// Reads and checks every template given (one per language), and that each language a copy
/// will be written in (`languages`) has one when any was given.
pub fn load_templates(
    paths: &[PathBuf],
    languages: impl IntoIterator<Item = (Language, String)>,
) -> Result<Templates, InputError> {
    let mut all = Templates::default();
    for path in paths {
        let t = load_template(path)?;
        all.add(t)
            .map_err(|e| InputError(format!("--subject-template {}: {e}", path.display())))?;
    }
    for (language, whose) in languages {
        all.check_language(language)
            .map_err(|e| InputError(format!("{whose}: {e}")))?;
    }
    Ok(all)
}

/// What [`write`] wrote, and what the officer should know before sending the subject's copy.
pub struct Written {
    /// The files.
    pub paths: ExportPaths,
    /// Notes for stderr: the copy is not ready to send as it is (no template, free text).
    pub notes: Vec<String>,
}

/// Writes the officer's record and the subject's copy, each file atomically, new and readable
/// by its owner only (0600) whatever existed at the path before; a symlink at any path is
/// refused. The copy answers the request `reference` (`--case`, a batch's request id) in
/// `language`, with the template of that language.
pub fn write(
    export: &AccessExport,
    json_path: &Path,
    templates: &Templates,
    reference: Option<&CaseRef>,
    language: Language,
) -> Result<Written, String> {
    let paths = ExportPaths::of(json_path)?;
    let template = templates.get(language);
    let copy = SubjectCopy::from_export(
        export,
        &CopyFor {
            reference: reference.map(CaseRef::as_str),
            language,
            information: template,
        },
    );
    let json = serde_json::to_string_pretty(export).map_err(|e| e.to_string())?;
    let subject_json = serde_json::to_string_pretty(&copy).map_err(|e| e.to_string())?;
    write_atomic(&paths.json, json.as_bytes(), Existing::Replace)?;
    write_atomic(
        &paths.html,
        html::render(export).as_bytes(),
        Existing::Replace,
    )?;
    write_atomic(
        &paths.subject_html,
        subject_html::render(&copy).as_bytes(),
        Existing::Replace,
    )?;
    write_atomic(
        &paths.subject_json,
        subject_json.as_bytes(),
        Existing::Replace,
    )?;
    let mut notes = Vec::new();
    if template.is_none() && !templates.is_empty() {
        // Checked before the scan; a copy without its language's template is never sent.
        return Err(format!(
            "no --subject-template in language {language} for the subject's copy"
        ));
    }
    if template.is_none() {
        notes.push(format!(
            "the subject's copy {} says NOT FILLED IN where the controller's information goes (Art. 15(1)): give --subject-template FILE (templates/subject-copy.toml is the example) before sending it",
            paths.subject_html.display()
        ));
    }
    let free_text: usize = export.items.iter().map(|i| i.free_text.len()).sum();
    if free_text > 0 {
        notes.push(format!(
            "the subject's copy holds {free_text} free-text field(s) that may name other people (free_text in {}; their e-mail addresses and phone numbers are withheld, their names are not): read them before sending the copy",
            paths.json.display()
        ));
    }
    let possible: usize = export.items.iter().map(|i| i.records_possible_only).sum();
    if possible > 0 {
        notes.push(format!(
            "{possible} record(s) hold only possible matches of the subject (may be a stranger's) and are NOT in the subject's copy: check them in {} (records_possible_only) and answer by hand those that are the subject's",
            paths.json.display()
        ));
    }
    let review: usize = export
        .items
        .iter()
        .map(|i| i.records_of_another_request)
        .sum();
    if review > 0 {
        notes.push(format!(
            "{review} record(s) of the subject also hold another request of this batch and are withheld from both requests' files: answer those requests together by hand"
        ));
    }
    Ok(Written { paths, notes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_is_four_files_named_after_the_one_given() {
        let p = ExportPaths::of(Path::new("/r/request-4711.json")).unwrap();
        assert_eq!(
            p.all().map(|p| p.to_str().unwrap()),
            [
                "/r/request-4711.json",
                "/r/request-4711.html",
                "/r/request-4711.subject.html",
                "/r/request-4711.subject.json"
            ]
        );
        // Names whose files would coincide are refused.
        for bad in ["/r/x.html", "/r/x.subject.html", "/r/x.subject.json"] {
            assert!(ExportPaths::of(Path::new(bad)).is_err(), "{bad}");
        }
    }
}
