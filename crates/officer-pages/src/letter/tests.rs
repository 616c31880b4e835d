use forgetme_access_export::words::Language;
use time::macros::date;

use super::*;

/// A fictional controller.
fn controller() -> ControllerInfo {
    ControllerInfo {
        controller: "Northwind Bakery GmbH\nMusterweg 1, 12345 Beispielstadt".into(),
        contact: "Write to the privacy team at the address above.".into(),
        dpo: Some("The data protection officer, at the address above.".into()),
        complaint: "You may complain to the supervisory authority of Beispielland.".into(),
    }
}

fn facts(request_type: RequestType, kind: LetterKind) -> LetterFacts {
    LetterFacts {
        reference: "DSR-2026-0142".into(),
        request_type,
        received: date!(2026 - 11 - 03),
        written_on: date!(2026 - 11 - 30),
        kind,
    }
}

fn en(f: &LetterFacts) -> Rendered {
    render(f, &controller(), &LetterWords::shipped(Language::En))
}

fn de(f: &LetterFacts) -> Rendered {
    render(f, &controller(), &LetterWords::shipped(Language::De))
}

fn extension() -> LetterFacts {
    facts(
        RequestType::Erasure,
        LetterKind::Extension {
            original_deadline: date!(2026 - 12 - 03),
            new_deadline: date!(2027 - 02 - 03),
            months: 2,
            reason: "the data is held in three systems that must be searched one by one".into(),
        },
    )
}

/// Both forms hold `sentence` (the page escaped, the text wrapped).
fn holds(r: &Rendered, sentence: &str) {
    let escaped = sentence
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    assert!(r.html.contains(&escaped), "{sentence}\nnot in\n{}", r.html);
    let text: Vec<&str> = r.text.split_whitespace().collect();
    let want: Vec<&str> = sentence.split_whitespace().collect();
    assert!(
        text.windows(want.len()).any(|w| w == want.as_slice()),
        "{sentence}\nnot in\n{}",
        r.text
    );
}

#[test]
fn an_acknowledgement_names_the_day_received_and_the_deadline() {
    let f = facts(
        RequestType::Access,
        LetterKind::Acknowledgement {
            deadline: date!(2026 - 12 - 03),
        },
    );
    let r = en(&f);
    holds(&r, "We have received your request");
    holds(&r, "Date: 30 November 2026");
    holds(&r, "Our reference: DSR-2026-0142");
    holds(
        &r,
        "We received your request for a copy of your personal data on 3 November 2026. We will answer by 3 December 2026 at the latest.",
    );
    assert!(r
        .html
        .contains("<p id=\"reference\">Our reference: DSR-2026-0142</p>"));
    assert!(r.html.contains("<html lang=\"en\">"));

    let r = de(&f);
    holds(&r, "Wir haben Ihre Anfrage erhalten");
    holds(&r, "Datum: 30. November 2026");
    holds(&r, "Unser Zeichen: DSR-2026-0142");
    holds(
        &r,
        "Wir haben Ihre Anfrage auf Auskunft über Ihre personenbezogenen Daten am 3. November 2026 erhalten. Wir antworten Ihnen spätestens bis zum 3. Dezember 2026.",
    );
    assert!(r.html.contains("<html lang=\"de\">"));
}

#[test]
fn an_extension_states_both_deadlines_the_months_and_the_reason() {
    let r = en(&extension());
    holds(&r, "We need more time to answer your request");
    holds(
        &r,
        "We received your request to erase your personal data on 3 November 2026. The law gives us one month to answer, until 3 December 2026.",
    );
    holds(&r, "we extend this period by 2 months, as Article 12(3)");
    holds(&r, "We will answer by 3 February 2027 at the latest.");
    assert!(r.html.contains(
        "<p class=\"reason\" id=\"reason\">Why we need more time: the data is held in three systems that must be searched one by one.</p>"
    ), "{}", r.html);

    let r = de(&extension());
    holds(&r, "Wir brauchen mehr Zeit für unsere Antwort");
    holds(&r, "einen Monat Zeit, bis zum 3. Dezember 2026.");
    holds(
        &r,
        "verlängern wir diese Frist um 2 Monate, wie es Artikel 12 Absatz 3",
    );
    holds(
        &r,
        "Wir antworten Ihnen spätestens bis zum 3. Februar 2027.",
    );
    holds(
        &r,
        "Warum wir mehr Zeit brauchen: the data is held in three systems",
    );

    // One month is said in words.
    let mut f = extension();
    if let LetterKind::Extension {
        months,
        new_deadline,
        ..
    } = &mut f.kind
    {
        *months = 1;
        *new_deadline = date!(2027 - 01 - 03);
    }
    holds(&en(&f), "we extend this period by one month,");
    holds(&de(&f), "verlängern wir diese Frist um einen Monat,");
    holds(&de(&f), "bis zum 3. Januar 2027.");
}

