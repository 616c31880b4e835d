use time::macros::date;

use super::*;

fn row(
    reference: &str,
    request_type: RequestType,
    state: RequestState,
    received: Date,
    deadline: Date,
    answered_on: Option<Date>,
) -> RequestRow {
    RequestRow {
        reference: reference.into(),
        request_type,
        state,
        received,
        deadline,
        answered_on,
    }
}

fn dated(reference: &str, date: Date) -> DatedRow {
    DatedRow {
        reference: reference.into(),
        date,
    }
}

/// A made-up ledger on 6 December 2026.
fn input() -> DashboardInput {
    use RequestState::*;
    use RequestType::*;
    DashboardInput {
        today: date!(2026 - 12 - 06),
        due_soon_days: 7,
        requests: vec![
            row(
                "DSR-2026-0101",
                Erasure,
                InProgress,
                date!(2026 - 10 - 20),
                date!(2026 - 11 - 20),
                None,
            ),
            row(
                "DSR-2026-0102",
                Access,
                Received,
                date!(2026 - 11 - 10),
                date!(2026 - 12 - 10),
                None,
            ),
            row(
                "DSR-2026-0103",
                Access,
                InProgress,
                date!(2026 - 11 - 30),
                date!(2026 - 12 - 30),
                None,
            ),
            // November: 13, 30 and 35 days; the last one past its deadline.
            row(
                "DSR-2026-0090",
                Erasure,
                Answered,
                date!(2026 - 11 - 01),
                date!(2026 - 12 - 01),
                Some(date!(2026 - 11 - 14)),
            ),
            row(
                "DSR-2026-0091",
                Access,
                Closed,
                date!(2026 - 10 - 25),
                date!(2026 - 11 - 25),
                Some(date!(2026 - 11 - 24)),
            ),
            row(
                "DSR-2026-0092",
                Rectification,
                Closed,
                date!(2026 - 10 - 01),
                date!(2026 - 11 - 01),
                Some(date!(2026 - 11 - 05)),
            ),
            row(
                "DSR-2026-0093",
                Objection,
                Withdrawn,
                date!(2026 - 09 - 01),
                date!(2026 - 10 - 01),
                None,
            ),
            // August: 20 and 7 days.
            row(
                "DSR-2026-0080",
                Erasure,
                Closed,
                date!(2026 - 08 - 01),
                date!(2026 - 09 - 01),
                Some(date!(2026 - 08 - 21)),
            ),
            row(
                "DSR-2026-0081",
                Access,
                Rejected,
                date!(2026 - 08 - 03),
                date!(2026 - 09 - 03),
                Some(date!(2026 - 08 - 10)),
            ),
            // Its deadline has passed, but it was answered: not overdue. October: 28 days.
            row(
                "DSR-2026-0094",
                Erasure,
                Answered,
                date!(2026 - 09 - 10),
                date!(2026 - 10 - 10),
                Some(date!(2026 - 10 - 08)),
            ),
        ],
        rechecks: vec![
            dated("DSR-2026-0090", date!(2026 - 12 - 10)),
            dated("DSR-2026-0080", date!(2027 - 02 - 21)),
            dated("DSR-2026-0094", date!(2026 - 12 - 01)),
        ],
        purges: vec![
            dated("DSR-2026-0094", date!(2026 - 12 - 20)),
            dated("DSR-2026-0090", date!(2026 - 11 - 24)),
        ],
    }
}

/// The HTML of the element with `id`, up to its tag's first closing tag (none of the parts
/// looked at holds an element of its own kind).
fn part<'a>(page: &'a str, id: &str) -> &'a str {
    let at = page
        .find(&format!(" id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {page}"));
    let open = page[..at].rfind('<').unwrap();
    let tag: String = page[open + 1..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    let rest = &page[open..];
    &rest[..rest.find(&format!("</{tag}>")).unwrap()]
}

/// The references in a part, in order.
fn references(html: &str) -> Vec<&str> {
    html.split("<th scope=\"row\">")
        .skip(1)
        .map(|s| &s[..s.find('<').unwrap()])
        .collect()
}

#[test]
fn overdue_and_due_soon_are_open_requests_by_deadline() {
    let page = render(&input());
    assert!(page.contains("<p class=\"asof\" id=\"today\">As of 2026-12-06.</p>"));
    let overdue = part(&page, "overdue");
    assert_eq!(references(overdue), ["DSR-2026-0101"]);
    assert!(overdue.contains(
        "<tr class=\"late\"><th scope=\"row\">DSR-2026-0101</th><td>Erasure (Art. 17)</td><td>In progress</td><td>2026-10-20</td><td>2026-11-20</td><td class=\"n\">-16</td></tr>"
    ), "{overdue}");
    let soon = part(&page, "due-soon");
    assert!(soon.contains("Due in the next 7 days"));
    assert_eq!(references(soon), ["DSR-2026-0102"]);
    assert!(soon.contains("<td class=\"n\">4</td>"));
    for (id, n) in [
        ("total", 10),
        ("open", 3),
        ("overdue-count", 1),
        ("due-soon-count", 1),
        ("rechecks-count", 2),
        ("purges-count", 1),
    ] {
        assert!(
            part(&page, id).contains(&format!("<b>{n}</b>")),
            "{id}: {}",
            part(&page, id)
        );
    }
    assert!(page.contains("<div class=\"tile bad\" id=\"overdue-count\">"));
}

