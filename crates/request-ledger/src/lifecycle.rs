//! A request's type and where it stands in its lifecycle.
//!
//! What answers a request depends on what the person asked for (GDPR Art. 15 to 21): an
//! erasure is answered by an erasure that was verified, an access request by its access
//! export, and a rectification, restriction or objection by what the controller did outside
//! this tool, which only the privacy officer can record (`requests close ID --as done`). So
//! the ledger keeps each request's type, and derives its state from what was recorded:
//!
//! ```text
//! received ──a run's step──▶ in-progress ──the answer (per type)──▶ answered ──close──▶ closed
//!     └──────────────────────────┴──────────── close --as withdrawn | rejected ──▶ withdrawn | rejected
//! ```
//!
//! Closing is the one state that is recorded rather than derived: it is the officer's word
//! that nothing more is to be done, with a reason. A closed request is never acted on again.

use serde::Serialize;

use crate::{Event, Outcome, Status};

/// What the person asked for. Serialized in lower case (`"erasure"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RequestType {
    /// Art. 15: a copy of their data. Answered by an access export from a complete scan.
    Access,
    /// Art. 17: erase their data. Answered by a verified erasure.
    Erasure,
    /// Art. 16: correct their data. Answered when the officer closes it as done.
    Rectification,
    /// Art. 18: restrict the processing. Answered when the officer closes it as done.
    Restriction,
    /// Art. 21: stop processing. Answered when the officer closes it as done.
    Objection,
    /// Not known yet: a request a plain search created, or one recorded before the ledger
    /// kept types (schema version 3). The officer sets it with `requests add`.
    Unspecified,
}

impl RequestType {
    /// The types an officer can give (`--type`); `unspecified` is what the ledger says when
    /// none was given.
    pub const CHOICES: [RequestType; 5] = [
        RequestType::Access,
        RequestType::Erasure,
        RequestType::Rectification,
        RequestType::Restriction,
        RequestType::Objection,
    ];

    /// Every type, [`RequestType::Unspecified`] last: the dashboard counts them all.
    pub const ALL: [RequestType; 6] = [
        RequestType::Access,
        RequestType::Erasure,
        RequestType::Rectification,
        RequestType::Restriction,
        RequestType::Objection,
        RequestType::Unspecified,
    ];

    /// As stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestType::Access => "access",
            RequestType::Erasure => "erasure",
            RequestType::Rectification => "rectification",
            RequestType::Restriction => "restriction",
            RequestType::Objection => "objection",
            RequestType::Unspecified => "unspecified",
        }
    }

    /// Reads a type as stored or given (`unspecified` too); `None` for anything else.
    pub fn parse(text: &str) -> Option<RequestType> {
        Self::CHOICES
            .into_iter()
            .chain([RequestType::Unspecified])
            .find(|t| t.as_str() == text)
    }

    /// The choices as a `--type` error lists them.
    pub fn choices_text() -> String {
        Self::CHOICES
            .iter()
            .map(|t| format!("{} ({})", t.as_str(), t.article()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Its name after `a` or `an`, for messages: "an erasure", "a restriction".
    pub fn a_name(self) -> String {
        let name = self.as_str();
        if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
            format!("an {name}")
        } else {
            format!("a {name}")
        }
    }

    /// The article of the GDPR that gives the right.
    pub fn article(self) -> &'static str {
        match self {
            RequestType::Access => "Art. 15",
            RequestType::Erasure => "Art. 17",
            RequestType::Rectification => "Art. 16",
            RequestType::Restriction => "Art. 18",
            RequestType::Objection => "Art. 21",
            RequestType::Unspecified => "not known",
        }
    }

    /// Whether only the officer's `close --as done` answers it: the tool cannot see a
    /// rectification, restriction or objection being carried out.
    pub fn answered_by_close(self) -> bool {
        matches!(
            self,
            RequestType::Rectification | RequestType::Restriction | RequestType::Objection
        )
    }
}

/// Where a request stands. Serialized in kebab-case (`"in-progress"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Recorded; no run has done anything for it.
    Received,
    /// A run recorded a step, and it is not answered yet.
    InProgress,
    /// What answers its type was recorded (see [`Summary::answered_on`](crate::Summary)).
    Answered,
    /// Closed as done by the officer.
    Closed,
    /// Closed: the person withdrew it.
    Withdrawn,
    /// Closed: refused, the person told why (Art. 12(4)).
    Rejected,
}

