//! Erasing a data subject's settings through GWS: the half of the tool that changes production
//! data, so the most careful.
//!
//! # Layout
//!
//! - [`target`]: [`SettingTarget`], one setting the search found, with everything needed to
//!   find it again in GWS and in Cassandra.
//! - [`erase`]: for each target, write an audit event, re-read the setting through GWS,
//!   re-match it, and delete it or PUT it back without the subject's entries.
//! - [`partition`]: a target's whole group read straight from Cassandra, to catch collateral
//!   damage (a neighbour that vanished across a change) and to search the group afterwards.
//! - [`cql`]: the `DELETE` statement for one row, for a setting GWS cannot erase.
//! - [`ports`]: what an erasure asks of GWS ([`SettingsApi`]) and reads from Cassandra
//!   ([`SettingsStore`]); [`gws`] and [`cassandra`] implement them for the GWS client and the
//!   CQL session, and tests may put in-memory fakes in their place.
//! - [`verify`]: afterwards, re-scan every touched group from Cassandra at a strong
//!   consistency and confirm no identifier remains in any of its settings.
//!
//! # Rules
//!
//! - Nothing is changed that does not match *at that moment*: the scan may be minutes old, so
//!   each setting is read again just before the change, and a setting that no longer holds an
//!   identifier is skipped.
//! - Every change is announced in the audit log (and synced to disk) before it is made, and
//!   its result is logged after.
//! - "Not found" from GWS counts as already erased only when Cassandra agrees: a row GWS does
//!   not show but Cassandra still holds is reported not erased, with the CQL statement that
//!   removes it ([`cql`]). One failure does not stop the others.

pub mod cassandra;
pub mod cql;
pub mod erase;
pub mod gws;
pub mod partition;
pub mod ports;
pub mod target;
pub mod verify;

pub use erase::{demote_claims_verification_refutes, erase_all, Eraser, Outcome, SettingResult};
pub use partition::Collateral;
pub use ports::{ApiError, SettingsApi, SettingsStore};
pub use target::SettingTarget;
pub use verify::{verify_targets, Verification};
