//! The data layer's one error type.

use hexspot_engine::{CompareError, QueryError, UnknownSortKey};
use hexspot_store::StoreError;

/// What can go wrong loading the data or asking it a question.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No boundary set has the name asked for.
    #[error("{}", unknown_set(name, known))]
    UnknownSet {
        /// The name asked for.
        name: String,
        /// The sets there are, in the store's order.
        known: Vec<String>,
    },
    /// A comparison of a set's areas was refused (e.g. an unknown crime type).
    #[error(transparent)]
    Compare(#[from] CompareError),
    /// A field to sort areas by that there is not.
    #[error(transparent)]
    SortKey(#[from] UnknownSortKey),
    /// A sort order other than `asc` or `desc`.
    #[error("order must be asc or desc, got {given:?}")]
    SortOrder {
        /// The order as given.
        given: String,
    },
    /// The outline of the data could not be drawn (cells of one resolution, as the
    /// snapshot gives, never cause this).
    #[error("cannot draw the outline of the data: {0}")]
    Outline(#[source] QueryError),
}

fn unknown_set(name: &str, known: &[String]) -> String {
    if known.is_empty() {
        format!(
            "there is no boundary set {name:?}: none has been imported (hexspot boundaries import --set NAME --code PROP --name PROP FILE...)"
        )
    } else {
        format!(
            "there is no boundary set {name:?}; the sets are: {}",
            known.join(", ")
        )
    }
}
