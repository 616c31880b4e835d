//! The agents' user names, asked of GWS for the listings (best effort: an agent whose name
//! does not come is shown by user id).

use forgetme_printer::UserNames;
use gws_client::GwsClient;

/// How many user names are asked of GWS at once.
const NAME_LOOKUPS_AT_ONCE: usize = 8;

/// Looks up the user names of the owners found (best effort: a failure leaves ids only).
///
/// The lookups run [`NAME_LOOKUPS_AT_ONCE`] at a time under one `budget` for all of them: each
/// may take up to 4 attempts of `--gws-timeout`, and one after another a stalling GWS would
/// turn a search over hundreds of agents into hours. Lookups still running when the budget
/// is spent are dropped; their agents are shown by user id, and a note says so once. Without
/// GWS (a search only) there is nobody to ask: ids only.
pub async fn user_names(
    client: Option<&GwsClient>,
    outcome: &forgetme_findings::SearchOutcome,
    budget: std::time::Duration,
) -> UserNames {
    use futures::stream::{self, StreamExt};
    let Some(client) = client else {
        return UserNames::new();
    };
    let ids: std::collections::BTreeSet<&String> = outcome
        .found
        .iter()
        .filter_map(|f| f.user_id.as_ref())
        .collect();
    let total = ids.len();
    let deadline = tokio::time::Instant::now() + budget;
    let mut lookups = stream::iter(ids)
        .map(|id| async move { (id, client.user(id).await) })
        .buffer_unordered(NAME_LOOKUPS_AT_ONCE);
    let mut names = UserNames::new();
    let mut failed = 0usize;
    let mut out_of_time = false;
    loop {
        match tokio::time::timeout_at(deadline, lookups.next()).await {
            Ok(Some((id, Ok(u)))) => {
                names.insert(id.clone(), u.user_name);
            }
            Ok(Some((_, Err(e)))) => {
                failed += 1;
                tracing::debug!(error = %e, "user name lookup failed");
            }
            Ok(None) => break,
            Err(_) => {
                out_of_time = true;
                break;
            }
        }
    }
    drop(lookups);
    let unanswered = total - names.len() - failed;
    if out_of_time {
        eprintln!(
            "note: GWS did not give the user names of {} of {total} agent(s) within the {} s allowed for them all (--gws-names-budget; {} of them still unanswered, {failed} refused); the report shows their user ids",
            total - names.len(),
            budget.as_secs(),
            unanswered,
        );
    } else if failed > 0 {
        eprintln!("note: GWS did not give the user names of {failed} agent(s); the report shows their user ids (GDPR_FORGET_ME_LOG=debug says why)");
    }
    names
}
