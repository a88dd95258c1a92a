//! Reading a population table: residents per area code, from a CSV.
//!
//! The first column holds the area code, whatever its header (`code`, `MSOA Code`,
//! `WD13CD`, …). Columns whose header contains `name` (any case) are ignored. Every
//! other column must hold a number, and a row's population is the sum of them, so both
//! layouts read the same way:
//!
//! - `code,population`: the one value;
//! - a single-year-of-age table such as ONS SAPE23DT4 (`MSOA Code,0,1,…,89,90+`): the
//!   row's total.
//!
//! Numbers may carry thousands separators (`"1,134"`, `12,345,678`) but only in valid
//! groups of three (`1,13` is refused), and surrounding spaces. An empty cell, a
//! negative or non-numeric value, a missing or repeated code, or a short row refuses the
//! whole file, naming the line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::query_files::AuxFileError;

/// A population table as read by [`read_population`].
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationFile {
    /// The header of the code column (the first column), e.g. `MSOA Code`.
    pub code_column: String,
    /// How many columns were summed into each row's population (1 for `code,population`).
    pub columns_summed: usize,
    /// The headers of the columns ignored as names (e.g. `MSOA Name`).
    pub ignored_columns: Vec<String>,
    /// `(code, population)` per data row, in file order; codes are unique.
    pub records: Vec<(String, f64)>,
}

fn invalid(path: &Path, line: Option<u64>, message: impl Into<String>) -> AuxFileError {
    AuxFileError::Invalid {
        path: PathBuf::from(path),
        line,
        message: message.into(),
    }
}

/// Whether a column with this header holds names and is not summed.
fn is_name_column(header: &str) -> bool {
    header.to_lowercase().contains("name")
}

/// Parses a count: optional surrounding spaces, digits with an optional decimal part,
/// and optional thousands separators in valid groups of three. `None` when it is not
/// such a number.
fn parse_count(cell: &str) -> Option<f64> {
    let s = cell.trim();
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    let mut groups = int.split(',');
    let first = groups.next()?;
    let grouped = int.contains(',');
    if !digits(first) || (grouped && first.len() > 3) {
        return None;
    }
    if !groups.all(|g| g.len() == 3 && digits(g)) {
        return None;
    }
    let plain: String = s.chars().filter(|&c| c != ',').collect();
    plain.parse().ok().filter(|v: &f64| v.is_finite())
}