#[test]
fn a_completed_erasure_says_when_and_when_the_copies_are_purged() {
    let f = facts(
        RequestType::Erasure,
        LetterKind::Completed {
            done_on: date!(2026 - 11 - 20),
            purge_after: Some(date!(2026 - 12 - 01)),
        },
    );
    let r = en(&f);
    holds(&r, "Your request has been completed");
    holds(&r, "Your personal data was erased on 20 November 2026.");
    holds(
        &r,
        "Copies that remain for a while in backups and in the database's internal files are purged after 1 December 2026.",
    );
    let r = de(&f);
    holds(
        &r,
        "Ihre personenbezogenen Daten wurden am 20. November 2026 gelöscht.",
    );
    holds(&r, "nach dem 1. Dezember 2026 endgültig entfernt.");

    // Without a purge date, no sentence about it.
    let f = facts(
        RequestType::Erasure,
        LetterKind::Completed {
            done_on: date!(2026 - 11 - 20),
            purge_after: None,
        },
    );
    assert!(!en(&f).text.contains("purged"));
    assert!(!de(&f).text.contains("entfernt"));
}

#[test]
fn a_completed_letter_says_what_was_done_for_each_type() {
    let done = |t| {
        facts(
            t,
            LetterKind::Completed {
                done_on: date!(2026 - 11 - 20),
                // Given for every type; only an erasure says it.
                purge_after: Some(date!(2026 - 12 - 01)),
            },
        )
    };
    for (t, english, german) in [
        (
            RequestType::Access,
            "A copy of your personal data, as we held it on 20 November 2026, is enclosed with this letter.",
            "liegt diesem Schreiben bei.",
        ),
        (
            RequestType::Rectification,
            "Your personal data was corrected on 20 November 2026.",
            "am 20. November 2026 berichtigt.",
        ),
        (
            RequestType::Restriction,
            "The use of your personal data was restricted on 20 November 2026.",
            "am 20. November 2026 eingeschränkt.",
        ),
        (
            RequestType::Objection,
            "On 20 November 2026, we stopped using your personal data for the purposes you objected to.",
            "Ihren Widerspruch gegen die Verarbeitung",
        ),
        (
            RequestType::Unspecified,
            "We completed your request on 20 November 2026.",
            "Wir haben Ihre Anfrage am 20. November 2026 erledigt.",
        ),
    ] {
        let f = done(t);
        holds(&en(&f), english);
        holds(&de(&f), german);
        assert!(!en(&f).text.contains("purged"), "{t}");
        assert!(!de(&f).text.contains("entfernt"), "{t}");
    }
}

#[test]
fn nothing_held_says_when_we_searched() {
    let f = facts(
        RequestType::Access,
        LetterKind::NothingHeld {
            searched_on: date!(2026 - 11 - 05),
        },
    );
    let r = en(&f);
    holds(&r, "We hold no personal data about you");
    holds(
        &r,
        "On 5 November 2026, we searched our records for the details you gave us. We hold no personal data about you under them.",
    );
    let r = de(&f);
    holds(&r, "Am 5. November 2026 haben wir unsere Daten");
    holds(
        &r,
        "Unter diesen Angaben speichern wir keine personenbezogenen Daten über Sie.",
    );
}

