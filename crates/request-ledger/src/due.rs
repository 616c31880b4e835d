//! What is due: the deadlines, receipt re-checks and purge checks of the ledger's requests
//! within a number of days, for a privacy officer's morning or a cron job
//! (`gdpr_forget_me requests due`). A closed request (closed, withdrawn or rejected) has
//! nothing due: closing is the officer's word that nothing more is to be done.

use serde::Serialize;
use time::Date;

use crate::dates::{date_of_rfc3339, format_date, parse_date};
use crate::{RequestType, State, Summary};

/// What falls due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DueKind {
    /// The request's answer (Art. 12(3)): not answered yet.
    Deadline,
    /// The deadline of a request not extended, while it can still be: by the end of the first
    /// month the request is answered, or extended and the person told why (Art. 12(3)).
    ExtensionDecision,
    /// A receipt re-check (`--recheck-receipt`): the erased data must still be gone.
    Recheck,
    /// The erased data may be purged from disk by compaction: time to check the nodes' files
    /// (`disk-check`) and run the purge.
    PurgeCheck,
}

/// One thing due, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Due {
    /// The request.
    pub id: String,
    /// The request's type (serialized as `type`), so that a reader knows what answers it.
    #[serde(rename = "type")]
    pub request_type: RequestType,
    /// Where the request stands.
    pub state: State,
    /// What is due.
    pub kind: DueKind,
    /// When (YYYY-MM-DD).
    pub date: String,
    /// Days from today (negative: overdue).
    pub days_left: i64,
}

impl Due {
    /// Past its date.
    pub fn overdue(&self) -> bool {
        self.days_left < 0
    }
}

/// Everything due on or before `today + within` days, overdue first, then by date.
pub fn due(list: &[Summary], today: Date, within: i64) -> Vec<Due> {
    let mut out = Vec::new();
    let mut push = |s: &Summary, kind: DueKind, date: Date| {
        let days_left = (date - today).whole_days();
        if days_left <= within {
            out.push(Due {
                id: s.id.clone(),
                request_type: s.kind,
                state: s.state,
                kind,
                date: format_date(date),
                days_left,
            });
        }
    };
    for s in list.iter().filter(|s| !s.state.is_closed()) {
        let Some(received) = parse_date(&s.received) else {
            continue;
        };
        if !s.answered {
            // Not extended, the deadline is the end of the first month, and until it passes
            // the request may still be extended: that decision is what is due. Afterwards (or
            // once extended) only the deadline is.
            let first_month_end = crate::dates::add_months(received, 1);
            if s.extended_months == 0 && (first_month_end - today).whole_days() >= 0 {
                push(s, DueKind::ExtensionDecision, first_month_end);
            } else if let Some(deadline) = parse_date(&s.deadline) {
                push(s, DueKind::Deadline, deadline);
            }
        }
        if let Some(recheck) = s.next_recheck_due.as_deref().and_then(parse_date) {
            push(s, DueKind::Recheck, recheck);
        }
        // Once every node's disk report is clean, nothing is left to check.
        if let Some(purge) = s
            .purge_after
            .as_deref()
            .and_then(date_of_rfc3339)
            .filter(|_| !s.physically_purged)
        {
            push(s, DueKind::PurgeCheck, purge);
        }
    }
    out.sort_by(|a, b| (a.days_left, a.kind, &a.id).cmp(&(b.days_left, b.kind, &b.id)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CloseAs, Closure, Outcome, Status};

    fn summary(id: &str, received: &str, deadline: &str, answered: bool) -> Summary {
        Summary {
            id: id.into(),
            kind: RequestType::Erasure,
            state: if answered {
                State::Answered
            } else {
                State::Received
            },
            received: received.into(),
            deadline: deadline.into(),
            extended_months: 0,
            days_left: 0,
            overdue: false,
            answered,
            answered_on: answered.then(|| "2026-10-20".into()),
            closed: None,
            status: Status::Received,
            outcome: Outcome::Ok,
            purge_after: None,
            next_recheck_due: None,
            physically_purged: false,
            subjects: 1,
        }
    }

    #[test]
    fn deadlines_rechecks_and_purges_within_the_window_overdue_first() {
        let today = parse_date("2026-12-06").unwrap();
        let mut answered = summary("DSR-3", "2026-10-01", "2026-11-01", true);
        answered.next_recheck_due = Some("2026-12-10".into());
        answered.purge_after = Some("2026-12-30T10:00:00Z".into());
        let list = [
            summary("DSR-1", "2026-10-20", "2026-11-20", false),
            summary("DSR-2", "2026-11-30", "2026-12-30", false),
            answered,
        ];
        let due7 = due(&list, today, 7);
        let got: Vec<(&str, DueKind, i64)> = due7
            .iter()
            .map(|d| (d.id.as_str(), d.kind, d.days_left))
            .collect();
        assert_eq!(
            got,
            [
                ("DSR-1", DueKind::Deadline, -16),
                ("DSR-3", DueKind::Recheck, 4)
            ]
        );
        assert!(due7[0].overdue());
        let due30 = due(&list, today, 30);
        assert!(due30
            .iter()
            .any(|d| d.id == "DSR-2" && d.kind == DueKind::ExtensionDecision && d.days_left == 24));
        assert!(due30
            .iter()
            .any(|d| d.id == "DSR-3" && d.kind == DueKind::PurgeCheck && d.date == "2026-12-30"));
        // An answered request has no deadline due; an extended one no extension decision.
        assert!(!due30
            .iter()
            .any(|d| d.id == "DSR-3" && d.kind == DueKind::Deadline));
        assert!(due30.iter().all(|d| d.request_type == RequestType::Erasure));
    }

    /// A closed request, in any way, has nothing due: not its overdue deadline, not its
    /// re-check, not its purge check.
    #[test]
    fn a_closed_request_has_nothing_due() {
        let today = parse_date("2026-12-06").unwrap();
        let mut open = summary("DSR-1", "2026-10-01", "2026-11-01", false);
        open.next_recheck_due = Some("2026-12-01".into());
        open.purge_after = Some("2026-11-30T10:00:00Z".into());
        assert_eq!(due(std::slice::from_ref(&open), today, 0).len(), 3);
        for how in [CloseAs::Done, CloseAs::Withdrawn, CloseAs::Rejected] {
            let mut closed = open.clone();
            closed.state = how.state();
            closed.closed = Some(Closure {
                closed_as: how,
                reason: "done".into(),
                at: "2026-12-05T09:00:00Z".into(),
            });
            assert_eq!(due(&[closed], today, 365), [], "{how:?}");
        }
    }
}