/// Reads a population CSV (see the module documentation for the layouts). A UTF-8 byte
/// order mark is allowed.
///
/// # Errors
/// [`AuxFileError`] when the file cannot be read, has no column to sum, or any row is
/// bad (the message names the line, the column and the value); no partial table is
/// returned.
///
/// # Examples
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("pop.csv");
/// std::fs::write(&path, "code,name,population\nE02000001,City,\"8,706\"\n").unwrap();
/// let file = hexspot_ingest::read_population(&path).unwrap();
/// assert_eq!(file.records, [("E02000001".to_owned(), 8706.0)]);
/// assert_eq!(file.ignored_columns, ["name"]);
/// ```
pub fn read_population(path: &Path) -> Result<PopulationFile, AuxFileError> {
    let file = std::fs::File::open(path).map_err(|source| AuxFileError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(file);
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| invalid(path, Some(1), e.to_string()))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_owned())
        .collect();
    let Some((code_column, rest)) = header.split_first() else {
        return Err(invalid(path, Some(1), "no header"));
    };
    if code_column.is_empty() {
        return Err(invalid(
            path,
            Some(1),
            "the first column (the code) has no header",
        ));
    }
    // (position, header) of the columns summed
    let summed: Vec<(usize, &String)> = (1..header.len())
        .map(|i| (i, &header[i]))
        .filter(|(_, h)| !is_name_column(h))
        .collect();
    let ignored: Vec<String> = rest.iter().filter(|h| is_name_column(h)).cloned().collect();
    if summed.is_empty() {
        return Err(invalid(
            path,
            Some(1),
            format!("no population column after the code column {code_column:?}"),
        ));
    }
    let mut records = Vec::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    for rec in rdr.records() {
        let rec =
            rec.map_err(|e| invalid(path, e.position().map(csv::Position::line), e.to_string()))?;
        let line = rec.position().map(csv::Position::line);
        let bad = |m: String| invalid(path, line, m);
        let code = rec[0].trim();
        if code.is_empty() {
            return Err(bad(format!("the code ({code_column:?}) is empty")));
        }
        let mut total = 0.0;
        for &(i, h) in &summed {
            let cell = &rec[i];
            if cell.trim().is_empty() {
                return Err(bad(format!("column {h:?} is empty")));
            }
            total += parse_count(cell)
                .ok_or_else(|| bad(format!("column {h:?}: {cell:?} is not a number ≥ 0")))?;
        }
        if let Some(first) = first_line.insert(code.to_owned(), line.unwrap_or(0)) {
            return Err(bad(format!(
                "the code {code} is repeated (first on line {first})"
            )));
        }
        records.push((code.to_owned(), total));
    }
    if records.is_empty() {
        return Err(invalid(path, None, "no data rows"));
    }
    Ok(PopulationFile {
        code_column: code_column.clone(),
        columns_summed: summed.len(),
        ignored_columns: ignored,
        records,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<PopulationFile, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pop.csv");
        std::fs::write(&path, text).unwrap();
        read_population(&path).map_err(|e| e.to_string())
    }

    fn records(f: &PopulationFile) -> Vec<(&str, f64)> {
        f.records.iter().map(|(c, v)| (c.as_str(), *v)).collect()
    }

    #[test]
    fn counts_with_and_without_separators() {
        assert_eq!(parse_count("1134"), Some(1134.0));
        assert_eq!(parse_count(" 1,134 "), Some(1134.0));
        assert_eq!(parse_count("12,345,678"), Some(12_345_678.0));
        assert_eq!(parse_count("123,456.5"), Some(123_456.5));
        assert_eq!(parse_count("0"), Some(0.0));
        assert_eq!(parse_count("7.25"), Some(7.25));
        for bad in [
            "1,13",
            "1,1345",
            "1234,567",
            ",123",
            "1,",
            "1,,134",
            "abc",
            "-5",
            "+5",
            "1e3",
            "1.",
            ".5",
            "1.2.3",
            "1 134",
            "NaN",
            "inf",
            "",
            "1,134.5,6",
        ] {
            assert_eq!(parse_count(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn two_column_layout() {
        let f = read("code,population\nE05001,100\nE05002, 250.5 \n").unwrap();
        assert_eq!(f.code_column, "code");
        assert_eq!(f.columns_summed, 1);
        assert!(f.ignored_columns.is_empty());
        assert_eq!(records(&f), [("E05001", 100.0), ("E05002", 250.5)]);
    }

    #[test]
    fn age_columns_are_summed_and_name_columns_ignored() {
        let f = read(
            "\u{feff}MSOA Code,MSOA Name,0,1,90+\nE02000001,City of London 001,\"1,134\",2,3\nE02000002,Barking 001,10,\"12,345\",0\n",
        )
        .unwrap();
        assert_eq!(f.code_column, "MSOA Code");
        assert_eq!(f.columns_summed, 3);
        assert_eq!(f.ignored_columns, ["MSOA Name"]);
        assert_eq!(
            records(&f),
            [("E02000001", 1139.0), ("E02000002", 12_355.0)]
        );
    }

    #[test]
    fn a_bad_number_refuses_the_file_naming_line_and_column() {
        let e = read("code,0,45\nA,1,2\nB,3,4\nC,5,abc\n").unwrap_err();
        assert!(
            e.ends_with(r#", line 4: column "45": "abc" is not a number ≥ 0"#),
            "{e}"
        );
        let e = read("code,population\nA,\"1,13\"\n").unwrap_err();
        assert!(
            e.contains(r#"line 2: column "population": "1,13" is not"#),
            "{e}"
        );
        let e = read("code,population\nA,-3\n").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        let e = read("code,population\nA,1\nB,\n").unwrap_err();
        assert!(e.contains(r#"line 3: column "population" is empty"#), "{e}");
    }

    #[test]
    fn repeated_and_missing_codes_and_short_rows_are_refused() {
        let e = read("code,population\nA,1\nB,2\nA,3\n").unwrap_err();
        assert!(
            e.contains("line 4: the code A is repeated (first on line 2)"),
            "{e}"
        );
        let e = read("code,population\nA,1\n ,2\n").unwrap_err();
        assert!(e.contains(r#"line 3: the code ("code") is empty"#), "{e}");
        let e = read("code,population\nA,1\nB\n").unwrap_err();
        assert!(e.contains("line 3"), "{e}");
    }

    #[test]
    fn a_file_without_values_is_refused() {
        let e = read("code,name\nA,Alpha\n").unwrap_err();
        assert!(e.contains("line 1: no population column"), "{e}");
        let e = read("code,population\n").unwrap_err();
        assert!(e.contains("no data rows"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.csv");
        assert!(matches!(
            read_population(&missing),
            Err(AuxFileError::Io { .. })
        ));
    }
}
