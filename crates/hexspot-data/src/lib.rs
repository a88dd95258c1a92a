//! hexspot's data layer: what the CLI and the server both read from a store, and the
//! questions they both ask of it, with no HTTP and no async.
//!
//! A [`Snapshot`] is the incidents, the imports and the boundary sets as of one load
//! from the store, with a version that changes whenever the data does. Each
//! [`AreaSet`] holds a boundary set's areas in an R-tree with their populations and
//! assigns the snapshot's incidents to them once, on first use. Failures are
//! [`DataError`]s; the edges (the CLI's messages, the server's statuses) turn them into
//! words.

mod areas;
mod error;
mod snapshot;

pub use areas::{AreaSet, sort_order, with_period};
pub use error::DataError;
pub use snapshot::{Outline, Snapshot};
