//! A printable patrol briefing: a PNG with a map of the plan's areas over the base
//! geography the store holds, and the table of areas with their peak windows and dose.
//! Drawn with tiny-skia and the bundled DejaVu Sans (ab_glyph), so it needs no browser
//! and no system fonts. Pure: plan in, PNG bytes out. [`curves`] draws a backtest's
//! curves the same way.

pub mod curves;

pub use curves::{CurveChart, CurvePoint, CurveSeries, render_curves};

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use hexspot_engine::Plan;
use thiserror::Error;
use tiny_skia::{
    Color, FillRule, Mask, Paint, PathBuilder, Pixmap, PremultipliedColorU8, Rect, Stroke,
    Transform,
};

const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// Smallest and largest image side, in pixels.
pub const MIN_SIDE: u32 = 400;
/// Largest image side, in pixels.
pub const MAX_SIDE: u32 = 4000;

/// Colour of the plan areas on the map.
pub const AREA_FILL: [u8; 3] = [178, 24, 43];
/// Colour of the map's background.
pub const MAP_BACKGROUND: [u8; 3] = [244, 243, 239];

/// Why a briefing cannot be drawn.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum BriefingError {
    /// A side outside [`MIN_SIDE`]–[`MAX_SIDE`].
    #[error("width and height must be {MIN_SIDE}–{MAX_SIDE} pixels, got {0}×{1}")]
    Size(u32, u32),
    /// PNG encoding failed.
    #[error("cannot encode the PNG: {0}")]
    Encode(String),
}

/// What the briefing shows.
#[derive(Debug)]
pub struct Briefing<'a> {
    /// The heading, e.g. `Patrol plan: Violence and sexual offences`.
    pub title: String,
    /// Lines under the heading: the query, the budget and what the plan covers.
    pub summary: Vec<String>,
    /// The plan.
    pub plan: &'a Plan,
    /// Base geography drawn beneath the areas (boundaries, or the outline of the data).
    pub base: Option<&'a geo::MultiPolygon<f64>>,
    /// The last line: software, data version, how it was made.
    pub footer: String,
}

/// Where a map pixel is: Web Mercator scaled into the map panel.
struct Projection {
    x0: f64,
    y0: f64,
    scale: f64,
    left: f32,
    top: f32,
}

fn merc_y(lat: f64) -> f64 {
    (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0)
        .tan()
        .ln()
}

impl Projection {
    /// Fits `[w, s, e, n]` (degrees) into a `width` × `height` panel at (`left`, `top`).
    fn fit(b: [f64; 4], left: f32, top: f32, width: f32, height: f32) -> Self {
        let (x0, x1) = (b[0].to_radians(), b[2].to_radians());
        let (y0, y1) = (merc_y(b[1]), merc_y(b[3]));
        let scale = (f64::from(width) / (x1 - x0)).min(f64::from(height) / (y1 - y0));
        // centre the extent in the panel
        let cx = (x0 + x1) / 2.0 - f64::from(width) / 2.0 / scale;
        let cy = (y0 + y1) / 2.0 + f64::from(height) / 2.0 / scale;
        Self {
            x0: cx,
            y0: cy,
            scale,
            left,
            top,
        }
    }

    fn px(&self, lon: f64, lat: f64) -> (f32, f32) {
        (
            self.left + ((lon.to_radians() - self.x0) * self.scale) as f32,
            self.top + ((self.y0 - merc_y(lat)) * self.scale) as f32,
        )
    }

    /// Metres per pixel at `lat`.
    fn metres_per_px(&self, lat: f64) -> f64 {
        6_378_137.0 * lat.to_radians().cos() / self.scale
    }
}

fn colour(rgb: [u8; 3], alpha: f32) -> Color {
    Color::from_rgba8(rgb[0], rgb[1], rgb[2], (alpha * 255.0).round() as u8)
}

fn paint(rgb: [u8; 3], alpha: f32) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color(colour(rgb, alpha));
    p.anti_alias = true;
    p
}

