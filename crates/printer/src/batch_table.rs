//! A batch's closing table: one line per request (text) or one JSON document, naming requests
//! by their ids and counts, never by an identifier.

use std::io::Write;
use std::path::Path;

use forgetme_audit::CaseRef;
use forgetme_findings::requests::RequestAction;
use serde::Serialize;

use crate::report::terminal_safe;

/// What happened to one request of a batch, as its line in the table shows it.
#[derive(Clone, Debug)]
pub struct RequestLine {
    /// The request's id.
    pub id: CaseRef,
    /// Its folder under `--out`.
    pub folder: String,
    /// What the request asked for.
    pub action: RequestAction,
    /// Its settings and agents in the search.
    pub settings: u64,
    pub agents: u64,
    /// Whether its share of the search was complete.
    pub complete: bool,
    /// Whether its access export was written (`None`: none was asked for).
    pub export: Option<bool>,
    /// What its erasure did, in a few words (`None`: none was asked for).
    pub erasure: Option<String>,
    /// Whether the request was answered completely.
    pub ok: bool,
    /// Whether its erasure was declined at the prompt.
    pub declined: bool,
}

/// `--format json`: the table as one JSON document. Fields in alphabetical order, as in every
/// document the tool prints (see [`crate::search_json`]).
#[derive(Debug, Serialize)]
pub struct BatchTable<'a> {
    /// Requests answered completely.
    pub answered: usize,
    pub not_answered: usize,
    /// `--out`.
    pub out: String,
    pub requests: Vec<RequestJson<'a>>,
}

/// One request of [`BatchTable`].
#[derive(Debug, Serialize)]
pub struct RequestJson<'a> {
    pub action: RequestAction,
    pub agents: u64,
    /// Whether the request was answered completely.
    pub answered: bool,
    pub complete: bool,
    pub declined: bool,
    pub erasure: Option<&'a str>,
    /// Whether its access export was written; `null` when none was asked for.
    pub export_written: Option<bool>,
    /// Its folder, under `--out`.
    pub folder: String,
    pub id: &'a CaseRef,
    pub settings: u64,
}

impl<'a> BatchTable<'a> {
    /// The table of these lines, answered into `out`.
    pub fn new(lines: &'a [RequestLine], out: &Path) -> BatchTable<'a> {
        let not_answered = lines.iter().filter(|l| !l.ok).count();
        BatchTable {
            answered: lines.len() - not_answered,
            not_answered,
            out: out.display().to_string(),
            requests: lines
                .iter()
                .map(|l| RequestJson {
                    action: l.action,
                    agents: l.agents,
                    answered: l.ok,
                    complete: l.complete,
                    declined: l.declined,
                    erasure: l.erasure.as_deref(),
                    export_written: l.export,
                    folder: out.join(&l.folder).display().to_string(),
                    id: &l.id,
                    settings: l.settings,
                })
                .collect(),
        }
    }
}

/// The table in text: a line per request, then how many were answered.
pub fn write_text(w: &mut dyn Write, lines: &[RequestLine], out: &Path) -> std::io::Result<()> {
    writeln!(w, "Requests answered into {}:", out.display())?;
    for a in lines {
        let export = match a.export {
            None => "",
            Some(true) => "  export written",
            Some(false) => "  export NOT written",
        };
        let erasure = a
            .erasure
            .as_deref()
            .map(|e| format!("  erasure: {e}"))
            .unwrap_or_default();
        // Corporate favorites belong to no agent: "1 setting(s) of 0 agent(s)" read oddly.
        let whose = match a.agents {
            0 if a.settings > 0 => ", none an agent's".to_string(),
            n => format!(" of {n} agent(s)"),
        };
        let line = format!(
            "  {}  {}  {} setting(s){whose}  {}{export}{erasure}",
            a.id,
            a.action.as_str(),
            a.settings,
            if a.complete { "complete" } else { "INCOMPLETE" },
        );
        writeln!(w, "{}", terminal_safe(&line))?;
    }
    let failed = lines.iter().filter(|a| !a.ok).count();
    writeln!(
        w,
        "{} request(s): {} answered completely, {} not (see above and each request's summary.json).",
        lines.len(),
        lines.len() - failed,
        failed
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(settings: u64, agents: u64) -> RequestLine {
        RequestLine {
            id: CaseRef::new("DSR-1").unwrap(),
            folder: "DSR-1".into(),
            action: RequestAction::Export,
            settings,
            agents,
            complete: true,
            export: Some(true),
            erasure: None,
            ok: true,
            declined: false,
        }
    }

    #[test]
    fn settings_of_no_agent_are_said_as_such() {
        let mut out = Vec::new();
        write_text(&mut out, &[line(1, 0), line(3, 2)], Path::new("/a")).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("1 setting(s), none an agent's  complete"),
            "{text}"
        );
        assert!(
            text.contains("3 setting(s) of 2 agent(s)  complete"),
            "{text}"
        );
        assert!(!text.contains("of 0 agent(s)"), "{text}");
    }
}
