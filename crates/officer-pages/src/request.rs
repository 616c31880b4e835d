//! What a request is and where it stands, as the letters and the dashboard name them.
//!
//! These are the crate's own: the pages are filled from the request ledger by the binary, and
//! a page must not change whenever the ledger's storage does. Each has the lower-case,
//! hyphenated name the command line and the ledger write (`in-progress`, `nothing-held`).

use std::fmt;

/// What the person asked for (GDPR Art. 15 to 21).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RequestType {
    /// Art. 15: a copy of their data.
    Access,
    /// Art. 17: their data erased.
    Erasure,
    /// Art. 16: their data corrected.
    Rectification,
    /// Art. 18: the use of their data restricted.
    Restriction,
    /// Art. 21: an objection to the use of their data.
    Objection,
    /// Not said or not yet known: the letters then speak of "your request".
    Unspecified,
}

impl RequestType {
    /// Every type, in the order the dashboard counts them.
    pub const ALL: [RequestType; 6] = [
        RequestType::Access,
        RequestType::Erasure,
        RequestType::Rectification,
        RequestType::Restriction,
        RequestType::Objection,
        RequestType::Unspecified,
    ];

    /// Its name: `access`, `erasure`...
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

    /// From its name (any case, spaces around ignored).
    pub fn parse(text: &str) -> Option<RequestType> {
        let t = text.trim().to_ascii_lowercase();
        RequestType::ALL.into_iter().find(|r| r.as_str() == t)
    }
}

impl fmt::Display for RequestType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RequestState {
    /// Recorded, nothing done yet.
    Received,
    /// Being worked on.
    InProgress,
    /// The person has their answer.
    Answered,
    /// Nothing left to do (re-checks and purges included).
    Closed,
    /// The person took it back.
    Withdrawn,
    /// Refused (Art. 12(5): manifestly unfounded or excessive), the person told why.
    Rejected,
}

impl RequestState {
    /// Every state, in the order the dashboard counts them.
    pub const ALL: [RequestState; 6] = [
        RequestState::Received,
        RequestState::InProgress,
        RequestState::Answered,
        RequestState::Closed,
        RequestState::Withdrawn,
        RequestState::Rejected,
    ];

    /// Its name: `received`, `in-progress`...
    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Received => "received",
            RequestState::InProgress => "in-progress",
            RequestState::Answered => "answered",
            RequestState::Closed => "closed",
            RequestState::Withdrawn => "withdrawn",
            RequestState::Rejected => "rejected",
        }
    }

    /// From its name (any case, spaces around ignored; `in progress` and `in_progress` too).
    pub fn parse(text: &str) -> Option<RequestState> {
        let t = text.trim().to_ascii_lowercase().replace([' ', '_'], "-");
        RequestState::ALL.into_iter().find(|s| s.as_str() == t)
    }

    /// Still waiting for its answer: its deadline counts.
    pub fn is_open(self) -> bool {
        matches!(self, RequestState::Received | RequestState::InProgress)
    }
}

impl fmt::Display for RequestState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back() {
        for t in RequestType::ALL {
            assert_eq!(RequestType::parse(&t.to_string().to_uppercase()), Some(t));
        }
        for s in RequestState::ALL {
            assert_eq!(RequestState::parse(&format!(" {s} ")), Some(s));
        }
        assert_eq!(
            RequestState::parse("In Progress"),
            Some(RequestState::InProgress)
        );
        assert_eq!(RequestType::parse("deletion"), None);
    }

    #[test]
    fn only_received_and_in_progress_wait_for_an_answer() {
        let open: Vec<RequestState> = RequestState::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .collect();
        assert_eq!(open, [RequestState::Received, RequestState::InProgress]);
    }
}
