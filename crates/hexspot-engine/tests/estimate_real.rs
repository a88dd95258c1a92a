//! Population estimates on real data: West Yorkshire's 299 MSOAs with their ONS mid-2020
//! populations, estimated onto its 124 wards. The GeoJSON is read by a small JSON reader
//! in this file (the engine depends on no JSON crate).

use std::collections::BTreeMap;
use std::path::PathBuf;

use geo::{Coord, LineString, MultiPolygon, Polygon};
use hexspot_engine::*;

const DISTRICTS: [(&str, &str); 5] = [
    ("E08000032", "bradford"),
    ("E08000033", "calderdale"),
    ("E08000034", "kirklees"),
    ("E08000035", "leeds"),
    ("E08000036", "wakefield"),
];

/// The ONS figure for West Yorkshire's MSOAs (data/SOURCES.md).
const WEST_YORKSHIRE: f64 = 2_345_235.0;

fn data(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(path)
}

// ---- a small JSON reader, enough for GeoJSON ----

#[derive(Debug)]
enum Json {
    Null,
    Bool,
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(kv) => kv.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    fn arr(&self) -> &[Json] {
        match self {
            Json::Arr(v) => v,
            other => panic!("expected an array, got {other:?}"),
        }
    }
    fn str(&self) -> &str {
        match self {
            Json::Str(s) => s,
            other => panic!("expected a string, got {other:?}"),
        }
    }
    fn num(&self) -> f64 {
        match self {
            Json::Num(n) => *n,
            other => panic!("expected a number, got {other:?}"),
        }
    }
}

struct Reader<'a> {
    s: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn eat(&mut self, b: u8) {
        self.ws();
        assert_eq!(
            self.s[self.i], b,
            "expected {:?} at byte {}",
            b as char, self.i
        );
        self.i += 1;
    }
    fn value(&mut self) -> Json {
        self.ws();
        match self.s[self.i] {
            b'{' => {
                self.i += 1;
                let mut kv = Vec::new();
                self.ws();
                if self.s[self.i] == b'}' {
                    self.i += 1;
                    return Json::Obj(kv);
                }
                loop {
                    self.ws();
                    let Json::Str(k) = self.value() else {
                        panic!("object key at byte {}", self.i)
                    };
                    self.eat(b':');
                    kv.push((k, self.value()));
                    self.ws();
                    self.i += 1;
                    if self.s[self.i - 1] == b'}' {
                        return Json::Obj(kv);
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut v = Vec::new();
                self.ws();
                if self.s[self.i] == b']' {
                    self.i += 1;
                    return Json::Arr(v);
                }
                loop {
                    v.push(self.value());
                    self.ws();
                    self.i += 1;
                    if self.s[self.i - 1] == b']' {
                        return Json::Arr(v);
                    }
                }
            }
            b'"' => {
                self.i += 1;
                let mut out = Vec::new();
                while self.s[self.i] != b'"' {
                    if self.s[self.i] == b'\\' {
                        self.i += 1;
                        out.push(match self.s[self.i] {
                            b'n' => b'\n',
                            b't' => b'\t',
                            other => other, // \" \\ \/ (no \u in these files)
                        });
                    } else {
                        out.push(self.s[self.i]);
                    }
                    self.i += 1;
                }
                self.i += 1;
                Json::Str(String::from_utf8(out).expect("UTF-8"))
            }
            b't' | b'f' => {
                while self.s[self.i].is_ascii_alphabetic() {
                    self.i += 1;
                }
                Json::Bool
            }
            b'n' => {
                self.i += 4;
                Json::Null
            }
            _ => {
                let start = self.i;
                while matches!(
                    self.s[self.i],
                    b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                ) {
                    self.i += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.i]).unwrap();
                Json::Num(text.parse().unwrap_or_else(|_| panic!("number {text:?}")))
            }
        }
    }
}

fn ring(j: &Json) -> LineString<f64> {
    j.arr()
        .iter()
        .map(|p| Coord {
            x: p.arr()[0].num(),
            y: p.arr()[1].num(),
        })
        .collect()
}

fn polygon(j: &Json) -> Polygon<f64> {
    let rings = j.arr();
    Polygon::new(ring(&rings[0]), rings[1..].iter().map(ring).collect())
}

/// The features of a GeoJSON file as areas, with `district` for every one.
fn read_areas(path: &str, code: &str, name: &str, district: &str) -> Vec<Area> {
    let text = std::fs::read(data(path)).unwrap();
    let doc = Reader { s: &text, i: 0 }.value();
    doc.get("features")
        .unwrap()
        .arr()
        .iter()
        .map(|f| {
            let props = f.get("properties").unwrap();
            let g = f.get("geometry").unwrap();
            let coords = g.get("coordinates").unwrap();
            let shape = match g.get("type").unwrap().str() {
                "Polygon" => MultiPolygon(vec![polygon(coords)]),
                "MultiPolygon" => MultiPolygon(coords.arr().iter().map(polygon).collect()),
                other => panic!("geometry {other}"),
            };
            Area {
                code: props.get(code).unwrap().str().to_owned(),
                name: props.get(name).unwrap().str().to_owned(),
                district: Some(district.to_owned()),
                shape,
            }
        })
        .collect()
}

