//! Writes a sample dashboard and every letter, in English and German, from made-up requests
//! (fictional references, the shipped example template's fictional company), to look at them
//! in a browser or print them:
//!
//! ```sh
//! cargo run -p forgetme-officer-pages --example render -- /tmp/officer-pages
//! ```
//!
//! docs/dashboard.png and docs/letter-extension.png are screenshots of its pages.

use std::path::PathBuf;

use forgetme_access_export::template::SubjectTemplate;
use forgetme_officer_pages::{
    dashboard, letter, ControllerInfo, DashboardInput, DatedRow, LetterFacts, LetterKind,
    LetterWords, RequestRow, RequestState, RequestType,
};
use time::macros::date;
use time::{Date, Duration};

fn main() -> std::io::Result<()> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "officer-pages-sample".into()),
    );
    std::fs::create_dir_all(&out)?;
    std::fs::write(
        out.join("dashboard.html"),
        dashboard::render(&sample_ledger()),
    )?;
    for (code, text) in [
        ("en", include_str!("../../../templates/subject-copy.toml")),
        (
            "de",
            include_str!("../../../templates/subject-copy.de.toml"),
        ),
    ] {
        let template =
            SubjectTemplate::parse_allowing_example(text).expect("the shipped example parses");
        let controller = ControllerInfo::from_template(&template);
        let words = LetterWords::for_template(&template);
        for facts in sample_letters() {
            let r = letter::render(&facts, &controller, &words);
            let name = format!("letter-{}.{code}", facts.kind.name());
            std::fs::write(out.join(format!("{name}.html")), r.html)?;
            std::fs::write(out.join(format!("{name}.txt")), r.text)?;
        }
    }
    println!("wrote the dashboard and the letters to {}", out.display());
    Ok(())
}

/// One letter of each kind, for made-up requests.
fn sample_letters() -> Vec<LetterFacts> {
    let facts = |reference: &str, request_type, received, written_on, kind| LetterFacts {
        reference: String::from(reference),
        request_type,
        received,
        written_on,
        kind,
    };
    vec![
        facts(
            "DSR-2026-0142",
            RequestType::Access,
            date!(2026 - 11 - 30),
            date!(2026 - 12 - 01),
            LetterKind::Acknowledgement {
                deadline: date!(2026 - 12 - 30),
            },
        ),
        facts(
            "DSR-2026-0131",
            RequestType::Erasure,
            date!(2026 - 11 - 12),
            date!(2026 - 12 - 04),
            LetterKind::Extension {
                original_deadline: date!(2026 - 12 - 12),
                new_deadline: date!(2027 - 02 - 12),
                months: 2,
                reason: "your details are held in three systems that must each be searched by hand, and we received an unusual number of requests this month".into(),
            },
        ),
        facts(
            "DSR-2026-0127",
            RequestType::Erasure,
            date!(2026 - 11 - 03),
            date!(2026 - 11 - 20),
            LetterKind::Completed {
                done_on: date!(2026 - 11 - 19),
                purge_after: Some(date!(2026 - 11 - 29)),
            },
        ),
        facts(
            "DSR-2026-0139",
            RequestType::Access,
            date!(2026 - 11 - 24),
            date!(2026 - 11 - 26),
            LetterKind::NothingHeld {
                searched_on: date!(2026 - 11 - 25),
            },
        ),
    ]
}

/// A year of made-up requests, as of 6 December 2026.
fn sample_ledger() -> DashboardInput {
    let today = date!(2026 - 12 - 06);
    let types = [
        RequestType::Erasure,
        RequestType::Access,
        RequestType::Erasure,
        RequestType::Access,
        RequestType::Rectification,
        RequestType::Erasure,
        RequestType::Objection,
        RequestType::Restriction,
        RequestType::Unspecified,
    ];
    let mut requests = Vec::new();
    // A small, fixed pseudo-random sequence: the same page every run.
    let mut seed: u64 = 0x5eed;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let mut number = 1;
    let mut received = date!(2025 - 12 - 01);
    while received < today {
        let request_type = types[next(types.len() as u64) as usize];
        let deadline = add_month(received);
        let reference = format!("DSR-{}-{number:04}", received.year());
        number += 1;
        // Most take one to four weeks; a few longer.
        let took = if next(9) == 0 {
            35 + next(30) as i64
        } else {
            5 + next(24) as i64
        };
        let answered = received + Duration::days(took);
        // Most that took longer were extended in time; a few were answered late.
        let deadline = if took > 30 && next(4) != 0 {
            add_month(add_month(deadline))
        } else {
            deadline
        };
        let (state, answered_on) = if answered <= today {
            let state = match next(12) {
                0 => RequestState::Rejected,
                1 => RequestState::Withdrawn,
                2..=5 => RequestState::Answered,
                _ => RequestState::Closed,
            };
            let answered_on = (state != RequestState::Withdrawn).then_some(answered);
            (state, answered_on)
        } else if next(2) == 0 {
            (RequestState::InProgress, None)
        } else {
            (RequestState::Received, None)
        };
        requests.push(RequestRow {
            reference,
            request_type,
            state,
            received,
            deadline,
            answered_on,
        });
        received += Duration::days(2 + next(6) as i64);
    }
    // Two falling due soon, and one forgotten past its deadline.
    for (reference, request_type, received) in [
        ("DSR-2026-0121", RequestType::Access, date!(2026 - 11 - 09)),
        ("DSR-2026-0124", RequestType::Erasure, date!(2026 - 11 - 16)),
    ] {
        requests.push(RequestRow {
            reference: reference.into(),
            request_type,
            state: RequestState::InProgress,
            received,
            deadline: add_month(received),
            answered_on: None,
        });
    }
    // Recent erasures: each receipt is re-checked a month on, and the purge date (ten days
    // on, from the tables' gc_grace_seconds) is listed until the nodes' disks are checked.
    let mut rechecks = Vec::new();
    let mut purges = Vec::new();
    for (reference, received, answered) in [
        (
            "DSR-2026-0109",
            date!(2026 - 10 - 09),
            date!(2026 - 11 - 03),
        ),
        (
            "DSR-2026-0127",
            date!(2026 - 11 - 03),
            date!(2026 - 11 - 19),
        ),
        (
            "DSR-2026-0133",
            date!(2026 - 11 - 20),
            date!(2026 - 12 - 01),
        ),
    ] {
        requests.push(RequestRow {
            reference: reference.into(),
            request_type: RequestType::Erasure,
            state: RequestState::Answered,
            received,
            deadline: add_month(received),
            answered_on: Some(answered),
        });
        rechecks.push(DatedRow {
            reference: reference.into(),
            date: answered + Duration::days(30),
        });
        purges.push(DatedRow {
            reference: reference.into(),
            date: answered + Duration::days(10),
        });
    }
    requests.push(RequestRow {
        reference: "DSR-2026-0118".into(),
        request_type: RequestType::Erasure,
        state: RequestState::InProgress,
        received: date!(2026 - 10 - 28),
        deadline: date!(2026 - 11 - 28),
        answered_on: None,
    });
    DashboardInput {
        today,
        due_soon_days: 14,
        requests,
        rechecks,
        purges,
    }
}

/// One calendar month later, on the month's last day when it is shorter.
fn add_month(d: Date) -> Date {
    let (year, month) = match d.month().next() {
        time::Month::January => (d.year() + 1, time::Month::January),
        m => (d.year(), m),
    };
    (1..=d.day())
        .rev()
        .find_map(|day| Date::from_calendar_date(year, month, day).ok())
        .expect("every month has a first day")
}
