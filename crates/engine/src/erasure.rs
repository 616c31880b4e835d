//! Glue between the search and the erasure library: turning hits into setting targets,
//! asking for confirmation, and printing what happened.

use std::io::{IsTerminal, Write};

use forgetme_audit::contract::{
    GroupPlace, OutcomeCounts, RefusedPlan, RunEnd, RunOutcome, Verification as VerificationEvent,
};
use forgetme_audit::{AuditKey, AuditLog};
use forgetme_cleanup::{
    erase_all, verify_targets, Eraser, SettingResult, SettingTarget, Verification,
};
use forgetme_matcher::{ErasureOptions, Identifier, Matcher};
use forgetme_scanner::layout::Layout;
use forgetme_scanner::{Consistency, Session};
use gws_client::GwsClient;
use serde_json::{json, Value};

use crate::audit_trail::record;
use crate::failure::Failure;
use crate::report::{printable, UserNames};
use forgetme_findings::erasure_plan::{
    plan_size, tally, targets, PlanSize, DEFAULT_MAX_AGENTS, DEFAULT_MAX_SETTINGS,
};
use forgetme_findings::SearchOutcome;

/// What the erasure phase did.
pub enum CleanupRun {
    /// Nothing erasable was found.
    NothingToErase,
    /// The operator did not confirm.
    NotConfirmed,
    /// The plan was larger than one person's data usually is, and no flag allowed it.
    TooLarge(PlanSize),
    /// Settings were handled and verified.
    Done(Vec<SettingResult>, Verification),
}

/// Everything the erasure phase needs.
pub struct CleanupContext<'a> {
    /// Cassandra, for the verification read.
    pub session: &'a Session,
    /// GWS admin session.
    pub gws: &'a GwsClient,
    /// The run's identifiers.
    pub matcher: &'a Matcher,
    /// In a batch, the other requests' identifiers: a record holding one is never erased
    /// for this request (it needs review). `None` for a single run.
    pub other_requests: Option<&'a Matcher>,
    /// HMAC key.
    pub key: &'a AuditKey,
    /// Layout, to find each table's value column.
    pub layout: &'a Layout,
    /// User names for messages.
    pub names: &'a UserNames,
    /// Skip the question.
    pub yes: bool,
    /// Whole settings only; possible matches too.
    pub options: ErasureOptions,
    /// Verification consistency (also of the collateral-damage reads).
    pub verify_consistency: Consistency,
    /// `--max-erase`, or [`DEFAULT_MAX_SETTINGS`].
    pub max_settings: usize,
    /// `--max-erase-agents`, or [`DEFAULT_MAX_AGENTS`].
    pub max_agents: usize,
}

impl<'a> CleanupContext<'a> {
    /// The context of the command line's options (`--yes`, `--erase`,
    /// `--erase-possible-matches`, `--verify-consistency`, `--max-erase`,
    /// `--max-erase-agents`), for one run or one request of a batch.
    #[allow(clippy::too_many_arguments)]
    pub fn from_args(
        args: &crate::args::Args,
        session: &'a Session,
        gws: &'a GwsClient,
        matcher: &'a Matcher,
        key: &'a AuditKey,
        layout: &'a Layout,
        names: &'a UserNames,
    ) -> Self {
        CleanupContext {
            session,
            gws,
            matcher,
            other_requests: None,
            key,
            layout,
            names,
            yes: args.yes,
            options: ErasureOptions {
                force_whole_setting: args.erase == crate::args::EraseMode::Setting,
                erase_possible: args.erase_possible_matches,
            },
            verify_consistency: args.verify_consistency.to_driver(),
            max_settings: args.max_erase.unwrap_or(DEFAULT_MAX_SETTINGS),
            max_agents: args.max_erase_agents.unwrap_or(DEFAULT_MAX_AGENTS),
        }
    }
}

