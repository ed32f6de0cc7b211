//! The cloud backend's durable outbox: the SQLite store, the plans it keeps, the settlement rules
//! and the delivery that follows them.

mod backlog;
mod cache;
mod deliver;
mod operator;
pub mod plan;
mod returns;
mod row;
pub mod settle;
pub mod store;

pub use store::{Kind, Row, State, Store};