/// Adds a closed ring through `points` to `pb`.
fn ring(pb: &mut PathBuilder, points: impl IntoIterator<Item = (f32, f32)>) {
    for (i, (x, y)) in points.into_iter().enumerate() {
        if i == 0 {
            pb.move_to(x, y);
        } else {
            pb.line_to(x, y);
        }
    }
    pb.close();
}

/// The polygons' path in pixels.
fn polygons_path(mp: &geo::MultiPolygon<f64>, proj: &Projection) -> Option<tiny_skia::Path> {
    let mut pb = PathBuilder::new();
    for poly in mp {
        for r in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            ring(&mut pb, r.coords().map(|c| proj.px(c.x, c.y)));
        }
    }
    pb.finish()
}

/// The hexagons of `cells` in pixels.
fn cells_path(cells: &[hexspot_engine::CellStat], proj: &Projection) -> Option<tiny_skia::Path> {
    let mut pb = PathBuilder::new();
    for c in cells {
        ring(
            &mut pb,
            c.cell
                .boundary()
                .iter()
                .map(|ll| proj.px(ll.lng(), ll.lat())),
        );
    }
    pb.finish()
}

/// Text drawn with one font at one size.
struct Pen<'f> {
    font: &'f FontRef<'f>,
    size: f32,
    rgb: [u8; 3],
}

impl Pen<'_> {
    fn width(&self, s: &str) -> f32 {
        let f = self.font.as_scaled(PxScale::from(self.size));
        let mut w = 0.0;
        let mut prev = None;
        for c in s.chars() {
            let id = f.glyph_id(c);
            if let Some(p) = prev {
                w += f.kern(p, id);
            }
            w += f.h_advance(id);
            prev = Some(id);
        }
        w
    }

    /// Draws `s` with its baseline at `y`; returns the x after it.
    fn draw(&self, pm: &mut Pixmap, x: f32, y: f32, s: &str) -> f32 {
        let scale = PxScale::from(self.size);
        let f = self.font.as_scaled(scale);
        let (w, h) = (pm.width() as i32, pm.height() as i32);
        let mut caret = x;
        let mut prev = None;
        for c in s.chars() {
            let id = f.glyph_id(c);
            if let Some(p) = prev {
                caret += f.kern(p, id);
            }
            let glyph = id.with_scale_and_position(scale, point(caret, y));
            caret += f.h_advance(id);
            prev = Some(id);
            let Some(outline) = self.font.outline_glyph(glyph) else {
                continue;
            };
            let b = outline.px_bounds();
            let pixels = pm.pixels_mut();
            outline.draw(|gx, gy, cov| {
                let (px, py) = (b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32);
                if px < 0 || py < 0 || px >= w || py >= h || cov <= 0.0 {
                    return;
                }
                let i = (py * w + px) as usize;
                pixels[i] = blend(pixels[i], self.rgb, cov.min(1.0));
            });
        }
        caret
    }

    /// Draws `s`, cut with `…` to fit `max` pixels.
    fn draw_fit(&self, pm: &mut Pixmap, x: f32, y: f32, s: &str, max: f32) {
        if self.width(s) <= max {
            self.draw(pm, x, y, s);
            return;
        }
        let mut cut: String = s.to_owned();
        while !cut.is_empty() && self.width(&format!("{cut}…")) > max {
            cut.pop();
        }
        self.draw(pm, x, y, &format!("{cut}…"));
    }
}

/// Source-over of an opaque colour at coverage `a` onto a premultiplied pixel.
fn blend(dst: PremultipliedColorU8, rgb: [u8; 3], a: f32) -> PremultipliedColorU8 {
    let mix = |s: u8, d: u8| (f32::from(s) * a + f32::from(d) * (1.0 - a)).round() as u8;
    let alpha = (255.0 * a + f32::from(dst.alpha()) * (1.0 - a)).round() as u8;
    PremultipliedColorU8::from_rgba(
        mix(rgb[0], dst.red()).min(alpha),
        mix(rgb[1], dst.green()).min(alpha),
        mix(rgb[2], dst.blue()).min(alpha),
        alpha,
    )
    .unwrap_or(dst)
}