/// Lists, confirms, erases, verifies, and records each step, then writes `run_end`.
pub async fn run(
    ctx: &CleanupContext<'_>,
    log: &mut AuditLog,
    outcome: &SearchOutcome,
) -> Result<CleanupRun, Failure> {
    let erase_possible = ctx.options.erase_possible;
    if outcome.truncated() {
        // The listing holds only part of the hits: a plan built from it would erase part of
        // what matched and call it done. The counts are all that is known of the rest.
        let size = PlanSize {
            settings: outcome.totals.settings as usize,
            agents: outcome.totals.agents as usize,
            possible_only: 0,
        };
        eprintln!(
            "Refused: the search matched {} setting(s)/row(s) of {} agent(s), far more than one person's data, and only {} are listed. Nothing was changed. Narrow the search; to go ahead all the same, repeat with --max-erase {} --max-erase-agents {}.",
            size.settings,
            size.agents,
            outcome.totals.listed_settings,
            size.settings.max(DEFAULT_MAX_SETTINGS),
            size.agents.max(DEFAULT_MAX_AGENTS),
        );
        record(log, &refused_end(outcome.complete(), &size, ctx))?;
        return Ok(CleanupRun::TooLarge(size));
    }
    let targets = targets(&outcome.found, ctx.layout, erase_possible);
    let size = plan_size(&outcome.found, &targets, erase_possible);
    if size.possible_only > 0 {
        eprintln!(
            "note: {} setting(s) hold only possible matches (national numbers that are the subject's only if written in another country than --default-region says, or none is given) and are left alone; check them, then --erase-possible-matches erases them",
            size.possible_only
        );
    }
    let too_large = size.settings > ctx.max_settings || size.agents > ctx.max_agents;
    let run = if targets.is_empty() {
        CleanupRun::NothingToErase
    } else if too_large {
        eprintln!(
            "Refused: the plan would erase {}, more than this run allows ({} settings, {} agents). One person's data rarely spans that much: check the search is not too broad. Nothing was changed. To go ahead, repeat with --max-erase {} --max-erase-agents {}.",
            size.describe(),
            ctx.max_settings,
            ctx.max_agents,
            size.settings.max(DEFAULT_MAX_SETTINGS),
            size.agents.max(DEFAULT_MAX_AGENTS),
        );
        CleanupRun::TooLarge(size)
    } else if !ctx.yes
        && !confirm(
            &targets,
            &size,
            ctx.names,
            ctx.gws.base_url().as_str(),
            ctx.matcher.identifiers(),
            &|t: &SettingTarget| {
                let key = forgetme_findings::found::ValueKey {
                    table: t.table.clone(),
                    row_key: t.row_key.clone(),
                    column: None,
                };
                forgetme_findings::erasure_plan::preview(
                    t,
                    outcome.values.get(&key).map(String::as_str),
                    ctx.matcher,
                    ctx.other_requests,
                    ctx.options,
                )
            },
        )
    {
        eprintln!("Nothing erased: not confirmed.");
        CleanupRun::NotConfirmed
    } else {
        eprintln!("Erasing the data subject from {}.", size.describe());
        let mut eraser = Eraser {
            gws: ctx.gws,
            matcher: ctx.matcher,
            other_requests: ctx.other_requests,
            audit: log,
            audit_key: ctx.key,
            options: ctx.options,
            store: ctx.session,
            consistency: ctx.verify_consistency,
        };
        let mut results = erase_all(&mut eraser, &targets)
            .await
            .map_err(Failure::Run)?;
        let verification = verify_targets(
            ctx.session,
            &targets,
            ctx.matcher,
            ctx.verify_consistency,
            erase_possible,
        )
        .await;
        record(log, &verification_event(&targets, &verification))?;
        // What GWS said it erased but the read-back still finds is no erasure.
        forgetme_cleanup::demote_claims_verification_refutes(&mut results, &verification);
        CleanupRun::Done(results, verification)
    };
    let complete = outcome.complete();
    let end = match &run {
        CleanupRun::NotConfirmed => RunEnd {
            outcome: RunOutcome::NotConfirmed,
            complete,
            counts: None,
            collateral_damage: None,
            changed_meanwhile: None,
            refused: None,
        },
        CleanupRun::TooLarge(size) => refused_end(complete, size, ctx),
        CleanupRun::NothingToErase => RunEnd {
            outcome: RunOutcome::NothingToErase,
            complete,
            counts: Some(OutcomeCounts {
                verified: true,
                ..OutcomeCounts::default()
            }),
            collateral_damage: None,
            changed_meanwhile: None,
            refused: None,
        },
        CleanupRun::Done(results, v) => {
            let t = tally(results);
            RunEnd {
                outcome: RunOutcome::Done,
                complete,
                counts: Some(OutcomeCounts {
                    erased: t.erased,
                    already_gone: t.already_gone,
                    skipped_changed: t.skipped_changed,
                    not_erased: t.not_erased,
                    needs_review: t.needs_review,
                    failed: t.failed + t.claimed_still_stored,
                    verified: forgetme_findings::erasure_plan::erasure_verified(
                        results, v, complete,
                    ),
                }),
                collateral_damage: Some(t.collateral_damage),
                changed_meanwhile: Some(t.changed_meanwhile),
                refused: None,
            }
        }
    };
    record(log, &end)?;
    Ok(run)
}

