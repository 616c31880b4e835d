//! The privacy officer's pages: the letters to a person who made a request, and the
//! accountability dashboard of every request.
//!
//! Both are static, self-contained HTML: no script, no external resource, every value escaped
//! (the templates are `maud`'s, which escape whatever they are given), and a
//! Content-Security-Policy that allows only the page's own style sheet.
//!
//! The pages take plain facts, not the request ledger's records: [`from_ledger`] fills
//! [`letter::LetterFacts`] and [`dashboard::DashboardInput`] from the ledger. Neither has a
//! field for an e-mail address, a phone number or a name: the pages hold references, types,
//! states, dates and counts.
//!
//! # Layout
//!
//! - [`letter`]: the four letters (acknowledgement, extension, completed, nothing held), as a
//!   page and as text.
//! - [`words`]: the letters' words in English and German.
//! - [`dashboard`]: the officer's page of what is due and how fast requests were answered.
//! - [`chart`]: the dashboard's bar chart of days to answer, drawn in SVG.
//! - [`median`]: days to answer, per month, and their median.
//! - [`request`]: what a request is (access, erasure...) and where it stands: the ledger's
//!   own types.
//! - [`from_ledger`]: the pages' facts from the ledger's records, refusing a letter the
//!   ledger does not back.
//! - [`page`]: the shell and policy every page shares.
//! - [`plain`]: the text form's line wrapping.

pub mod chart;
pub mod dashboard;
pub mod from_ledger;
pub mod letter;
pub mod median;
pub mod page;
pub mod plain;
pub mod request;
pub mod words;

pub use dashboard::{DashboardInput, DatedRow, RequestRow};
pub use letter::{ControllerInfo, LetterFacts, LetterKind, Rendered};
pub use request::{RequestState, RequestType};
pub use words::LetterWords;
