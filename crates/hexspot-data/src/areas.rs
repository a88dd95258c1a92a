//! Boundary sets as the snapshot holds them: the areas indexed in an R-tree, their
//! populations, and the incidents' assignment to them, computed once per set and kept
//! with the snapshot. Shared by the CLI and the server so both compare areas alike.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use hexspot_engine::{
    AreaIndex, Assignment, Comparison, Filter, HarmTable, IncidentTable, PopulationValue, SortKey,
};
use hexspot_export::areas::AreaSetMeta;
use hexspot_store::{BoundarySetInfo, Store, StoreError};

use crate::error::DataError;

/// One boundary set, ready to compare.
#[derive(Debug)]
pub struct AreaSet {
    /// As stored.
    pub info: BoundarySetInfo,
    /// The areas, in the set's order.
    pub index: AreaIndex,
    /// Residents per area (in the set's order), where known.
    pub population: Vec<Option<PopulationValue>>,
    /// Where the population came from (and how it was estimated, if it was).
    pub population_source: Option<String>,
    codes: HashMap<String, usize>,
    assignment: OnceLock<Arc<Assignment>>,
}

impl AreaSet {
    /// Loads a set and its population from the store.
    ///
    /// # Errors
    /// [`DataError::Store`] when the store cannot be read or no longer holds the set.
    pub fn load(store: &Store, info: BoundarySetInfo) -> Result<Self, DataError> {
        let (info, areas) =
            store
                .load_boundary_set(&info.name)?
                .ok_or_else(|| StoreError::UnknownBoundarySet {
                    set: info.name.clone(),
                    known: Vec::new(),
                })?;
        let stored = store.load_population(&info.name)?;
        let by_code: HashMap<&str, PopulationValue> = stored
            .iter()
            .map(|p| {
                (
                    p.code.as_str(),
                    PopulationValue {
                        value: p.population,
                        estimated: p.estimated,
                    },
                )
            })
            .collect();
        let population = areas
            .iter()
            .map(|a| by_code.get(a.code.as_str()).copied())
            .collect();
        let population_source = stored.first().map(|p| p.source.clone());
        let codes = areas
            .iter()
            .enumerate()
            .map(|(i, a)| (a.code.clone(), i))
            .collect();
        Ok(Self {
            info,
            index: AreaIndex::new(areas),
            population,
            population_source,
            codes,
            assignment: OnceLock::new(),
        })
    }

    /// Loads every set in the store.
    ///
    /// # Errors
    /// [`DataError::Store`] when the store cannot be read.
    pub fn load_all(store: &Store) -> Result<Vec<Arc<Self>>, DataError> {
        store
            .boundary_sets()?
            .into_iter()
            .map(|info| Self::load(store, info).map(Arc::new))
            .collect()
    }

    /// Which area each incident of `table` lies in: computed on first use, then kept.
    /// `table` must be the snapshot's own table.
    pub fn assignment(&self, table: &IncidentTable) -> Arc<Assignment> {
        self.assignment
            .get_or_init(|| Arc::new(hexspot_engine::assign(table, &self.index)))
            .clone()
    }

    /// The area with this code.
    #[must_use]
    pub fn area(&self, code: &str) -> Option<usize> {
        self.codes.get(code).copied()
    }

    /// The set as outputs describe it.
    #[must_use]
    pub fn meta(&self) -> AreaSetMeta<'_> {
        AreaSetMeta {
            name: &self.info.name,
            source: &self.info.source,
            code_property: &self.info.code_property,
            name_property: &self.info.name_property,
            population_source: self.population_source.as_deref(),
        }
    }

    /// The comparison of the set's areas for `filter`, sorted by `sort`. With no period
    /// in the filter, the current period is every month of the data.
    ///
    /// # Errors
    /// [`DataError::Compare`] for a filter the data cannot answer (e.g. an unknown
    /// crime type).
    pub fn compare(
        &self,
        table: &IncidentTable,
        filter: &Filter,
        harm: &HarmTable,
        sort: SortKey,
        descending: bool,
    ) -> Result<Comparison, DataError> {
        let assignment = self.assignment(table);
        let filter = &with_period(filter, table);
        let mut c = hexspot_engine::compare(
            table,
            &self.index,
            &assignment,
            filter,
            harm,
            &self.population,
        )?;
        hexspot_engine::sort_rows(&mut c.rows, sort, descending);
        Ok(c)
    }
}

/// `filter` with its period closed at the data's first and last months where open.
#[must_use]
pub fn with_period(filter: &Filter, table: &IncidentTable) -> Filter {
    let mut f = filter.clone();
    if f.period.is_none()
        && let Some((first, last)) = table.month_range()
    {
        f.period = hexspot_engine::Period::months(first, last).ok();
    }
    f
}

/// The sort order asked for: a field name and `asc`/`desc`. The default is by rank,
/// best first; other fields default to the largest first, and text fields A to Z.
///
/// # Errors
/// [`DataError::SortKey`] for a field there is not, [`DataError::SortOrder`] for an
/// order other than `asc` or `desc`.
///
/// # Examples
/// ```
/// use hexspot_engine::SortKey;
///
/// assert_eq!(hexspot_data::sort_order(None, None)?, (SortKey::Rank, false));
/// assert_eq!(hexspot_data::sort_order(Some("count"), None)?, (SortKey::Count, true));
/// assert_eq!(hexspot_data::sort_order(Some("name"), Some("desc"))?, (SortKey::Name, true));
/// assert!(hexspot_data::sort_order(Some("colour"), None).is_err());
/// assert!(hexspot_data::sort_order(None, Some("up")).is_err());
/// # Ok::<(), hexspot_data::DataError>(())
/// ```
pub fn sort_order(sort: Option<&str>, order: Option<&str>) -> Result<(SortKey, bool), DataError> {
    let key: SortKey = match sort {
        None => SortKey::Rank,
        Some(s) => s.parse()?,
    };
    let natural_desc = !matches!(
        key,
        SortKey::Rank | SortKey::Code | SortKey::Name | SortKey::District | SortKey::ChangeP
    );
    let descending = match order {
        None => natural_desc,
        Some("desc") => true,
        Some("asc") => false,
        Some(o) => {
            return Err(DataError::SortOrder {
                given: o.to_owned(),
            });
        }
    };
    Ok((key, descending))
}
