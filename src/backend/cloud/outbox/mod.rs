//! The cloud backend's durable outbox: the SQLite store, the plans it keeps, the settlement rules
//! and the delivery that follows them.

mod deliver;
pub mod plan;
pub mod settle;
pub mod store;

pub use store::{Kind, Row, State, Store};
