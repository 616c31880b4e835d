//! What a request is and where it stands: the request ledger's own types
//! (`forgetme_request_ledger::lifecycle`), so the pages and the ledger cannot disagree on
//! what an "answered" or "in-progress" request is.

pub use forgetme_request_ledger::{RequestType, State as RequestState};