/// The areas' extent, padded so they sit inside some context, never under ~1.5 km.
fn extent(plan: &Plan) -> Option<[f64; 4]> {
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for a in &plan.areas {
        for c in a.outline.iter().flat_map(|p| p.exterior().coords()) {
            b = [b[0].min(c.x), b[1].min(c.y), b[2].max(c.x), b[3].max(c.y)];
        }
    }
    if b[0] > b[2] {
        return None;
    }
    let lat = (b[1] + b[3]) / 2.0;
    let min_deg_lat = 1.5 / 111.0;
    let min_deg_lon = min_deg_lat / lat.to_radians().cos().max(0.1);
    let pad_x = ((b[2] - b[0]) * 0.15).max((min_deg_lon - (b[2] - b[0])) / 2.0);
    let pad_y = ((b[3] - b[1]) * 0.15).max((min_deg_lat - (b[3] - b[1])) / 2.0);
    Some([b[0] - pad_x, b[1] - pad_y, b[2] + pad_x, b[3] + pad_y])
}

/// A round scale-bar length (1, 2 or 5 × 10ⁿ metres) near `target` metres.
fn nice_metres(target: f64) -> f64 {
    let p = 10f64.powf(target.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&v| v <= target)
        .unwrap_or(p)
}

fn pct(x: f64) -> String {
    format!("{:.1} %", 100.0 * x)
}

/// The page's layout at one size.
struct Layout {
    unit: f32,
    margin: f32,
    top: f32,
    map_w: f32,
    map_h: f32,
}

impl Layout {
    fn new(width: u32, height: u32) -> Self {
        let (w, h) = (width as f32, height as f32);
        let unit = (w.min(h * 1.45) / 1600.0).max(0.3);
        let margin = 24.0 * unit;
        let top = margin + 44.0 * unit;
        Self {
            unit,
            margin,
            top,
            map_w: (w - 3.0 * margin) * 0.58,
            map_h: h - top - margin - 28.0 * unit,
        }
    }

    fn projection(&self, plan: &Plan) -> Option<(Projection, [f64; 4])> {
        let ext = extent(plan)?;
        Some((
            Projection::fit(ext, self.margin, self.top, self.map_w, self.map_h),
            ext,
        ))
    }
}

/// Where (`lon`, `lat`) is drawn on a `width` × `height` briefing of `plan`, in pixels;
/// `None` when the plan has no areas (the map is then empty).
#[must_use]
pub fn map_position(
    plan: &Plan,
    width: u32,
    height: u32,
    lon: f64,
    lat: f64,
) -> Option<(f32, f32)> {
    let (proj, _) = Layout::new(width, height).projection(plan)?;
    Some(proj.px(lon, lat))
}

