//! Harm weights: a table mapping crime type or offence → weight.

use rustc_hash::FxHashMap;

use crate::error::QueryError;
use crate::table::IncidentTable;

/// The largest harm weight accepted, in a table or in the data. The heaviest published
/// weights (the ONS Crime Severity Score: homicide, about 7,000 days of custody) are
/// far below it; the bound keeps sums and sums of squares over any store exact enough
/// for the statistics (at 1e200 the variance cancels to 0, at 1e308 the sum overflows).
pub const MAX_WEIGHT: f64 = 1e6;

/// Whether `w` is a weight the engine takes: finite, ≥ 0 and ≤ [`MAX_WEIGHT`].
#[must_use]
pub fn valid_weight(w: f64) -> bool {
    (0.0..=MAX_WEIGHT).contains(&w)
}

/// Maps crime type or offence names (case-insensitive) to a harm weight.
///
/// An incident's weight is, in order: the weight carried by the data itself; else the
/// table's weight for its offence; else the table's weight for its crime type; else 1.
///
/// ```
/// use hexspot_engine::HarmTable;
/// let t = HarmTable::new("example", [("Wounding", 1965.0)]).unwrap();
/// assert_eq!(t.get("wounding"), Some(1965.0));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HarmTable {
    source: String,
    weights: FxHashMap<String, f64>,
}

impl HarmTable {
    /// A table; `source` says where the weights come from (shown in outputs).
    ///
    /// # Errors
    /// [`QueryError::Weight`] for a weight that is not finite and ≥ 0.
    pub fn new<S: Into<String>>(
        source: &str,
        entries: impl IntoIterator<Item = (S, f64)>,
    ) -> Result<Self, QueryError> {
        let mut weights = FxHashMap::default();
        for (name, w) in entries {
            let name: String = name.into();
            if !valid_weight(w) {
                return Err(QueryError::Weight { name, value: w });
            }
            weights.insert(name.trim().to_lowercase(), w);
        }
        Ok(Self {
            source: source.to_owned(),
            weights,
        })
    }

    /// Where the weights come from.
    #[must_use]
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The weight for a name.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<f64> {
        self.weights.get(&name.trim().to_lowercase()).copied()
    }

    /// Number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// Whether empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }
}

/// Per-code weights resolved for one table.
pub(crate) struct ResolvedHarm {
    crime_type: Vec<(f64, WeightSource)>,
    offence: Vec<Option<f64>>,
    any_offence: bool,
}

impl ResolvedHarm {
    pub(crate) fn new(harm: &HarmTable, table: &IncidentTable) -> Self {
        let offence: Vec<Option<f64>> = table
            .offences()
            .names()
            .iter()
            .map(|n| harm.get(n))
            .collect();
        Self {
            crime_type: table
                .crime_types()
                .names()
                .iter()
                .map(|n| {
                    harm.get(n)
                        .map_or((1.0, WeightSource::Default), |w| (w, WeightSource::Table))
                })
                .collect(),
            any_offence: offence.iter().any(Option::is_some),
            offence,
        }
    }

    /// The weight of row `i` and where it came from.
    #[inline]
    pub(crate) fn weight(&self, t: &IncidentTable, i: usize) -> (f64, WeightSource) {
        let w = t.weight[i];
        if !w.is_nan() {
            return (w, WeightSource::Data);
        }
        if self.any_offence
            && let Some(Some(w)) = self.offence.get(t.offence[i] as usize)
        {
            return (*w, WeightSource::Table);
        }
        self.crime_type[t.crime_type[i] as usize]
    }
}

/// Where an incident's harm weight came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WeightSource {
    Data,
    Table,
    Default,
}