impl State {
    /// Every state, in lifecycle order.
    pub const ALL: [State; 6] = [
        State::Received,
        State::InProgress,
        State::Answered,
        State::Closed,
        State::Withdrawn,
        State::Rejected,
    ];

    /// As shown and given to `--state`.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Received => "received",
            State::InProgress => "in-progress",
            State::Answered => "answered",
            State::Closed => "closed",
            State::Withdrawn => "withdrawn",
            State::Rejected => "rejected",
        }
    }

    /// Reads a state as shown; `None` for anything else.
    pub fn parse(text: &str) -> Option<State> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Closed in any way: nothing is due for it, and no run may act for it.
    pub fn is_closed(self) -> bool {
        matches!(self, State::Closed | State::Withdrawn | State::Rejected)
    }

    /// Waiting for its answer: received or in progress (a deadline can pass).
    pub fn is_open(self) -> bool {
        matches!(self, State::Received | State::InProgress)
    }
}

/// How a request was closed (`requests close --as`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CloseAs {
    /// Done: answered, nothing more to do.
    Done,
    /// The person withdrew the request.
    Withdrawn,
    /// Refused (manifestly unfounded or excessive, identity not established...), the person
    /// told why.
    Rejected,
}

impl CloseAs {
    /// As stored and given to `--as`.
    pub fn as_str(self) -> &'static str {
        match self {
            CloseAs::Done => "done",
            CloseAs::Withdrawn => "withdrawn",
            CloseAs::Rejected => "rejected",
        }
    }

    /// Reads a closing as stored; `None` for anything else.
    pub fn parse(text: &str) -> Option<CloseAs> {
        [CloseAs::Done, CloseAs::Withdrawn, CloseAs::Rejected]
            .into_iter()
            .find(|c| c.as_str() == text)
    }

    /// The state a request closed this way is in.
    pub fn state(self) -> State {
        match self {
            CloseAs::Done => State::Closed,
            CloseAs::Withdrawn => State::Withdrawn,
            CloseAs::Rejected => State::Rejected,
        }
    }
}

/// The closing of a request, as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Closure {
    /// How (serialized as `as`).
    #[serde(rename = "as")]
    pub closed_as: CloseAs,
    /// Why, in the officer's words (checked like an extension's reason: no identifier).
    pub reason: String,
    /// When it was recorded (RFC 3339).
    pub at: String,
}

/// When the request became answered (the RFC 3339 time of what answered it), `None` when it
/// is not:
///
/// - an erasure by its first verified erasure (`verified ok`);
/// - an access request by its first access export from a complete scan (`exported ok`);
/// - a rectification, restriction or objection by its closing as done;
/// - a request of no known type as before types were kept: by a verified erasure, or, when
///   no step says an erasure was asked for, by an access export;
/// - a rejection, whatever its type, by its closing, unless answered before: telling the
///   person why nothing is done is the answer Art. 12(4) asks for within the deadline.
///
/// A withdrawn request is answered only if it was before it was withdrawn.
pub(crate) fn answered_at(
    kind: RequestType,
    events: &[Event],
    closure: Option<&Closure>,
) -> Option<String> {
    let first_ok = |wanted: &[Status]| {
        events
            .iter()
            .find(|e| e.outcome == Outcome::Ok && wanted.contains(&e.status))
            .map(|e| e.at.clone())
    };
    let by_steps = match kind {
        RequestType::Erasure => first_ok(&[Status::Verified]),
        RequestType::Access => first_ok(&[Status::Exported]),
        RequestType::Rectification | RequestType::Restriction | RequestType::Objection => None,
        RequestType::Unspecified => {
            if events.iter().any(|e| e.status == Status::Erased) {
                first_ok(&[Status::Verified])
            } else {
                first_ok(&[Status::Verified, Status::Exported])
            }
        }
    };
    match closure {
        Some(c) if c.closed_as == CloseAs::Done && kind.answered_by_close() => Some(c.at.clone()),
        Some(c) if c.closed_as == CloseAs::Rejected => by_steps.or_else(|| Some(c.at.clone())),
        _ => by_steps,
    }
}

/// The state, from the closing when there is one, else from the steps.
pub(crate) fn state_of(events: &[Event], answered: bool, closure: Option<&Closure>) -> State {
    match closure {
        Some(c) => c.closed_as.state(),
        None if answered => State::Answered,
        None if !events.is_empty() => State::InProgress,
        None => State::Received,
    }
}

impl std::fmt::Display for RequestType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
