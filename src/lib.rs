//! BonusPlus loyalty add-in for 1C:Enterprise.
//!
//! Layers, each unaware of the ones above it:
//! * [`native`]: the 1C Native API ABI (exports, vtables, `tVariant`, host wrappers). Knows no loyalty.
//! * [`engine`]: money, policy, calculation, distribution. Knows no 1C, no HTTP, no SQL.
//! * `backend`: the `Backend` trait and its implementations (embedded SQLite store, cloud client).
//! * [`contract`]: the boundary: every input of the 1C contract checked once, for both modes.
//! * [`component`]: the `BonusPlus` 1C object, mapping 1C calls onto a backend.
//!
//! [`exports`] holds the five C functions 1C resolves, over one table of classes.
//!
//! Features: `server` adds the local BonusPlus server (`server`, the `bonusplus-server` binary);
//! `probe` adds `AbiProbe`, the ABI self-test class of our C++ host. The shipped library has
//! neither.

#[cfg(feature = "probe")]
mod abi_probe;
pub mod backend;
mod civil;
pub mod component;
pub mod contract;
pub mod engine;
pub mod error;
pub mod exports;
pub mod i18n;
pub mod log;
pub mod messages;
pub mod native;
pub mod phone;
mod private_files;
pub mod scan;
#[cfg(feature = "server")]
pub mod server;
#[cfg(test)]
mod test_random;
