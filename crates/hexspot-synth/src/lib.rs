//! Reproducible synthetic crime incidents over West Yorkshire (UK).
//!
//! This crate produces fake-but-plausible incident records for hexspot
//! benchmarks, demos and tests. Output is fully determined by
//! [`SynthConfig`]: the same configuration (including the seed) always yields
//! the same rows, in the same order, byte for byte when written with
//! [`write_csv`] (on the same platform; see *Determinism* below).
//!
//! * [`generate`] returns a lazy iterator of [`SynthRow`]s using O(1) memory.
//! * [`write_csv`] streams rows to any [`std::io::Write`] in hexspot's
//!   canonical CSV format (header [`CSV_HEADER`]).
//! * [`incident_table`] builds the engine's in-memory table of the same rows,
//!   for benchmarks.
//!
//! **None of this data is real.** The town-centre coordinates are approximate
//! public locations; every incident is random.
//!
//! # CSV format
//!
//! The header is exactly [`CSV_HEADER`]:
//!
//! ```text
//! id,datetime,longitude,latitude,crime_type,offence_code,knife,domestic,victim_under_25,weight
//! SYN-0000000001,2024-03-15T21:37,-1.543512,53.796011,Violence and sexual offences,Assault with injury,false,false,true,
//! ```
//!
//! * `id`: `SYN-` followed by the 1-based row number, zero-padded to ten
//!   digits. It is sequential and does not depend on the seed.
//! * `datetime`: local time (no zone), ISO 8601 with minute precision,
//!   `YYYY-MM-DDTHH:MM`.
//! * `longitude` / `latitude`: WGS84 decimal degrees, exactly six decimals
//!   (about 0.1 m).
//! * `crime_type`: one of the 14 police.uk broad categories ([`CRIME_TYPES`]),
//!   spelled exactly as police.uk does.
//! * `offence_code`: empty, except for some violence rows, which carry a plain
//!   ONS-style offence label (see below).
//! * `knife`, `domestic`, `victim_under_25`: `true` / `false`.
//! * `weight`: always empty (each row counts once).
//!
//! No field ever needs CSV quoting. Rows are *not* sorted by time.
//!
//! # Distribution choices
//!
//! Every row is drawn independently from the same distribution, in this order:
//! crime type, flags and offence label, location, time.
//!
//! ## Crime-type mix
//!
//! Roughly the West Yorkshire police.uk mix (weights are normalised; these
//! sum to 100):
//!
//! | crime type                    | weight |
//! |-------------------------------|-------:|
//! | Violence and sexual offences  | 38     |
//! | Public order                  | 9      |
//! | Anti-social behaviour         | 8      |
//! | Criminal damage and arson     | 8      |
//! | Shoplifting                   | 7      |
//! | Other theft                   | 7      |
//! | Vehicle crime                 | 6      |
//! | Other crime                   | 6      |
//! | Burglary                      | 5      |
//! | Drugs                         | 2      |
//! | Robbery                       | 1.5    |
//! | Possession of weapons         | 1      |
//! | Theft from the person         | 1      |
//! | Bicycle theft                 | 0.5    |
//!
//! ## Flags and offence labels
//!
//! * `knife`: 4% of violence, 60% of possession of weapons, 30% of robbery,
//!   never for other types.
//! * `domestic`: 30% of violence, 5% of every other type (applied uniformly,
//!   even where a domestic flag is unusual, e.g. shoplifting).
//! * `victim_under_25`: 25% of all rows, independent of everything else
//!   (including "victimless" types such as drugs).
//! * `offence_code` (violence only): Assault without injury 40%, Assault with
//!   injury 30%, GBH without intent 6%, Wounding 4%, and empty for the
//!   remaining 20% (standing in for the other violence-and-sexual-offences
//!   sub-categories such as stalking/harassment and sexual offences).
//!   Labels are independent of the `knife` flag.
//!
//! All flags are independent of each other, of location and (except for
//! domestic violence, below) of time.
//!
//! ## Location
//!
//! * 15% of rows are *background*: uniform over the West Yorkshire bounding
//!   box, longitude −2.17..−1.20, latitude 53.52..53.96. The county is not a
//!   rectangle, so some background points land just outside it.
//! * 85% cluster around 16 town centres, chosen with weights reflecting
//!   population and night-time economy. Each point is the centre plus an
//!   isotropic Gaussian offset with standard deviation σ metres. Metres are
//!   converted to degrees on a sphere of radius 6 371 008.8 m: one degree of
//!   latitude is ≈111 195 m, one degree of longitude is that times
//!   `cos(centre latitude)`. Offsets that would leave the bounding box are
//!   redrawn (practically never happens).
//!
//! | centre                | lat     | lon     | weight | σ (m) |
//! |-----------------------|---------|---------|-------:|------:|
//! | Leeds city centre     | 53.7966 | −1.5432 | 30     | 1150  |
//! | Bradford              | 53.7938 | −1.7525 | 16     | 1100  |
//! | Huddersfield          | 53.6458 | −1.7850 | 8      | 900   |
//! | Wakefield             | 53.6830 | −1.4977 | 8      | 900   |
//! | Halifax               | 53.7248 | −1.8616 | 6      | 800   |
//! | Dewsbury              | 53.6910 | −1.6300 | 4      | 700   |
//! | Keighley              | 53.8676 | −1.9063 | 4      | 700   |
//! | Headingley            | 53.8190 | −1.5770 | 4      | 500   |
//! | Castleford            | 53.7250 | −1.3560 | 3      | 600   |
//! | Pontefract            | 53.6910 | −1.3120 | 2.5    | 550   |
//! | Batley                | 53.7090 | −1.6350 | 2.5    | 550   |
//! | Morley                | 53.7400 | −1.5990 | 2      | 550   |
//! | Shipley               | 53.8330 | −1.7700 | 2      | 500   |
//! | Brighouse             | 53.7030 | −1.7800 | 1.5    | 500   |
//! | Otley                 | 53.9050 | −1.6920 | 1      | 400   |
//! | Ilkley                | 53.9250 | −1.8220 | 1      | 400   |
//!
//! Headingley is weighted above its population because of its student
//! night-time economy. σ is scaled by the row's *time profile* (below):
//! ×0.8 for night-economy and retail crime (tight around bars and shops),
//! ×1.3 for residential and overnight crime (spread into housing), ×1.0
//! otherwise, so every effective σ lies within 320–1495 m.
//!
//! ## Time
//!
//! The period is `[start, start + months)` (calendar months; `months` of 0 is
//! treated as 1). Each row's *time profile* gives a weight to each of the 168
//! clock hours of the week (Monday 00:00 … Sunday 23:00):
//!
//! `weight(dow, hour) = day_weight[dow] × hour_weight[hour] × boost`
//!
//! where `boost` applies only inside the weekend night window — Friday 20:00
//! to Saturday 04:00 and Saturday 20:00 to Sunday 04:00 (a night belongs to
//! the day it starts). A row picks an hour-of-week cell from these weights
//! (multiplied by how many dates with that weekday fall in the period, so
//! partial weeks are handled exactly), then a date uniformly among the
//! period's dates with that weekday, then a minute uniformly in the hour.
//! Every date with a given weekday is therefore equally likely ("uniform
//! day"); there is no seasonality.
//!
//! | profile       | used by | shape |
//! |---------------|---------|-------|
//! | night economy | violence (non-domestic), public order | builds through the evening, peak 22:00–01:00, trough 05:00–07:00; Fri/Sat heavier; weekend-night boost ×3 |
//! | residential   | domestic violence, burglary | broad, peak 17:00–21:00, low overnight; weekends slightly heavier |
//! | evening       | anti-social behaviour, criminal damage and arson, drugs, possession of weapons, robbery | peak 16:00–20:00; weekend-night boost ×1.3 |
//! | overnight     | vehicle crime | highest 20:00–03:00, flat by day |
//! | daytime       | other theft, theft from the person, bicycle theft, other crime | office/shopping hours 09:00–17:00; quieter Sunday |
//! | retail        | shoplifting | shop opening hours 09:00–18:00, Saturday heaviest, Sunday low and mostly 10:00–16:00 (Sunday trading) |
//!
//! With these weights roughly a third of all violence falls in the 16 weekend
//! night hours, against the 16/168 ≈ 9.5% a flat week would give.
//!
//! # Determinism
//!
//! The random source is [`rand_chacha::ChaCha8Rng::seed_from_u64`]`(seed)`,
//! and the sequence of draws per row is fixed, so the output is a pure
//! function of the configuration. Integer draws are platform independent; the
//! Gaussian offsets go through `f64` maths (`ln`, `exp`, `cos`) whose last bit
//! could in principle differ between platforms/libm versions, which could
//! flip the sixth decimal of a rare coordinate. On one platform the output is
//! bit-for-bit stable.
//!
//! # Performance
//!
//! [`write_csv`] formats every field into one reused byte buffer (no
//! per-row or per-field allocation) and hands byte slices to a
//! [`csv::Writer`], which buffers output internally (64 KiB), so an
//! unbuffered [`std::fs::File`] can be passed directly.