/// Renders the briefing as a PNG of `width` × `height` pixels.
///
/// # Errors
/// [`BriefingError::Size`] for a side outside [`MIN_SIDE`]–[`MAX_SIDE`].
pub fn render(b: &Briefing<'_>, width: u32, height: u32) -> Result<Vec<u8>, BriefingError> {
    if !(MIN_SIDE..=MAX_SIDE).contains(&width) || !(MIN_SIDE..=MAX_SIDE).contains(&height) {
        return Err(BriefingError::Size(width, height));
    }
    let regular = FontRef::try_from_slice(REGULAR).expect("the bundled font parses");
    let bold = FontRef::try_from_slice(BOLD).expect("the bundled font parses");
    let mut pm = Pixmap::new(width, height).ok_or(BriefingError::Size(width, height))?;
    pm.fill(Color::WHITE);
    let (w, h) = (width as f32, height as f32);
    let layout = Layout::new(width, height);
    let Layout {
        unit,
        margin,
        top,
        map_w,
        map_h,
    } = layout;
    let ink = [29, 29, 27];
    let muted = [91, 89, 80];

    // heading across the top
    let title = Pen {
        font: &bold,
        size: 30.0 * unit,
        rgb: ink,
    };
    title.draw_fit(
        &mut pm,
        margin,
        margin + 28.0 * unit,
        &b.title,
        w - 2.0 * margin,
    );

    // the map: left 58 %
    let panel = Rect::from_xywh(margin, top, map_w, map_h).expect("positive size");
    pm.fill_rect(
        panel,
        &paint(MAP_BACKGROUND, 1.0),
        Transform::identity(),
        None,
    );
    let mut clip = Mask::new(width, height).expect("positive size");
    clip.fill_path(
        &PathBuilder::from_rect(panel),
        FillRule::Winding,
        false,
        Transform::identity(),
    );
    if let Some((proj, ext)) = layout.projection(b.plan) {
        if let Some(base) = b.base.and_then(|m| polygons_path(m, &proj)) {
            pm.fill_path(
                &base,
                &paint([233, 230, 220], 1.0),
                FillRule::EvenOdd,
                Transform::identity(),
                Some(&clip),
            );
            let s = Stroke {
                width: 1.2 * unit,
                ..Stroke::default()
            };
            pm.stroke_path(
                &base,
                &paint([155, 150, 138], 1.0),
                &s,
                Transform::identity(),
                Some(&clip),
            );
        }
        let label = Pen {
            font: &bold,
            size: 15.0 * unit,
            rgb: ink,
        };
        for a in &b.plan.areas {
            let Some(path) = polygons_path(&a.outline, &proj) else {
                continue;
            };
            pm.fill_path(
                &path,
                &paint(AREA_FILL, 0.8),
                FillRule::EvenOdd,
                Transform::identity(),
                Some(&clip),
            );
            // the cells inside, so the micro-places can be told apart
            if let Some(hexes) = cells_path(&a.cells, &proj) {
                let thin = Stroke {
                    width: 0.8 * unit,
                    ..Stroke::default()
                };
                pm.stroke_path(
                    &hexes,
                    &paint([255, 255, 255], 0.6),
                    &thin,
                    Transform::identity(),
                    Some(&clip),
                );
            }
            let s = Stroke {
                width: 2.0 * unit,
                ..Stroke::default()
            };
            pm.stroke_path(
                &path,
                &paint([0, 0, 0], 1.0),
                &s,
                Transform::identity(),
                Some(&clip),
            );
            // the rank on a white disc at the best cell's centre
            if let Some(c) = a.cells.first() {
                let ll = h3o::LatLng::from(c.cell);
                let (x, y) = proj.px(ll.lng(), ll.lat());
                let text = a.rank.to_string();
                let r = (label.width(&text) / 2.0 + 5.0 * unit).max(11.0 * unit);
                if let Some(disc) = PathBuilder::from_circle(x, y, r) {
                    pm.fill_path(
                        &disc,
                        &paint([255, 255, 255], 1.0),
                        FillRule::Winding,
                        Transform::identity(),
                        Some(&clip),
                    );
                    let s = Stroke {
                        width: 1.5 * unit,
                        ..Stroke::default()
                    };
                    pm.stroke_path(
                        &disc,
                        &paint([0, 0, 0], 1.0),
                        &s,
                        Transform::identity(),
                        Some(&clip),
                    );
                }
                label.draw(&mut pm, x - label.width(&text) / 2.0, y + 5.5 * unit, &text);
            }
        }
        // scale bar, bottom left of the map
        let lat = (ext[1] + ext[3]) / 2.0;
        let metres = nice_metres(proj.metres_per_px(lat) * f64::from(map_w) / 4.0);
        let len = (metres / proj.metres_per_px(lat)) as f32;
        let (sx, sy) = (margin + 12.0 * unit, top + map_h - 14.0 * unit);
        if let Some(bar) = Rect::from_xywh(sx, sy, len, 4.0 * unit) {
            pm.fill_rect(bar, &paint(ink, 1.0), Transform::identity(), None);
        }
        let small = Pen {
            font: &regular,
            size: 13.0 * unit,
            rgb: ink,
        };
        let text = if metres >= 1000.0 {
            format!("{} km", metres / 1000.0)
        } else {
            format!("{metres} m")
        };
        small.draw(&mut pm, sx, sy - 5.0 * unit, &text);
    }
    let frame = Stroke {
        width: 1.0,
        ..Stroke::default()
    };
    pm.stroke_path(
        &PathBuilder::from_rect(panel),
        &paint([200, 197, 188], 1.0),
        &frame,
        Transform::identity(),
        None,
    );

    // the table: right of the map
    let x = margin * 2.0 + map_w;
    let col_w = w - x - margin;
    let text = Pen {
        font: &regular,
        size: 16.0 * unit,
        rgb: ink,
    };
    let strong = Pen {
        font: &bold,
        size: 16.0 * unit,
        rgb: ink,
    };
    let note = Pen {
        font: &regular,
        size: 14.0 * unit,
        rgb: muted,
    };
    let line = 22.0 * unit;
    let mut y = top + 16.0 * unit;
    for s in &b.summary {
        note.draw_fit(&mut pm, x, y, s, col_w);
        y += line;
    }
    y += line * 0.5;
    let bottom = h - margin - 36.0 * unit;
    for (i, a) in b.plan.areas.iter().enumerate() {
        if y + 3.0 * line > bottom {
            note.draw_fit(
                &mut pm,
                x,
                y,
                &format!(
                    "… and {} more areas (see the GeoJSON or CSV)",
                    b.plan.areas.len() - i
                ),
                col_w,
            );
            break;
        }
        let head = format!(
            "{}. {} cell{} · {:.2} km² · {} incidents · {} of harm{}",
            a.rank,
            a.cells.len(),
            if a.cells.len() == 1 { "" } else { "s" },
            a.area_m2 / 1e6,
            a.count,
            pct(a.harm_share),
            if a.significant {
                " · Gi* hot spot"
            } else {
                ""
            }
        );
        strong.draw_fit(&mut pm, x, y, &head, col_w);
        y += line;
        let windows = if a.peak_windows.is_empty() {
            "no times of day in the data".to_owned()
        } else {
            a.peak_windows
                .iter()
                .map(hexspot_engine::PeakWindow::describe)
                .collect::<Vec<_>>()
                .join(", ")
        };
        text.draw_fit(
            &mut pm,
            x + 18.0 * unit,
            y,
            &format!("Peak: {windows}"),
            col_w - 18.0 * unit,
        );
        y += line;
        note.draw_fit(
            &mut pm,
            x + 18.0 * unit,
            y,
            &format!("Cumulative share of harm: {}", pct(a.cumulative_harm_share)),
            col_w - 18.0 * unit,
        );
        y += line * 1.35;
    }
    if let Some(a) = b.plan.areas.first() {
        let when = if b.plan.areas.iter().all(|a| a.peak_windows.is_empty()) {
            " (the data have no times of day)"
        } else {
            ", one in each peak window"
        };
        let dose = format!(
            "Dose: {}–{} minute visits at random times{when}",
            a.dose.min_minutes, a.dose.max_minutes
        );
        strong.draw_fit(&mut pm, x, bottom + 8.0 * unit, &dose, col_w);
    } else {
        strong.draw_fit(&mut pm, x, y, "No cells match: nothing to patrol.", col_w);
    }
    note.draw_fit(
        &mut pm,
        margin,
        h - margin + 4.0 * unit,
        &b.footer,
        w - 2.0 * margin,
    );
    pm.encode_png()
        .map_err(|e| BriefingError::Encode(e.to_string()))
}