/// The `run_end` of a plan refused as too large.
fn refused_end(complete: bool, size: &PlanSize, ctx: &CleanupContext<'_>) -> RunEnd {
    RunEnd {
        outcome: RunOutcome::RefusedTooLarge,
        complete,
        counts: None,
        collateral_damage: None,
        changed_meanwhile: None,
        refused: Some(RefusedPlan {
            planned_settings: size.settings,
            planned_agents: size.agents,
            max_settings: ctx.max_settings,
            max_agents: ctx.max_agents,
        }),
    }
}

/// How large the plan is: its settings, their agents, and the settings left out because they
/// hold only possible matches.
fn owner(t: &SettingTarget, names: &UserNames) -> String {
    crate::report::user_label(&t.user_id, names)
}

/// Lists the plan on stderr and asks. `true` to go on.
///
/// The identifiers the plan erases are listed with how each was read, so that a number read
/// in the wrong region is caught before anything changes; their values only when stderr is
/// the operator's terminal.
pub fn confirm(
    targets: &[SettingTarget],
    size: &PlanSize,
    names: &UserNames,
    gws: &str,
    ids: &[Identifier],
    preview: &dyn Fn(&SettingTarget) -> forgetme_findings::erasure_plan::Preview,
) -> bool {
    let mut err = std::io::stderr().lock();
    let show_identifiers = std::io::stderr().is_terminal();
    let _ = writeln!(
        err,
        "\nAbout to erase the data subject from {} through GWS at {}:",
        size.describe(),
        printable(gws)
    );
    let erased: std::collections::BTreeSet<usize> = targets
        .iter()
        .flat_map(|t| t.identifiers.iter().copied())
        .collect();
    let _ = writeln!(err, "Identifiers found in these settings:");
    for i in erased {
        let line = crate::report::identifier_line(i, &ids[i], show_identifiers);
        let _ = writeln!(err, "  {}", crate::report::terminal_safe(&line));
    }
    for t in targets {
        let line = format!(
            "  {}  group {}  setting {}  (found at {}; {} match): {}",
            owner(t, names),
            printable(&t.group),
            printable(&t.setting_key),
            printable(&t.json_paths.join(", ")),
            if t.possible { "possible" } else { "exact" },
            printable(&preview(t).describe())
        );
        let _ = writeln!(err, "{}", crate::report::terminal_safe(&line));
    }
    if size.possible_only > 0 {
        let _ = writeln!(
            err,
            "Left alone: {} setting(s) holding only possible matches.",
            size.possible_only
        );
    }
    let _ = writeln!(
        err,
        "In all: {} ({} possible match(es) left alone).",
        size.describe(),
        size.possible_only
    );
    let _ = writeln!(
        err,
        "Each setting is read again first and planned again: the subject's contact record goes (a favorite card is the whole setting; one entry of a list, one member of a category), and a record that also holds other people's records is not changed (needs review)."
    );
    if !std::io::stdin().is_terminal() {
        return false;
    }
    let _ = write!(err, "Type yes to erase: ");
    let _ = err.flush();
    let mut answer = String::new();
    if std::io::stdin().read_line(&mut answer).is_err() {
        return false;
    }
    answer.trim().eq_ignore_ascii_case("yes")
}