use std::io::Write;

use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

mod table;
pub use table::incident_table;

/// Header of hexspot's canonical incident CSV, in column order.
pub const CSV_HEADER: [&str; 10] = [
    "id",
    "datetime",
    "longitude",
    "latitude",
    "crime_type",
    "offence_code",
    "knife",
    "domestic",
    "victim_under_25",
    "weight",
];

/// The 14 police.uk broad crime categories, spelled exactly as police.uk does
/// (alphabetical order).
pub const CRIME_TYPES: [&str; 14] = [
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
];

/// Parameters of a synthetic data set. Equal configs give identical output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthConfig {
    /// Number of rows to generate.
    pub rows: u64,
    /// Seed for the ChaCha8 random source.
    pub seed: u64,
    /// First date of the period (inclusive). Default 2024-01-01.
    pub start: NaiveDate,
    /// Length of the period in calendar months; 0 is treated as 1. Default 12.
    pub months: u32,
}

impl Default for SynthConfig {
    /// 1 000 rows, seed 0, the twelve months of 2024.
    fn default() -> Self {
        Self {
            rows: 1_000,
            seed: 0,
            start: NaiveDate::from_ymd_opt(2024, 1, 1).expect("valid date"),
            months: 12,
        }
    }
}

impl SynthConfig {
    /// First date *after* the period: `start + months` calendar months
    /// (`months` of 0 counts as 1), saturating at [`NaiveDate::MAX`].
    /// All generated datetimes are `>= start 00:00` and `< end_date() 00:00`.
    pub fn end_date(&self) -> NaiveDate {
        self.start
            .checked_add_months(Months::new(self.months.max(1)))
            .unwrap_or(NaiveDate::MAX)
    }
}

