//! The domain of `gdpr_forget_me`, below its command line: what a search found for one data
//! subject, and what follows from it.
//!
//! - [`search`] runs a search over the scanner and collects every place an identifier sits
//!   into a [`SearchOutcome`] ([`found`] holds its types);
//! - [`erasure_plan`] turns those places into the settings to erase, and sizes the plan;
//! - [`receipt`] builds the erasure receipt's content and checks a receipt before a re-check;
//! - [`export`] builds the access export, cut to the subject's own part;
//! - [`requests`] reads a batch of privacy requests and splits one search among them.
//!
//! Nothing here reads the command line, prompts or prints: the binary does that, and these
//! modules can be tested without spawning it.

pub mod erasure_plan;
pub mod export;
pub mod found;
pub mod receipt;
pub mod requests;
pub mod search;

pub use found::{Coverage, Found, MatchTotals, OwnerType, SearchOutcome, UnreadSplit, ValueKey};
pub use search::{search, SearchPlan, DEFAULT_MAX_LISTED};
