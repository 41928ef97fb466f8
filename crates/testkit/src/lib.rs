//! Test-only helpers: a fresh database per test on SQLite or PostgreSQL, and an
//! in-process Hamlet instance on a random loopback port.
//!
//! Every test runs on SQLite. When `HAMLET_TEST_DATABASE_URL` names a PostgreSQL server,
//! tests run there instead, each in a schema of its own that is dropped afterwards.

mod app;
mod db;
pub mod images;
pub mod openapi;
pub mod remote;
mod traffic;
mod wait;

pub use app::{TestApp, TestMember, spawn_app, spawn_app_with, spawn_federating_app};
pub use db::TestDb;
pub use remote::{FakeActor, FakeRemote, RecordedRequest, Served, SignedPost, Signing};
pub use traffic::{Exchange, Traffic};
pub use wait::eventually;
