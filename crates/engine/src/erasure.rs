//! The erasure policy of one request: the plan from the search, its limits (a plan larger
//! than one person's data is refused), the operator's confirmation (a callback), the erasure
//! and its verification through `forgetme_cleanup`, and the `run_end` that closes the run in
//! the audit log.

use forgetme_audit::contract::{
    GroupPlace, OutcomeCounts, RefusedPlan, RunEnd, RunOutcome, Verification as VerificationEvent,
};
use forgetme_audit::{AuditKey, AuditLog};
use forgetme_cleanup::{
    erase_all, verify_targets, Eraser, SettingResult, SettingTarget, SettingsApi, SettingsStore,
    Verification,
};
use forgetme_matcher::{ErasureOptions, Identifier, Matcher};
use forgetme_printer::UserNames;
use forgetme_scanner::layout::Layout;
use forgetme_scanner::{Consistency, Session};
use gws_client::GwsClient;

use crate::audit_trail::record;
use crate::failure::Failure;
use forgetme_findings::erasure_plan::{
    plan_size, tally, targets, PlanSize, Preview, DEFAULT_MAX_AGENTS, DEFAULT_MAX_SETTINGS,
};
use forgetme_findings::SearchOutcome;

/// What the operator is asked to confirm before anything changes.
pub struct Confirmation<'a> {
    /// The settings the plan changes.
    pub targets: &'a [SettingTarget],
    /// How large the plan is.
    pub size: &'a PlanSize,
    /// The agents' names, for the listing.
    pub names: &'a UserNames,
    /// The GWS the changes go through.
    pub gws: &'a str,
    /// The request's identifiers (the listing says which the plan erases and how each was
    /// read).
    pub identifiers: &'a [Identifier],
    /// What each change will remove, without values.
    pub preview: &'a dyn Fn(&SettingTarget) -> Preview,
}

/// Asks the operator; `true` to go on. The command line asks at the terminal; tests answer.
pub type Confirm<'a> = &'a (dyn Fn(&Confirmation<'_>) -> bool + Sync);

/// The command line's erasure options, the same for every request of a run.
#[derive(Clone, Debug)]
pub struct ErasurePolicy {
    /// Do not ask (`--yes`).
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

impl Default for ErasurePolicy {
    fn default() -> Self {
        ErasurePolicy {
            yes: false,
            options: ErasureOptions::default(),
            verify_consistency: Consistency::Quorum,
            max_settings: DEFAULT_MAX_SETTINGS,
            max_agents: DEFAULT_MAX_AGENTS,
        }
    }
}

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

/// Everything the erasure phase of one request needs (GWS and Cassandra behind
/// `forgetme_cleanup`'s traits; the GWS client and the CQL session by default).
pub struct CleanupContext<'a, G = GwsClient, S = Session> {
    /// Cassandra, for the verification read.
    pub session: &'a S,
    /// GWS admin session.
    pub gws: &'a G,
    /// The request's identifiers.
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
    /// Limits, confirmation, consistency.
    pub policy: &'a ErasurePolicy,
    /// Asks the operator (unless `policy.yes`).
    pub confirm: Confirm<'a>,
}

/// Lists, confirms, erases, verifies, and records each step, then writes `run_end`.
pub async fn run<G: SettingsApi, S: SettingsStore>(
    ctx: &CleanupContext<'_, G, S>,
    log: &mut AuditLog,
    outcome: &SearchOutcome,
) -> Result<CleanupRun, Failure> {
    let erase_possible = ctx.policy.options.erase_possible;
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
    let too_large = size.settings > ctx.policy.max_settings || size.agents > ctx.policy.max_agents;
    let run = if targets.is_empty() {
        CleanupRun::NothingToErase
    } else if too_large {
        eprintln!(
            "Refused: the plan would erase {}, more than this run allows ({} settings, {} agents). One person's data rarely spans that much: check the search is not too broad. Nothing was changed. To go ahead, repeat with --max-erase {} --max-erase-agents {}.",
            size.describe(),
            ctx.policy.max_settings,
            ctx.policy.max_agents,
            size.settings.max(DEFAULT_MAX_SETTINGS),
            size.agents.max(DEFAULT_MAX_AGENTS),
        );
        CleanupRun::TooLarge(size)
    } else if !ctx.policy.yes
        && !(ctx.confirm)(&Confirmation {
            targets: &targets,
            size: &size,
            names: ctx.names,
            gws: ctx.gws.base_url(),
            identifiers: ctx.matcher.identifiers(),
            preview: &|t: &SettingTarget| {
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
                    ctx.policy.options,
                )
            },
        })
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
            options: ctx.policy.options,
            store: ctx.session,
            consistency: ctx.policy.verify_consistency,
        };
        let mut results = erase_all(&mut eraser, &targets)
            .await
            .map_err(Failure::Run)?;
        let verification = verify_targets(
            ctx.session,
            &targets,
            ctx.matcher,
            ctx.policy.verify_consistency,
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
fn refused_end<G, S>(complete: bool, size: &PlanSize, ctx: &CleanupContext<'_, G, S>) -> RunEnd {
    RunEnd {
        outcome: RunOutcome::RefusedTooLarge,
        complete,
        counts: None,
        collateral_damage: None,
        changed_meanwhile: None,
        refused: Some(RefusedPlan {
            planned_settings: size.settings,
            planned_agents: size.agents,
            max_settings: ctx.policy.max_settings,
            max_agents: ctx.policy.max_agents,
        }),
    }
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