/// Counts of outcomes.
pub fn write_text(
    out: &mut dyn Write,
    results: &[SettingResult],
    verification: &Verification,
    names: &UserNames,
    scan_complete: bool,
) -> std::io::Result<()> {
    use forgetme_cleanup::Outcome;
    writeln!(out)?;
    for r in results {
        let t = &r.target;
        let what = match &r.outcome {
            Outcome::Deleted => "erased: whole setting deleted".to_string(),
            Outcome::Rewritten { removed } => {
                format!("erased: entries {} removed", removed.join(", "))
            }
            Outcome::AlreadyGone => "already gone".to_string(),
            Outcome::NeedsReview { reason, records } => format!(
                "NEEDS REVIEW, not changed: {reason} (records {})",
                records.join(", ")
            ),
            Outcome::SkippedChanged => "skipped: it no longer holds the identifier".to_string(),
            Outcome::NotErased { reason, .. } => format!("NOT ERASED: {reason}"),
            Outcome::Failed(e) => format!("FAILED: {e}"),
            Outcome::ClaimedStillStored { claimed } => format!(
                "claimed erased, still stored: GWS answered that it {claimed} this setting, yet the verification read it back holding an identifier"
            ),
        };
        writeln!(
            out,
            "{}  group {}  setting {}  {}",
            owner(t, names),
            printable(&t.group),
            printable(&t.setting_key),
            printable(&what)
        )?;
        if let Outcome::NotErased { delete_cql, .. } = &r.outcome {
            // The statement is exact and already terminal-safe (see forgetme_cleanup::cql);
            // escaping it again would change what it deletes.
            match delete_cql {
                Ok(cql) => writeln!(out, "  to remove this one row from Cassandra: {cql}")?,
                Err(e) => writeln!(
                    out,
                    "  no CQL statement could be written for this row: {}",
                    printable(e)
                )?,
            }
        }
        let c = &r.collateral;
        for k in &c.vanished {
            writeln!(
                out,
                "  COLLATERAL DAMAGE: setting {} of the same group vanished with this change",
                printable(k)
            )?;
        }
        if let Some(e) = &c.unchecked {
            writeln!(out, "  COLLATERAL NOT CHECKED: {}", printable(e))?;
        }
        for k in &c.changed_meanwhile {
            writeln!(
                out,
                "  note: setting {} of the same group changed meanwhile (written by someone else during the change)",
                printable(k)
            )?;
        }
    }
    let s = tally(results);
    writeln!(
        out,
        "Cleanup: {} erased, {} already gone, {} skipped as changed, {} not erased, {} failed{}.",
        s.erased,
        s.already_gone,
        s.skipped_changed,
        s.not_erased,
        s.failed,
        if s.claimed_still_stored > 0 {
            format!(", {} claimed erased, still stored", s.claimed_still_stored)
        } else {
            String::new()
        }
    )?;
    if s.claimed_still_stored > 0 {
        writeln!(
            out,
            "CLAIMED ERASED, STILL STORED: GWS answered that it erased {} setting(s), yet Cassandra still holds them with an identifier. They are not erased: check GWS and anything in front of it, then run the cleanup again.",
            s.claimed_still_stored
        )?;
    }
    if s.not_erased > 0 {
        writeln!(
            out,
            "NOT ERASED: {} setting(s) that GWS does not show are still stored in Cassandra; GWS cannot erase them. Check each with the row's owner, then remove it with the CQL statement printed above it.",
            s.not_erased
        )?;
    }
    if s.collateral_damage > 0 {
        writeln!(
            out,
            "COLLATERAL DAMAGE: after {} change(s), other settings of the group vanished or could not be re-checked. GWS did more than it was asked; check its version and any proxy in front of it before erasing again.",
            s.collateral_damage
        )?;
    }
    if forgetme_findings::erasure_plan::erasure_verified(results, verification, scan_complete) {
        writeln!(
            out,
            "Verified: {} group(s) re-scanned from Cassandra ({} setting(s)); none holds the identifier(s).",
            verification.partitions, verification.rows
        )?;
    } else {
        if verification.verified() {
            // The re-scan was clean, and something else stands in the way of "verified".
            writeln!(
                out,
                "NOT VERIFIED: the re-scan of the touched groups found nothing, but {}.",
                if !scan_complete {
                    "the search missed token ranges, so data may sit where it did not look"
                } else {
                    "a change failed, needs review, or damaged other settings (see above)"
                }
            )?;
        } else {
            writeln!(
                out,
                "NOT VERIFIED: {} setting(s) still hold an identifier, {} other setting(s) of the same groups hold it, {} could not be read.",
                verification.still_matching.len(),
                verification.elsewhere.len(),
                verification.unreadable.len()
            )?;
        }
        for (i, e) in &verification.unreadable {
            writeln!(
                out,
                "  unreadable: {}  setting {}: {}",
                owner(&results[*i].target, names),
                printable(&results[*i].target.setting_key),
                printable(e)
            )?;
        }
        for i in &verification.still_matching {
            let t = &results[*i].target;
            writeln!(
                out,
                "  still there: {}  group {}  setting {}",
                owner(t, names),
                printable(&t.group),
                printable(&t.setting_key)
            )?;
        }
        for (i, key) in &verification.elsewhere {
            let t = &results[*i].target;
            writeln!(
                out,
                "  found again: {}  group {}  setting {}",
                owner(t, names),
                printable(&t.group),
                printable(key)
            )?;
        }
    }
    Ok(())
}

