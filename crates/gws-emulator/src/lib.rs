//! `gws-emulator`: a GWS-compatible settings server backed by a real Cassandra node.
//!
//! Genesys Web Services (GWS) is proprietary, so `gdpr-forget-me` ships its own server that
//! speaks the part of the GWS API the tool uses (users, contact-center and user settings
//! groups, HTTP Basic, `JSESSIONID` sessions, CSRF tokens, `statusCode` answers) and stores
//! settings in Cassandra in the project's reference layout (`docs/storage-layout.md`). It is the
//! peer of every integration test and the backend of the demo. What is documented GWS behaviour
//! and what is the emulator's inference is listed in `docs/gws-emulator.md`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use gws_emulator::{start, EmulatorConfig, UsersFile};
//! let mut config = EmulatorConfig::new(UsersFile::demo(3, 1, "password", "password", false));
//! config.listen = "127.0.0.1:0".parse()?;
//! let emulator = start(config).await?;
//! println!("GWS at {}", emulator.base_url());
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Layout
//!
//! - [`server`]: [`EmulatorConfig`], [`start`] (connect, create schema, bind, serve in the
//!   background) and the [`RunningEmulator`] handle tests inspect and stop.
//! - `api` (private): the routes under `/api/v2`, the gate every request passes (body limit,
//!   Basic auth, session, CSRF, recording, logging) and the handlers with their permission rules.
//! - [`store`]: the Cassandra tables `settings_groups` and `settings`, prepared statements and
//!   lightweight transactions.
//! - [`users`]: the users file, its validation, password hashes, demo users.
//! - [`session`]: `JSESSIONID` sessions and their CSRF tokens.
//! - [`status`]: GWS `statusCode` values and the error type that renders them.
//! - [`record`]: the in-memory log of requests tests read back.
//! - [`fault`]: deterministic fault injection (errors, latency, dropped connections, sessions
//!   ended mid-run) for tests of clients.
//! - [`client`]: a minimal GWS client (cookies + CSRF handshake) for the seeder and tests.
//! - [`seed`]: deterministic Workspace favorites / recents, planted subjects, written through
//!   the API.
//! - [`cli`]: the `gws-emulator` command line (`serve`, `users`, `seed`); `main.rs` only calls it.

mod api;
pub mod cli;
pub mod client;
pub mod fault;
pub mod record;
pub mod seed;
pub mod server;
pub mod session;
pub mod status;
pub mod store;
pub mod users;

pub use api::{CSRF_HEADER_NAME_HEADER, CSRF_MESSAGE, CSRF_TOKEN_HEADER};
pub use client::{ApiClient, ApiResponse, ClientError};
pub use fault::{Fault, FaultPlan, FaultRule, Faults, InjectedFault, RandomFaults, RequestFilter};
pub use record::RecordedRequest;
pub use seed::{demo_subjects, seed, SeedPlan, SeededData, Subject};
pub use server::{start, EmulatorConfig, RunningEmulator, StartError};
pub use store::CONTACT_CENTER;
pub use users::{Role, UserEntry, UsersFile};