#[test]
fn every_letter_names_the_controller_and_where_to_turn() {
    let r = en(&extension());
    assert!(r.html.contains(
        "<div class=\"from\" id=\"from\"><p>Northwind Bakery GmbH<br>Musterweg 1, 12345 Beispielstadt</p></div>"
    ), "{}", r.html);
    assert!(
        r.text.starts_with("Northwind Bakery GmbH\nMusterweg 1"),
        "{}",
        r.text
    );
    let t = forgetme_access_export::words::Words::shipped(Language::En);
    for label in [&t.info_contact, &t.info_dpo, &t.info_complaint] {
        assert!(r.html.contains(&format!("<dt>{label}</dt>")), "{label}");
        assert!(r.text.contains(&format!("{label}:\n")), "{label}");
    }
    holds(
        &r,
        "You may complain to the supervisory authority of Beispielland.",
    );
    holds(
        &r,
        "Please quote our reference DSR-2026-0142 whenever you write to us",
    );
    // No DPO, no line.
    let mut c = controller();
    c.dpo = None;
    let r = render(&extension(), &c, &LetterWords::shipped(Language::En));
    assert!(!r.html.contains(&t.info_dpo));
    assert!(!r.text.contains(&t.info_dpo));
}

#[test]
fn the_template_gives_the_controller_and_the_words() {
    let t = forgetme_access_export::template::SubjectTemplate::parse_allowing_example(
        include_str!("../../../../templates/subject-copy.de.toml"),
    )
    .unwrap();
    let c = ControllerInfo::from_template(&t);
    assert_eq!(c.controller, t.controller);
    assert_eq!(c.complaint, t.complaint);
    let r = render(&extension(), &c, &LetterWords::for_template(&t));
    assert!(r.html.contains("<html lang=\"de\">"));
    holds(&r, "Datum: 30. November 2026");
}

#[test]
fn a_reference_or_reason_with_markup_is_text() {
    let mut f = extension();
    f.reference = "DSR-<script>alert(1)</script>\"x".into();
    if let LetterKind::Extension { reason, .. } = &mut f.kind {
        *reason = "\"><script>alert(2)</script><img src=x onerror=alert(3)>".into();
    }
    let mut c = controller();
    c.contact = "<b onclick=\"x\">us</b>".into();
    let r = render(&f, &c, &LetterWords::shipped(Language::En));
    assert!(!r.html.contains("<script"), "{}", r.html);
    assert!(!r.html.contains("<img"));
    assert!(!r.html.contains("<b "));
    assert!(r
        .html
        .contains("DSR-&lt;script&gt;alert(1)&lt;/script&gt;&quot;x"));
    assert!(r
        .html
        .contains("&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"));
    assert!(r
        .html
        .contains("&lt;b onclick=&quot;x&quot;&gt;us&lt;/b&gt;"));
    // The text form is text: nothing to escape, nothing lost.
    assert!(r.text.contains("DSR-<script>alert(1)</script>\"x"));
}

#[test]
fn the_page_is_standalone_and_inert() {
    let r = en(&extension());
    let csp = crate::page::content_security_policy(STYLE);
    assert!(r.html.contains(&format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">"
    )));
    assert!(r.html.contains(&format!("<style>{STYLE}</style>")));
    for banned in [
        "<script", "<link", "<img", "src=", "href=", "url(", "@import",
    ] {
        assert!(!r.html.contains(banned), "{banned}");
    }
    assert!(STYLE.contains("@page{size:A4"));
    assert!(STYLE.contains("@media (max-width:36em)"));
}

#[test]
fn the_text_is_wrapped_and_ends_with_a_line_break() {
    for r in [en(&extension()), de(&extension())] {
        assert!(r.text.ends_with(".\n"), "{}", r.text);
        for line in r.text.lines() {
            assert!(
                line.chars().count() <= WIDTH || !line.contains(' '),
                "{line}"
            );
        }
        assert!(!r.text.contains('<'), "{}", r.text);
    }
}