/// One synthetic incident.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthRow {
    /// Sequential identifier, `SYN-0000000001` for the first row.
    pub id: String,
    /// Local date and time, whole minutes.
    pub datetime: NaiveDateTime,
    /// WGS84 longitude in degrees.
    pub longitude: f64,
    /// WGS84 latitude in degrees.
    pub latitude: f64,
    /// police.uk broad crime type, one of [`CRIME_TYPES`].
    pub crime_type: &'static str,
    /// ONS-style offence label (some violence rows only).
    pub offence_code: Option<&'static str>,
    /// A knife or sharp instrument was involved.
    pub knife: bool,
    /// Domestic-abuse related.
    pub domestic: bool,
    /// Victim aged under 25.
    pub victim_under_25: bool,
}

/// Errors from [`write_csv`].
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// The CSV writer failed (usually an I/O error underneath).
    #[error("CSV write error: {0}")]
    Csv(#[from] csv::Error),
    /// Writing or flushing the output failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

// ---------------------------------------------------------------------------
// Model tables
// ---------------------------------------------------------------------------

/// West Yorkshire bounding box: (lon_min, lon_max, lat_min, lat_max).
const WY_LON: (f64, f64) = (-2.17, -1.20);
const WY_LAT: (f64, f64) = (53.52, 53.96);
/// Share of rows spread uniformly over the bounding box.
const BACKGROUND_SHARE: f64 = 0.15;
/// Share of rows with a victim under 25.
const UNDER_25_SHARE: f64 = 0.25;
/// Metres per degree of latitude on a sphere of mean Earth radius.
const METRES_PER_DEGREE: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

struct Centre {
    lat: f64,
    lon: f64,
    weight: f64,
    sigma_m: f64,
}

const fn centre(lat: f64, lon: f64, weight: f64, sigma_m: f64) -> Centre {
    Centre {
        lat,
        lon,
        weight,
        sigma_m,
    }
}

const CENTRES: [Centre; 16] = [
    centre(53.7966, -1.5432, 30.0, 1150.0), // Leeds city centre
    centre(53.7938, -1.7525, 16.0, 1100.0), // Bradford
    centre(53.6458, -1.7850, 8.0, 900.0),   // Huddersfield
    centre(53.6830, -1.4977, 8.0, 900.0),   // Wakefield
    centre(53.7248, -1.8616, 6.0, 800.0),   // Halifax
    centre(53.6910, -1.6300, 4.0, 700.0),   // Dewsbury
    centre(53.8676, -1.9063, 4.0, 700.0),   // Keighley
    centre(53.8190, -1.5770, 4.0, 500.0),   // Headingley
    centre(53.7250, -1.3560, 3.0, 600.0),   // Castleford
    centre(53.6910, -1.3120, 2.5, 550.0),   // Pontefract
    centre(53.7090, -1.6350, 2.5, 550.0),   // Batley
    centre(53.7400, -1.5990, 2.0, 550.0),   // Morley
    centre(53.8330, -1.7700, 2.0, 500.0),   // Shipley
    centre(53.7030, -1.7800, 1.5, 500.0),   // Brighouse
    centre(53.9050, -1.6920, 1.0, 400.0),   // Otley
    centre(53.9250, -1.8220, 1.0, 400.0),   // Ilkley
];

/// Time-of-week profiles (see crate docs).
#[derive(Clone, Copy)]
enum Profile {
    NightEconomy = 0,
    Residential = 1,
    Evening = 2,
    Overnight = 3,
    Daytime = 4,
    Retail = 5,
}

const PROFILE_COUNT: usize = 6;

struct ProfileSpec {
    /// Clock hour 0..24.
    hour: [f64; 24],
    /// Monday = 0 … Sunday = 6.
    day: [f64; 7],
    /// Multiplier inside Fri 20:00–Sat 04:00 and Sat 20:00–Sun 04:00.
    weekend_night_boost: f64,
    /// Multiplier of each centre's σ.
    spread: f64,
}

const PROFILES: [ProfileSpec; PROFILE_COUNT] = [
    // NightEconomy
    ProfileSpec {
        hour: [
            8.0, 7.0, 5.5, 4.0, 2.5, 1.5, 1.0, 1.2, 1.8, 2.2, 2.6, 3.0, //
            3.4, 3.6, 3.8, 4.2, 4.6, 4.8, 5.0, 5.4, 6.0, 7.0, 8.0, 8.5,
        ],
        day: [0.9, 0.9, 0.95, 1.0, 1.15, 1.3, 1.1],
        weekend_night_boost: 3.0,
        spread: 0.8,
    },
    // Residential
    ProfileSpec {
        hour: [
            2.5, 2.0, 1.5, 1.0, 0.7, 0.5, 0.6, 1.0, 1.5, 2.0, 2.3, 2.5, //
            2.7, 2.8, 3.0, 3.3, 3.7, 4.2, 4.6, 4.8, 4.8, 4.5, 4.0, 3.2,
        ],
        day: [1.0, 0.95, 0.95, 0.95, 1.0, 1.1, 1.15],
        weekend_night_boost: 1.0,
        spread: 1.3,
    },
    // Evening
    ProfileSpec {
        hour: [
            2.5, 1.8, 1.3, 0.9, 0.6, 0.4, 0.4, 0.7, 1.2, 1.6, 2.0, 2.4, //
            2.8, 3.1, 3.5, 4.2, 4.8, 5.2, 5.4, 5.4, 5.1, 4.6, 3.9, 3.1,
        ],
        day: [0.95, 0.95, 0.95, 1.0, 1.1, 1.1, 1.0],
        weekend_night_boost: 1.3,
        spread: 1.0,
    },
    // Overnight
    ProfileSpec {
        hour: [
            4.5, 4.5, 4.2, 3.8, 3.2, 2.5, 2.0, 1.8, 1.8, 1.8, 1.8, 1.8, //
            1.9, 1.9, 2.0, 2.1, 2.3, 2.6, 3.0, 3.4, 3.8, 4.1, 4.3, 4.5,
        ],
        day: [1.0, 1.0, 1.0, 1.0, 1.05, 1.05, 1.0],
        weekend_night_boost: 1.0,
        spread: 1.3,
    },
    // Daytime
    ProfileSpec {
        hour: [
            0.6, 0.4, 0.3, 0.2, 0.2, 0.2, 0.4, 1.0, 2.0, 3.0, 3.6, 4.0, //
            4.3, 4.4, 4.4, 4.3, 4.2, 3.8, 3.2, 2.6, 2.0, 1.6, 1.2, 0.9,
        ],
        day: [1.0, 1.0, 1.0, 1.0, 1.05, 1.1, 0.85],
        weekend_night_boost: 1.0,
        spread: 1.0,
    },
    // Retail (Sunday outside 10:00–16:00 is further scaled, see `cell_weight`)
    ProfileSpec {
        hour: [
            0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.1, 0.4, 1.5, 3.5, 4.8, 5.2, //
            5.4, 5.4, 5.3, 5.2, 5.0, 4.5, 3.5, 2.2, 1.2, 0.6, 0.3, 0.1,
        ],
        day: [1.0, 1.0, 1.0, 1.0, 1.05, 1.2, 0.7],
        weekend_night_boost: 1.0,
        spread: 0.8,
    },
];

/// Whether clock hour `hour` on weekday `dow` (Monday = 0) lies in the
/// weekend night window Fri 20:00–Sat 04:00 or Sat 20:00–Sun 04:00.
fn in_weekend_night(dow: usize, hour: usize) -> bool {
    matches!((dow, hour), (4 | 5, 20..=23) | (5 | 6, 0..=3))
}

fn cell_weight(profile: usize, dow: usize, hour: usize) -> f64 {
    let spec = &PROFILES[profile];
    let mut w = spec.day[dow] * spec.hour[hour];
    if in_weekend_night(dow, hour) {
        w *= spec.weekend_night_boost;
    }
    // Sunday trading: large shops open six hours, typically 10:00–16:00.
    if profile == Profile::Retail as usize && dow == 6 && !(10..16).contains(&hour) {
        w *= 0.3;
    }
    w
}

const VIOLENCE: usize = 13;

struct CrimeSpec {
    weight: f64,
    profile: Profile,
    knife: f64,
    domestic: f64,
}

const fn crime(weight: f64, profile: Profile, knife: f64, domestic: f64) -> CrimeSpec {
    CrimeSpec {
        weight,
        profile,
        knife,
        domestic,
    }
}

/// Indexed like [`CRIME_TYPES`].
const CRIMES: [CrimeSpec; 14] = [
    crime(8.0, Profile::Evening, 0.0, 0.05), // Anti-social behaviour
    crime(0.5, Profile::Daytime, 0.0, 0.05), // Bicycle theft
    crime(5.0, Profile::Residential, 0.0, 0.05), // Burglary
    crime(8.0, Profile::Evening, 0.0, 0.05), // Criminal damage and arson
    crime(2.0, Profile::Evening, 0.0, 0.05), // Drugs
    crime(6.0, Profile::Daytime, 0.0, 0.05), // Other crime
    crime(7.0, Profile::Daytime, 0.0, 0.05), // Other theft
    crime(1.0, Profile::Evening, 0.60, 0.05), // Possession of weapons
    crime(9.0, Profile::NightEconomy, 0.0, 0.05), // Public order
    crime(1.5, Profile::Evening, 0.30, 0.05), // Robbery
    crime(7.0, Profile::Retail, 0.0, 0.05),  // Shoplifting
    crime(1.0, Profile::Daytime, 0.0, 0.05), // Theft from the person
    crime(6.0, Profile::Overnight, 0.0, 0.05), // Vehicle crime
    crime(38.0, Profile::NightEconomy, 0.04, 0.30), // Violence and sexual offences
];

/// ONS-style labels for violence rows, with weights; the remainder is empty.
const VIOLENCE_OFFENCES: [(&str, f64); 4] = [
    ("Assault without injury", 0.40),
    ("Assault with injury", 0.30),
    ("GBH without intent", 0.06),
    ("Wounding", 0.04),
];

// ---------------------------------------------------------------------------
// Sampling machinery
// ---------------------------------------------------------------------------

/// Discrete distribution via cumulative weights and binary search.
struct Cumulative {
    cum: Vec<f64>,
}

impl Cumulative {
    fn new(weights: impl IntoIterator<Item = f64>) -> Self {
        let mut acc = 0.0;
        let cum: Vec<f64> = weights
            .into_iter()
            .map(|w| {
                acc += w;
                acc
            })
            .collect();
        assert!(acc > 0.0, "at least one positive weight");
        Self { cum }
    }

    fn sample(&self, rng: &mut ChaCha8Rng) -> usize {
        let total = *self.cum.last().expect("non-empty");
        let u = rng.random::<f64>() * total;
        // First index whose cumulative weight exceeds u; zero-weight entries
        // are never chosen.
        self.cum
            .partition_point(|&c| c <= u)
            .min(self.cum.len() - 1)
    }
}

/// A row before presentation: cheap to produce, no allocation.
struct RawRow {
    /// 0-based row index.
    index: u64,
    date: NaiveDate,
    hour: u32,
    minute: u32,
    longitude: f64,
    latitude: f64,
    crime: usize,
    offence: Option<&'static str>,
    knife: bool,
    domestic: bool,
    victim_under_25: bool,
}

struct Engine {
    rng: ChaCha8Rng,
    next: u64,
    rows: u64,
    crimes: Cumulative,
    centres: Cumulative,
    /// Per centre: metres per degree of longitude.
    centre_m_per_deg_lon: [f64; 16],
    /// Per profile: distribution over the 168 hour-of-week cells.
    times: Vec<Cumulative>,
    /// Per weekday: days from `start` to its first occurrence in the period.
    first_offset: [u64; 7],
    /// Per weekday: number of its dates in the period.
    count: [u64; 7],
    start: NaiveDate,
}

impl Engine {
    fn new(config: &SynthConfig) -> Self {
        let start = config.start;
        let end = config.end_date();
        let total_days = u64::try_from(end.signed_duration_since(start).num_days())
            .unwrap_or(0)
            .max(1); // degenerate range at the end of chrono's calendar
        let start_dow = start.weekday().num_days_from_monday() as u64;
        let mut first_offset = [0u64; 7];
        let mut count = [0u64; 7];
        for dow in 0..7u64 {
            let off = (dow + 7 - start_dow) % 7;
            first_offset[dow as usize] = off;
            count[dow as usize] = if off < total_days {
                (total_days - off).div_ceil(7)
            } else {
                0
            };
        }
        let times = (0..PROFILE_COUNT)
            .map(|p| {
                Cumulative::new((0..168).map(|cell| {
                    let (dow, hour) = (cell / 24, cell % 24);
                    cell_weight(p, dow, hour) * count[dow] as f64
                }))
            })
            .collect();
        let mut centre_m_per_deg_lon = [0.0; 16];
        for (m, c) in centre_m_per_deg_lon.iter_mut().zip(&CENTRES) {
            *m = METRES_PER_DEGREE * c.lat.to_radians().cos();
        }
        Self {
            rng: ChaCha8Rng::seed_from_u64(config.seed),
            next: 0,
            rows: config.rows,
            crimes: Cumulative::new(CRIMES.iter().map(|c| c.weight)),
            centres: Cumulative::new(CENTRES.iter().map(|c| c.weight)),
            centre_m_per_deg_lon,
            times,
            first_offset,
            count,
            start,
        }
    }

    fn location(&mut self, spread: f64) -> (f64, f64) {
        let rng = &mut self.rng;
        if rng.random::<f64>() < BACKGROUND_SHARE {
            let lon = rng.random_range(WY_LON.0..WY_LON.1);
            let lat = rng.random_range(WY_LAT.0..WY_LAT.1);
            return (lon, lat);
        }
        let i = self.centres.sample(rng);
        let c = &CENTRES[i];
        let sigma = c.sigma_m * spread;
        loop {
            let dx: f64 = rng.sample(StandardNormal);
            let dy: f64 = rng.sample(StandardNormal);
            let lon = c.lon + dx * sigma / self.centre_m_per_deg_lon[i];
            let lat = c.lat + dy * sigma / METRES_PER_DEGREE;
            if (WY_LON.0..=WY_LON.1).contains(&lon) && (WY_LAT.0..=WY_LAT.1).contains(&lat) {
                return (lon, lat);
            }
        }
    }

    fn time(&mut self, profile: Profile) -> (NaiveDate, u32, u32) {
        let cell = self.times[profile as usize].sample(&mut self.rng);
        let (dow, hour) = (cell / 24, (cell % 24) as u32);
        let week = self.rng.random_range(0..self.count[dow]);
        let minute = self.rng.random_range(0..60u32);
        let date = self
            .start
            .checked_add_days(Days::new(self.first_offset[dow] + 7 * week))
            .unwrap_or(NaiveDate::MAX);
        (date, hour, minute)
    }

    fn row(&mut self) -> RawRow {
        let index = self.next;
        self.next += 1;
        let crime = self.crimes.sample(&mut self.rng);
        let spec = &CRIMES[crime];
        let domestic = self.rng.random_bool(spec.domestic);
        let knife = self.rng.random_bool(spec.knife);
        let victim_under_25 = self.rng.random_bool(UNDER_25_SHARE);
        let mut offence = None;
        let mut profile = spec.profile;
        if crime == VIOLENCE {
            let mut u = self.rng.random::<f64>();
            for (label, p) in VIOLENCE_OFFENCES {
                if u < p {
                    offence = Some(label);
                    break;
                }
                u -= p;
            }
            if domestic {
                profile = Profile::Residential;
            }
        }
        let (longitude, latitude) = self.location(PROFILES[profile as usize].spread);
        let (date, hour, minute) = self.time(profile);
        RawRow {
            index,
            date,
            hour,
            minute,
            longitude,
            latitude,
            crime,
            offence,
            knife,
            domestic,
            victim_under_25,
        }
    }
}

impl Iterator for Engine {
    type Item = RawRow;

    fn next(&mut self) -> Option<RawRow> {
        (self.next < self.rows).then(|| self.row())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.rows - self.next;
        match usize::try_from(left) {
            Ok(n) => (n, Some(n)),
            Err(_) => (usize::MAX, None),
        }
    }
}

// ---------------------------------------------------------------------------
// Public entry points
// ---------------------------------------------------------------------------

/// Lazily generates `config.rows` synthetic incidents.
///
/// Memory use is O(1) in the number of rows, and the sequence is a pure
/// function of `config` (see the crate docs for the model). The iterator does
/// not borrow `config`.
pub fn generate(config: &SynthConfig) -> impl Iterator<Item = SynthRow> + Send + use<> {
    Engine::new(config).map(|raw| {
        let mut id = Vec::with_capacity(16);
        push_id(&mut id, raw.index);
        SynthRow {
            id: String::from_utf8(id).expect("ASCII id"),
            datetime: NaiveDateTime::new(
                raw.date,
                NaiveTime::from_hms_opt(raw.hour, raw.minute, 0).expect("valid time"),
            ),
            longitude: raw.longitude,
            latitude: raw.latitude,
            crime_type: CRIME_TYPES[raw.crime],
            offence_code: raw.offence,
            knife: raw.knife,
            domestic: raw.domestic,
            victim_under_25: raw.victim_under_25,
        }
    })
}

/// Writes `config.rows` synthetic incidents as hexspot canonical CSV
/// (header [`CSV_HEADER`]) to `out`, returning the number of data rows
/// written. The rows are exactly those of [`generate`] for the same config,
/// with coordinates rounded to six decimals.
///
/// Output is buffered internally; `out` is flushed before returning.
pub fn write_csv<W: Write>(config: &SynthConfig, out: W) -> Result<u64, SynthError> {
    let mut wtr = csv::WriterBuilder::new()
        .buffer_capacity(64 * 1024)
        .from_writer(out);
    wtr.write_record(CSV_HEADER)?;
    let mut buf: Vec<u8> = Vec::with_capacity(128);
    let mut written = 0u64;
    for raw in Engine::new(config) {
        buf.clear();
        push_id(&mut buf, raw.index);
        let id_end = buf.len();
        push_datetime(&mut buf, raw.date, raw.hour, raw.minute);
        let dt_end = buf.len();
        push_fixed6(&mut buf, raw.longitude);
        let lon_end = buf.len();
        push_fixed6(&mut buf, raw.latitude);
        let record: [&[u8]; 10] = [
            &buf[..id_end],
            &buf[id_end..dt_end],
            &buf[dt_end..lon_end],
            &buf[lon_end..],
            CRIME_TYPES[raw.crime].as_bytes(),
            raw.offence.unwrap_or("").as_bytes(),
            bool_bytes(raw.knife),
            bool_bytes(raw.domestic),
            bool_bytes(raw.victim_under_25),
            b"",
        ];
        wtr.write_record(record)?;
        written += 1;
    }
    wtr.flush()?;
    Ok(written)
}

// ---------------------------------------------------------------------------
// Allocation-free formatting helpers
// ---------------------------------------------------------------------------

fn bool_bytes(b: bool) -> &'static [u8] {
    if b { b"true" } else { b"false" }
}

