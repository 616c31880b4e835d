//! Which node reads which split: the replicas of a token range, ordered by data center, and the
//! two ways of covering them.
//!
//! A token range of a keyspace replicated `{dc1: 2, dc2: 1}` has three copies, one on each of
//! three nodes. The fast scan ([`Copies::One`]) reads each range once, from a replica of the
//! local data center, moving to that data center's other replicas when one fails, and to other
//! data centers only when the operator allowed it. It answers "what does one copy hold".
//!
//! A replica can be behind: it was down while writes were made and hints did not reach it, or
//! it lost unsynced commit log on a crash. The every-copy scan ([`Copies::Every`]) reads each
//! range at consistency ALL: the coordinator asks every replica, in every data center, and
//! merges their answers by write time. A row that only some replicas hold is returned; a row
//! that a stale replica still holds but the others deleted is resolved to the deletion, and
//! Cassandra's blocking read repair writes the deletion to that replica before answering. A
//! replica that cannot answer fails the read, and the range is reported unread. Only that scan
//! can back "no copy holds the identifier".
//!
//! Why not read each replica on its own, pinned as coordinator at ONE? Because a coordinator
//! does not have to serve a ONE read from its own copy: the dynamic snitch may rank another
//! replica first, and speculative retry sends the read to a second replica when the first is
//! slow. On a loaded cluster a "per-replica" read then reports one node's copy under another
//! node's name, and can miss the stale copy altogether (the cluster tests saw it happen).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use scylla::client::session::Session;
use scylla::cluster::{ClusterState, Node};
use scylla::routing::Token;

use crate::ring::TokenRange;

/// How many copies of each token range a scan reads. Written `one` or `every` in reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Copies {
    /// One replica per range (the fast scan).
    #[default]
    One,
    /// Every replica of every range, in every data center.
    Every,
}

impl Copies {
    /// `one` or `every`, as in reports and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Copies::One => "one",
            Copies::Every => "every",
        }
    }
}

/// Where the replicas of a scan are, and what may read them.
#[derive(Clone, Debug, Default)]
pub struct Routing {
    /// The data center to read from (`--local-dc`). `None`: the replicas of any data center,
    /// in the order the driver lists them.
    pub local_dc: Option<String>,
    /// Whether the fast scan may fall back to another data center's replicas when those of the
    /// local one all fail or do not exist.
    pub allow_remote_dc: bool,
    /// One copy or every copy.
    pub copies: Copies,
}

/// One read of a split: the range and the replicas to try, in order.
#[derive(Clone, Debug)]
pub struct PlannedRead {
    /// Token range.
    pub range: TokenRange,
    /// Replicas to try, in order. Empty when the driver knows no replica (no ring
    /// information): any node may then coordinate.
    pub replicas: Vec<Arc<Node>>,
    /// The replicas an every-copy read needs, named in its failure.
    pub copy_of: Option<String>,
    /// Why no replica may read it (the fast scan found none it is allowed to use).
    pub refused: Option<String>,
}

/// A node as reports name it: `address (data center)`.
pub fn node_label(node: &Node) -> String {
    format!(
        "{} ({})",
        node.address.ip(),
        node.datacenter.as_deref().unwrap_or("unknown dc")
    )
}

/// The data centers of the cluster and the addresses of their nodes, as the driver sees them.
pub fn datacenters(session: &Session) -> BTreeMap<String, Vec<String>> {
    let state = session.get_cluster_state();
    let mut dcs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for node in state.get_nodes_info() {
        let dc = node.datacenter.clone().unwrap_or_else(|| "unknown".into());
        dcs.entry(dc)
            .or_default()
            .push(node.address.ip().to_string());
    }
    for nodes in dcs.values_mut() {
        nodes.sort();
    }
    dcs
}

/// Plans the reads of `splits` of `keyspace.table`.
pub fn plan(
    state: &ClusterState,
    keyspace: &str,
    table: &str,
    splits: &[TokenRange],
    routing: &Routing,
) -> Vec<PlannedRead> {
    let mut reads = Vec::with_capacity(splits.len());
    for split in splits {
        let replicas: Vec<Arc<Node>> = state
            .get_token_endpoints(keyspace, table, Token::new(split.end))
            .into_iter()
            .map(|(node, _)| node)
            .collect();
        match routing.copies {
            Copies::Every if !replicas.is_empty() => {
                // Read at ALL: any replica may coordinate (the local data center's first),
                // and every replica must answer.
                let needed = replicas
                    .iter()
                    .map(|n| node_label(n))
                    .collect::<Vec<_>>()
                    .join(", ");
                let (mut ordered, remote): (Vec<_>, Vec<_>) = replicas.into_iter().partition(|n| {
                    routing.local_dc.is_none()
                        || n.datacenter.as_deref() == routing.local_dc.as_deref()
                });
                ordered.extend(remote);
                reads.push(PlannedRead {
                    range: *split,
                    copy_of: Some(needed),
                    replicas: ordered,
                    refused: None,
                });
            }
            _ => reads.push(fast_read(*split, replicas, routing)),
        }
    }
    reads
}

/// The fast scan's read of a split: the local data center's replicas first, the others after
/// them only when allowed.
fn fast_read(range: TokenRange, replicas: Vec<Arc<Node>>, routing: &Routing) -> PlannedRead {
    let Some(dc) = &routing.local_dc else {
        return PlannedRead {
            range,
            replicas,
            copy_of: None,
            refused: None,
        };
    };
    let known = !replicas.is_empty();
    let (local, remote): (Vec<_>, Vec<_>) = replicas
        .into_iter()
        .partition(|n| n.datacenter.as_deref() == Some(dc.as_str()));
    let mut ordered = local;
    let local_count = ordered.len();
    if routing.allow_remote_dc {
        ordered.extend(remote);
    }
    let refused = (known && ordered.is_empty()).then(|| {
        format!(
            "no replica of this range in data center {dc} (the keyspace is not replicated there); add --allow-remote-dc to read it from another data center"
        )
    });
    if local_count == 0 && !ordered.is_empty() {
        tracing::debug!(range = %range, dc = %dc, "no local replica; reading from another data center");
    }
    PlannedRead {
        range,
        replicas: ordered,
        copy_of: None,
        refused,
    }
}

impl fmt::Display for Copies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