/// Residents per MSOA: the sum of the age columns (some quoted with a thousands
/// separator, `"1,134"`).
fn read_population() -> BTreeMap<String, f64> {
    let text = std::fs::read_to_string(data("population/ons-msoa-2020-SAPE23DT4.csv")).unwrap();
    let mut out = BTreeMap::new();
    for line in text.lines().skip(1) {
        let mut fields = Vec::new();
        let (mut field, mut quoted) = (String::new(), false);
        for ch in line.chars() {
            match ch {
                '"' => quoted = !quoted,
                ',' if !quoted => fields.push(std::mem::take(&mut field)),
                ',' => {}
                c => field.push(c),
            }
        }
        fields.push(field);
        let total: f64 = fields[1..].iter().map(|f| f.parse::<f64>().unwrap()).sum();
        out.insert(fields[0].clone(), total);
    }
    out
}

fn msoas() -> Vec<Area> {
    DISTRICTS
        .iter()
        .flat_map(|(lad, name)| {
            read_areas(
                &format!("boundaries/msoa/{lad}-{name}-msoa.json"),
                "MSOA11CD",
                "MSOA11NM",
                lad,
            )
        })
        .collect()
}

fn wards() -> Vec<Area> {
    DISTRICTS
        .iter()
        .flat_map(|(lad, name)| {
            read_areas(
                &format!("boundaries/{lad}-{name}-wards.json"),
                "WD13CD",
                "WD13NM",
                lad,
            )
        })
        .collect()
}

#[test]
fn west_yorkshire_msoa_populations_onto_wards() {
    let msoas = msoas();
    let wards = wards();
    assert_eq!((msoas.len(), wards.len()), (299, 124));
    let population = read_population();
    let source_pop: Vec<Option<f64>> = msoas
        .iter()
        .map(|a| population.get(&a.code).copied())
        .collect();
    assert!(
        source_pop.iter().all(Option::is_some),
        "every MSOA has a count"
    );
    let given: f64 = source_pop.iter().flatten().sum();
    assert_eq!(given, WEST_YORKSHIRE);

    let source = AreaIndex::new(msoas);
    let target = AreaIndex::new(wards);
    let started = std::time::Instant::now();
    let e = estimate_population(&source, &source_pop, &target, RECOMMENDED_RESOLUTION);
    eprintln!(
        "299 MSOAs → 124 wards at res 10: {:?} (unassigned {:.1}, whole areas {:?})",
        started.elapsed(),
        e.unassigned,
        e.whole_areas
    );

    let estimated: f64 = e.population.iter().flatten().sum();
    assert!(
        (estimated + e.unassigned - WEST_YORKSHIRE).abs() < 1e-6,
        "conserved: {estimated} + {}",
        e.unassigned
    );
    assert!(
        e.population.iter().all(Option::is_some),
        "every ward is reached"
    );
    // the two boundary sets are generalised differently, so a little falls outside
    assert!(
        e.unassigned < 0.001 * WEST_YORKSHIRE,
        "unassigned {}",
        e.unassigned
    );
    // wards and MSOAs both nest in the districts: each district keeps its residents
    for (lad, name) in DISTRICTS {
        let of = |ix: &AreaIndex, values: &[Option<f64>]| -> f64 {
            ix.areas()
                .iter()
                .zip(values)
                .filter(|(a, _)| a.district.as_deref() == Some(lad))
                .map(|(_, v)| v.unwrap())
                .sum()
        };
        let (msoa_sum, ward_sum) = (of(&source, &source_pop), of(&target, &e.population));
        assert!(
            (ward_sum - msoa_sum).abs() < 0.005 * msoa_sum,
            "{name}: wards {ward_sum:.0} vs MSOAs {msoa_sum:.0}"
        );
    }
    // ward electorates are kept near-equal, so no ward is wildly off a district's mean
    for (a, p) in target.areas().iter().zip(&e.population) {
        let p = p.unwrap();
        assert!(
            (5_000.0..60_000.0).contains(&p),
            "{} {}: {p:.0}",
            a.code,
            a.name
        );
    }
}

#[test]
fn msoas_onto_themselves_keep_their_populations() {
    let msoas = msoas();
    let population = read_population();
    let pops: Vec<Option<f64>> = msoas
        .iter()
        .map(|a| population.get(&a.code).copied())
        .collect();
    let ix = AreaIndex::new(msoas);
    let e = estimate_population(&ix, &pops, &ix, RECOMMENDED_RESOLUTION);
    let moved: f64 = e
        .population
        .iter()
        .zip(&pops)
        .map(|(got, want)| (got.unwrap() - want.unwrap()).abs())
        .sum();
    assert!(moved < 1e-6 * WEST_YORKSHIRE, "moved {moved}");
}