/// Appends the decimal digits of `n`, left-padded with zeros to `width`.
fn push_uint(buf: &mut Vec<u8>, mut n: u64, width: usize) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for _ in (tmp.len() - i)..width {
        buf.push(b'0');
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// `SYN-` + 1-based index padded to ten digits.
fn push_id(buf: &mut Vec<u8>, index: u64) {
    buf.extend_from_slice(b"SYN-");
    push_uint(buf, index + 1, 10);
}

/// `YYYY-MM-DDTHH:MM`.
fn push_datetime(buf: &mut Vec<u8>, date: NaiveDate, hour: u32, minute: u32) {
    match u64::try_from(date.year()) {
        Ok(y) if y <= 9999 => {
            push_uint(buf, y, 4);
            buf.push(b'-');
            push_uint(buf, u64::from(date.month()), 2);
            buf.push(b'-');
            push_uint(buf, u64::from(date.day()), 2);
        }
        // Outside 0000..=9999: chrono's signed ISO 8601 form, e.g. +12345-01-01.
        _ => write!(buf, "{date}").expect("writing to a Vec cannot fail"),
    }
    buf.push(b'T');
    push_uint(buf, u64::from(hour), 2);
    buf.push(b':');
    push_uint(buf, u64::from(minute), 2);
}

/// Fixed-point with exactly six decimals (rounded half away from zero).
fn push_fixed6(buf: &mut Vec<u8>, v: f64) {
    let scaled = (v * 1e6).round() as i64;
    if scaled < 0 {
        buf.push(b'-');
    }
    let abs = scaled.unsigned_abs();
    push_uint(buf, abs / 1_000_000, 1);
    buf.push(b'.');
    push_uint(buf, abs % 1_000_000, 6);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut buf = Vec::new();
        f(&mut buf);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn formats_numbers() {
        assert_eq!(s(|b| push_uint(b, 0, 1)), "0");
        assert_eq!(s(|b| push_uint(b, 7, 2)), "07");
        assert_eq!(s(|b| push_uint(b, 12345, 2)), "12345");
        assert_eq!(s(|b| push_uint(b, u64::MAX, 0)), u64::MAX.to_string());
        assert_eq!(s(|b| push_id(b, 0)), "SYN-0000000001");
        assert_eq!(s(|b| push_id(b, 9_999_999_999)), "SYN-10000000000");
        assert_eq!(s(|b| push_fixed6(b, -1.5432)), "-1.543200");
        assert_eq!(s(|b| push_fixed6(b, 53.7966)), "53.796600");
        assert_eq!(s(|b| push_fixed6(b, -0.0000004)), "0.000000");
        assert_eq!(s(|b| push_fixed6(b, -0.25)), "-0.250000");
        assert_eq!(s(|b| push_fixed6(b, 1.9999999)), "2.000000");
    }

    #[test]
    fn fixed6_matches_std_formatting() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..10_000 {
            let v: f64 = rng.random_range(-3.0..55.0);
            // Both are correct 6-decimal roundings; they may only disagree on
            // exact binary ties, which random values practically never hit.
            assert_eq!(s(|b| push_fixed6(b, v)), format!("{v:.6}"));
        }
    }

    #[test]
    fn formats_datetimes() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 5).unwrap();
        assert_eq!(s(|b| push_datetime(b, d, 21, 7)), "2024-03-05T21:07");
        let far = NaiveDate::from_ymd_opt(12345, 1, 2).unwrap();
        assert_eq!(s(|b| push_datetime(b, far, 0, 0)), "+12345-01-02T00:00");
    }

    #[test]
    fn weekend_night_window() {
        let cells = (0..7)
            .flat_map(|d| (0..24).map(move |h| (d, h)))
            .filter(|&(d, h)| in_weekend_night(d, h))
            .count();
        assert_eq!(cells, 16);
        assert!(in_weekend_night(4, 20)); // Fri 20:00
        assert!(in_weekend_night(5, 3)); // Sat 03:00
        assert!(!in_weekend_night(5, 4)); // Sat 04:00
        assert!(in_weekend_night(6, 0)); // Sun 00:00
        assert!(!in_weekend_night(4, 3)); // Fri 03:00 (Thursday night)
        assert!(!in_weekend_night(6, 20)); // Sun 20:00
    }

    #[test]
    fn tables_are_consistent() {
        let total: f64 = CRIMES.iter().map(|c| c.weight).sum();
        assert!((total - 100.0).abs() < 1e-9);
        assert_eq!(CRIME_TYPES[VIOLENCE], "Violence and sexual offences");
        for p in &PROFILES {
            for c in &CENTRES {
                let sigma = c.sigma_m * p.spread;
                assert!((300.0..=1500.0).contains(&sigma), "{sigma}");
            }
        }
        let labelled: f64 = VIOLENCE_OFFENCES.iter().map(|(_, p)| p).sum();
        assert!(labelled < 1.0);
    }

    #[test]
    fn partial_weeks_are_exact() {
        // 2024-02 has 29 days starting on a Thursday: Thu/Fri have 5 dates.
        let config = SynthConfig {
            start: NaiveDate::from_ymd_opt(2024, 2, 1).unwrap(),
            months: 1,
            ..SynthConfig::default()
        };
        let e = Engine::new(&config);
        assert_eq!(e.count, [4, 4, 4, 5, 4, 4, 4]);
        assert_eq!(e.first_offset[3], 0);
        assert_eq!(e.first_offset[0], 4);
    }
}