#[test]
fn rechecks_due_and_purge_dates_in_date_order() {
    let page = render(&input());
    let rechecks = part(&page, "rechecks");
    assert_eq!(references(rechecks), ["DSR-2026-0094", "DSR-2026-0090"]);
    assert!(
        rechecks.contains("1 more re-check scheduled later."),
        "{rechecks}"
    );
    let purges = part(&page, "purges");
    assert_eq!(references(purges), ["DSR-2026-0090", "DSR-2026-0094"]);
    assert!(
        purges.contains("<td>2026-11-24</td><td class=\"n\">-12</td>"),
        "{purges}"
    );
}

#[test]
fn counts_by_type_and_by_state_add_up() {
    let page = render(&input());
    let by_type = part(&page, "by-type");
    for (label, n) in [
        ("Access (Art. 15)", 4),
        ("Erasure (Art. 17)", 4),
        ("Rectification (Art. 16)", 1),
        ("Restriction (Art. 18)", 0),
        ("Objection (Art. 21)", 1),
        ("Not specified", 0),
        ("Total", 10),
    ] {
        assert!(
            by_type.contains(&format!(
                "<th scope=\"row\">{label}</th><td class=\"n\">{n}</td>"
            )),
            "{label} {n}: {by_type}"
        );
    }
    let by_state = part(&page, "by-state");
    for (label, n) in [
        ("Received", 1),
        ("In progress", 2),
        ("Answered", 2),
        ("Closed", 3),
        ("Withdrawn", 1),
        ("Rejected", 1),
        ("Total", 10),
    ] {
        assert!(
            by_state.contains(&format!(
                "<th scope=\"row\">{label}</th><td class=\"n\">{n}</td>"
            )),
            "{label} {n}: {by_state}"
        );
    }
}

#[test]
fn median_days_to_answer_per_month_answered() {
    let page = render(&input());
    let table = part(&page, "per-month");
    let row = |month: &str, answered: usize, median: &str, late: usize| {
        format!("<tr><th scope=\"row\">{month}</th><td class=\"n\">{answered}</td><td class=\"n\">{median}</td><td class=\"n\">{late}</td></tr>")
    };
    // Odd: 13, 30, 35 (one past its deadline); even: 7, 20; one: 28; none.
    for want in [
        row("November 2026", 3, "30", 1),
        row("August 2026", 2, "13.5", 0),
        row("October 2026", 1, "28", 0),
        row("December 2026", 0, "–", 0),
        row("January 2026", 0, "–", 0),
    ] {
        assert!(table.contains(&want), "{want}\n{table}");
    }
    assert_eq!(table.matches("<tr>").count(), 1 + 12, "{table}");
    let chart = part(&page, "chart");
    assert_eq!(chart.matches("<rect").count(), 3, "{chart}");
    assert!(chart.contains(">13.5</text>"), "{chart}");
}

#[test]
fn an_empty_ledger_says_so() {
    let mut i = input();
    i.requests.clear();
    i.rechecks.clear();
    i.purges.clear();
    let page = render(&i);
    assert!(
        page.contains("id=\"no-requests\">No requests yet"),
        "{page}"
    );
    for id in ["overdue", "tiles", "chart", "by-type"] {
        assert!(!page.contains(&format!("id=\"{id}\"")), "{id}");
    }
    // Requests, none of them due: each part says there is nothing.
    let mut i = input();
    i.requests.retain(|r| !r.state.is_open());
    i.rechecks.clear();
    i.purges.clear();
    let page = render(&i);
    assert!(part(&page, "overdue").contains("No open request is past its deadline."));
    assert!(part(&page, "due-soon").contains("No open request falls due"));
    assert!(part(&page, "rechecks").contains("No receipt re-check is due"));
    assert!(part(&page, "purges").contains("No erased data waits"));
}

#[test]
fn a_reference_with_markup_is_text() {
    let mut i = input();
    i.requests[0].reference = "DSR-<script>alert(1)</script>\"x".into();
    i.purges[0].reference = "\"><img src=x onerror=alert(2)>".into();
    let page = render(&i);
    assert!(!page.contains("<script"), "{page}");
    assert!(!page.contains("<img"), "{page}");
    assert!(page.contains("DSR-&lt;script&gt;alert(1)&lt;/script&gt;&quot;x"));
    assert!(page.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
}

#[test]
fn the_page_is_standalone_and_inert() {
    let page = render(&input());
    let csp = crate::page::content_security_policy(STYLE);
    assert!(page.contains(&format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">"
    )));
    for banned in [
        "<script", "<link", "<img", "src=", "href=", "url(", "@import", "style=\"",
    ] {
        assert!(!page.contains(banned), "{banned}");
    }
}