/// Every word of a German letter is German (the controller's text and the reason aside).
#[test]
fn a_german_letter_has_no_english_words() {
    let english = crate::words::LetterTexts::shipped(Language::En);
    let german = crate::words::LetterTexts::shipped(Language::De);
    let mut f = extension();
    if let LetterKind::Extension { reason, .. } = &mut f.kind {
        *reason = "drei Systeme".into();
    }
    let all = [
        f.clone(),
        facts(
            RequestType::Erasure,
            LetterKind::Completed {
                done_on: date!(2026 - 11 - 20),
                purge_after: Some(date!(2026 - 12 - 01)),
            },
        ),
        facts(
            RequestType::Access,
            LetterKind::Acknowledgement {
                deadline: date!(2026 - 12 - 03),
            },
        ),
        facts(
            RequestType::Objection,
            LetterKind::NothingHeld {
                searched_on: date!(2026 - 11 - 05),
            },
        ),
    ];
    let c = ControllerInfo {
        controller: "Northwind Bäckerei GmbH".into(),
        contact: "Schreiben Sie uns.".into(),
        dpo: Some("Die Datenschutzbeauftragte.".into()),
        complaint: "Bei der Aufsichtsbehörde.".into(),
    };
    for f in all {
        let r = render(&f, &c, &LetterWords::shipped(Language::De));
        for word in [
            "We ",
            "Your ",
            "Our ",
            "Date:",
            "Kind regards",
            "privacy team",
            "request",
            "months",
        ] {
            assert!(!r.text.contains(word), "{word} in\n{}", r.text);
        }
        assert!(r.text.contains(&german.closing));
        assert!(!r.text.contains(&english.closing));
    }
}

#[test]
fn problems_name_a_late_or_malformed_extension() {
    assert!(problems(&extension()).is_empty());
    let mut f = extension();
    f.written_on = date!(2026 - 12 - 04);
    if let LetterKind::Extension {
        months,
        new_deadline,
        reason,
        ..
    } = &mut f.kind
    {
        *months = 3;
        *new_deadline = date!(2026 - 12 - 03);
        *reason = " ".into();
    }
    let p = problems(&f).join("\n");
    for want in [
        "within the first month",
        "not 3",
        "not after the original",
        "states its reason",
    ] {
        assert!(p.contains(want), "{want}: {p}");
    }
    let mut f = facts(
        RequestType::Access,
        LetterKind::Completed {
            done_on: date!(2026 - 11 - 01),
            purge_after: Some(date!(2026 - 12 - 01)),
        },
    );
    f.written_on = date!(2026 - 11 - 01);
    let p = problems(&f).join("\n");
    for want in [
        "dated before",
        "done before",
        "a purge date is for an erasure",
    ] {
        assert!(p.contains(want), "{want}: {p}");
    }
    let f = facts(
        RequestType::Access,
        LetterKind::NothingHeld {
            searched_on: date!(2026 - 11 - 02),
        },
    );
    assert!(problems(&f)[0].contains("search ran before"));
    let f = facts(
        RequestType::Access,
        LetterKind::Acknowledgement {
            deadline: date!(2026 - 11 - 02),
        },
    );
    assert!(problems(&f)[0].contains("deadline is before"));
}

#[test]
fn kinds_have_the_command_lines_names() {
    let kinds = [
        LetterKind::Acknowledgement {
            deadline: date!(2026 - 12 - 03),
        },
        extension().kind,
        LetterKind::Completed {
            done_on: date!(2026 - 11 - 20),
            purge_after: None,
        },
        LetterKind::NothingHeld {
            searched_on: date!(2026 - 11 - 05),
        },
    ];
    let names: Vec<&str> = kinds.iter().map(LetterKind::name).collect();
    assert_eq!(names, LetterKind::NAMES);
}

#[test]
fn a_reason_ends_as_a_sentence_once() {
    for (given, shown) in [
        ("three systems", "Why we need more time: three systems."),
        (
            "  three systems.  ",
            "Why we need more time: three systems.",
        ),
        ("three systems?", "Why we need more time: three systems?"),
    ] {
        let mut f = extension();
        if let LetterKind::Extension { reason, .. } = &mut f.kind {
            *reason = given.into();
        }
        assert!(en(&f).html.contains(&format!(">{shown}</p>")), "{given}");
    }
}