/// The `cleanup` object of the JSON report.
pub fn to_json(
    results: &[SettingResult],
    verification: &Verification,
    scan_complete: bool,
) -> Value {
    let s = tally(results);
    json!({
        "erased": s.erased,
        "already_gone": s.already_gone,
        "skipped_changed": s.skipped_changed,
        "not_erased": s.not_erased,
        "failed": s.failed,
        "claimed_still_stored": s.claimed_still_stored,
        "collateral_damage": s.collateral_damage,
        "changed_meanwhile": s.changed_meanwhile,
        "verified": forgetme_findings::erasure_plan::erasure_verified(results, verification, scan_complete),
        "verification": {
            "partitions": verification.partitions,
            "rows": verification.rows,
            "found_elsewhere": verification.elsewhere.iter().map(|(i, key)| json!({
                "table": results[*i].target.table.to_string(),
                "user_id": results[*i].target.user_id,
                "group": results[*i].target.group,
                "setting_key": key,
            })).collect::<Vec<_>>(),
        },
        "settings": results.iter().enumerate().map(|(i, r)| {
            let mut v = json!({
                "table": r.target.table.to_string(),
                "user_id": r.target.user_id,
                "group": r.target.group,
                "setting_key": r.target.setting_key,
                "outcome": r.outcome.as_str(),
                "still_matching": verification.still_matching.contains(&i),
                "possible_match": r.target.possible,
            });
            if !r.collateral.is_empty() {
                v["collateral"] = json!(r.collateral);
            }
            match &r.outcome {
                forgetme_cleanup::Outcome::Rewritten { removed } => v["removed_paths"] = json!(removed),
                forgetme_cleanup::Outcome::Failed(e) => v["error"] = json!(e),
                forgetme_cleanup::Outcome::ClaimedStillStored { claimed } => {
                    v["claimed"] = json!(claimed);
                    v["reason"] = json!("GWS answered that it erased this setting, yet the verification read it back holding an identifier: still stored");
                }
                forgetme_cleanup::Outcome::NeedsReview { reason, records } => {
                    v["reason"] = json!(reason);
                    v["records"] = json!(records);
                }
                forgetme_cleanup::Outcome::NotErased { reason, delete_cql } => {
                    v["reason"] = json!(reason);
                    match delete_cql {
                        Ok(cql) => v["cql"] = json!(cql),
                        Err(e) => v["cql_error"] = json!(e),
                    }
                }
                _ => {}
            }
            v
        }).collect::<Vec<_>>(),
    })
}

/// Verification summary for the audit log: counts and places, no values.
pub fn verification_event(targets: &[SettingTarget], v: &Verification) -> VerificationEvent {
    let place = |i: &usize| {
        let t = &targets[*i];
        GroupPlace {
            table: t.table.to_string(),
            owner_id: t.user_id.clone(),
            group: t.group.clone(),
        }
    };
    VerificationEvent {
        checked: v.checked,
        partitions: v.partitions,
        rows: v.rows,
        verified: v.verified(),
        still_matching: v.still_matching.iter().map(place).collect(),
        found_elsewhere: v.elsewhere.iter().map(|(i, _)| place(i)).collect(),
        unreadable: v.unreadable.iter().map(|(i, _)| place(i)).collect(),
    }
}
