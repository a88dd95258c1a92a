//! Web Mercator (EPSG:3857) scaled to the unit square, the space tiles are cut from.

/// Latitude (degrees) of Web Mercator's edge: the unit square's top and bottom.
pub const MAX_LATITUDE: f64 = 85.051_128_78;

/// Web Mercator (EPSG:3857) scaled to the unit square: x east from the antimeridian,
/// y south from the top of the world, both 0–1. Latitudes beyond
/// ±[`MAX_LATITUDE`] are clamped to the square's edge.
///
/// ```
/// use hexspot_tiles::mercator;
/// assert_eq!(mercator(-180.0, 0.0), [0.0, 0.5]);
/// assert_eq!(mercator(0.0, 90.0)[1], mercator(0.0, 85.051_128_78)[1]);
/// ```
#[must_use]
#[inline]
pub fn mercator(lon: f64, lat: f64) -> [f64; 2] {
    let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    let x = (lon + 180.0) / 360.0;
    let y = 0.5 - lat.tan().asinh() / (2.0 * std::f64::consts::PI);
    [x, y]
}

/// Longitude (degrees) of a unit-square x: the inverse of [`mercator`]'s x.
///
/// ```
/// use hexspot_tiles::unit_x_to_lon;
/// assert_eq!(unit_x_to_lon(0.5), 0.0);
/// ```
#[must_use]
#[inline]
pub fn unit_x_to_lon(x: f64) -> f64 {
    x * 360.0 - 180.0
}

/// Latitude (degrees) of a unit-square y: the inverse of [`mercator`]'s y.
///
/// ```
/// use hexspot_tiles::{mercator, unit_y_to_lat};
/// let [_, y] = mercator(0.0, 53.8);
/// assert!((unit_y_to_lat(y) - 53.8).abs() < 1e-9);
/// ```
#[must_use]
#[inline]
pub fn unit_y_to_lat(y: f64) -> f64 {
    (std::f64::consts::PI * (1.0 - 2.0 * y))
        .sinh()
        .atan()
        .to_degrees()
}

#[cfg(test)]
#[path = "projection_tests.rs"]
mod tests;
