//! A backtest's curves as a PNG: hit rate and PAI against the share of the study
//! region's area, one line per method, side by side. Pure: the points in, PNG bytes
//! out (the same font and pens as the briefing).

use ab_glyph::FontRef;
use tiny_skia::{Color, Paint, PathBuilder, Pixmap, Rect, Stroke, Transform};

use crate::{BOLD, BriefingError, MAX_SIDE, MIN_SIDE, Pen, REGULAR, paint};

/// One point of a method's mean curve: the top cells, averaged over the folds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvePoint {
    /// Their mean share of the study region's area, 0–1.
    pub area_share: f64,
    /// Their mean hit rate, 0–1 (`None`: undefined, left out of the line).
    pub hit_rate: Option<f64>,
    /// Their mean PAI.
    pub pai: Option<f64>,
}

/// One method's line.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveSeries {
    /// The legend's name, e.g. `Gi* z`.
    pub name: String,
    /// Its points, by cells taken.
    pub points: Vec<CurvePoint>,
}

/// What the chart shows.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveChart {
    /// The heading, with the period.
    pub title: String,
    /// A line under the heading (folds, budget, resolution).
    pub subtitle: String,
    /// One line per method, drawn in [`SERIES_COLOURS`]' order.
    pub series: Vec<CurveSeries>,
    /// The last line: software, data version.
    pub footer: String,
}

/// The methods' colours, in order (colour-blind safe: Okabe–Ito).
pub const SERIES_COLOURS: [[u8; 3]; 6] = [
    [0, 114, 178],
    [213, 94, 0],
    [0, 158, 115],
    [204, 121, 167],
    [230, 159, 0],
    [86, 180, 233],
];

const INK: [u8; 3] = [29, 29, 27];
const MUTED: [u8; 3] = [91, 89, 80];
const GRID: [u8; 3] = [226, 224, 217];

/// A round step (1, 2 or 5 × 10ⁿ) giving about `ticks` intervals up to `max`.
fn nice_step(max: f64, ticks: f64) -> f64 {
    let raw = (max / ticks).max(f64::MIN_POSITIVE);
    let p = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&v| v >= raw)
        .unwrap_or(10.0 * p)
}

/// The axis's top: the smallest multiple of its step at or above `max` (1 when empty).
fn axis_top(max: f64) -> (f64, f64) {
    let max = if max > 0.0 && max.is_finite() {
        max
    } else {
        1.0
    };
    let step = nice_step(max, 5.0);
    ((max / step).ceil() * step, step)
}

fn label(v: f64, step: f64) -> String {
    if step >= 1.0 {
        format!("{v:.0}")
    } else if step >= 0.1 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// One panel: axes at (`left`, `top`) of `w` × `h`, x the area share in per cent.
struct Panel {
    left: f32,
    top: f32,
    w: f32,
    h: f32,
    x_max: f64,
    y_max: f64,
}

impl Panel {
    fn px(&self, x: f64, y: f64) -> (f32, f32) {
        (
            self.left + (x / self.x_max) as f32 * self.w,
            self.top + self.h - (y / self.y_max) as f32 * self.h,
        )
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_panel(
    pm: &mut Pixmap,
    p: &Panel,
    x_step: f64,
    y_step: f64,
    title: &str,
    y_name: &str,
    pens: (&Pen<'_>, &Pen<'_>),
    unit: f32,
    lines: &[Vec<(f64, f64)>],
) {
    let (text, strong) = pens;
    let thin = Stroke {
        width: 1.0,
        ..Stroke::default()
    };
    // grid and tick labels
    let mut pb = PathBuilder::new();
    let mut v = 0.0;
    while v <= p.y_max + y_step / 2.0 {
        let (_, y) = p.px(0.0, v);
        pb.move_to(p.left, y);
        pb.line_to(p.left + p.w, y);
        let s = label(v, y_step);
        text.draw(pm, p.left - text.width(&s) - 6.0 * unit, y + 5.0 * unit, &s);
        v += y_step;
    }
    let mut v = 0.0;
    while v <= p.x_max + x_step / 2.0 {
        let (x, _) = p.px(v, 0.0);
        pb.move_to(x, p.top);
        pb.line_to(x, p.top + p.h);
        let s = label(v, x_step);
        text.draw(pm, x - text.width(&s) / 2.0, p.top + p.h + 20.0 * unit, &s);
        v += x_step;
    }
    if let Some(grid) = pb.finish() {
        pm.stroke_path(&grid, &paint(GRID, 1.0), &thin, Transform::identity(), None);
    }
    // axes
    let mut pb = PathBuilder::new();
    pb.move_to(p.left, p.top);
    pb.line_to(p.left, p.top + p.h);
    pb.line_to(p.left + p.w, p.top + p.h);
    if let Some(axes) = pb.finish() {
        let s = Stroke {
            width: 1.5 * unit,
            ..Stroke::default()
        };
        pm.stroke_path(&axes, &paint(INK, 1.0), &s, Transform::identity(), None);
    }
    strong.draw(pm, p.left, p.top - 12.0 * unit, title);
    let x_name = "share of the study region's area (%)";
    text.draw(
        pm,
        p.left + (p.w - text.width(x_name)) / 2.0,
        p.top + p.h + 44.0 * unit,
        x_name,
    );
    text.draw(pm, p.left + 8.0 * unit, p.top + 18.0 * unit, y_name);
    // the lines, clipped to the panel
    let mut clip = tiny_skia::Mask::new(pm.width(), pm.height()).expect("positive size");
    if let Some(r) = Rect::from_xywh(p.left, p.top - 2.0, p.w + 2.0, p.h + 2.0) {
        clip.fill_path(
            &PathBuilder::from_rect(r),
            tiny_skia::FillRule::Winding,
            false,
            Transform::identity(),
        );
    }
    let line = Stroke {
        width: 2.5 * unit,
        line_join: tiny_skia::LineJoin::Round,
        ..Stroke::default()
    };
    for (i, pts) in lines.iter().enumerate() {
        let mut pb = PathBuilder::new();
        for (j, &(x, y)) in pts.iter().enumerate() {
            let (px, py) = p.px(x, y);
            if j == 0 {
                pb.move_to(px, py);
            } else {
                pb.line_to(px, py);
            }
        }
        let colour = SERIES_COLOURS[i % SERIES_COLOURS.len()];
        match pb.finish() {
            Some(path) => {
                pm.stroke_path(
                    &path,
                    &paint(colour, 1.0),
                    &line,
                    Transform::identity(),
                    Some(&clip),
                );
            }
            // a single point: a dot
            None => {
                if let Some(&(x, y)) = pts.first() {
                    let (px, py) = p.px(x, y);
                    if let Some(dot) = PathBuilder::from_circle(px, py, 3.0 * unit) {
                        pm.fill_path(
                            &dot,
                            &paint(colour, 1.0),
                            tiny_skia::FillRule::Winding,
                            Transform::identity(),
                            Some(&clip),
                        );
                    }
                }
            }
        }
    }
}

/// Renders the chart as a PNG of `width` × `height` pixels: hit rate (%) on the left,
/// PAI on the right, both against the area share (%), with a legend of the methods.
///
/// # Errors
/// [`BriefingError::Size`] for a side outside [`MIN_SIDE`]–[`MAX_SIDE`].
pub fn render_curves(c: &CurveChart, width: u32, height: u32) -> Result<Vec<u8>, BriefingError> {
    if !(MIN_SIDE..=MAX_SIDE).contains(&width) || !(MIN_SIDE..=MAX_SIDE).contains(&height) {
        return Err(BriefingError::Size(width, height));
    }
    let regular = FontRef::try_from_slice(REGULAR).expect("the bundled font parses");
    let bold = FontRef::try_from_slice(BOLD).expect("the bundled font parses");
    let mut pm = Pixmap::new(width, height).ok_or(BriefingError::Size(width, height))?;
    pm.fill(Color::WHITE);
    let (w, h) = (width as f32, height as f32);
    let unit = (w.min(h * 1.5) / 1200.0).max(0.35);
    let margin = 24.0 * unit;
    let title = Pen {
        font: &bold,
        size: 26.0 * unit,
        rgb: INK,
    };
    let note = Pen {
        font: &regular,
        size: 15.0 * unit,
        rgb: MUTED,
    };
    let text = Pen {
        font: &regular,
        size: 14.0 * unit,
        rgb: INK,
    };
    let strong = Pen {
        font: &bold,
        size: 16.0 * unit,
        rgb: INK,
    };
    title.draw_fit(
        &mut pm,
        margin,
        margin + 24.0 * unit,
        &c.title,
        w - 2.0 * margin,
    );
    note.draw_fit(
        &mut pm,
        margin,
        margin + 50.0 * unit,
        &c.subtitle,
        w - 2.0 * margin,
    );

    // legend: one swatch and name per method, in a row
    let legend_y = margin + 80.0 * unit;
    let mut x = margin;
    for (i, s) in c.series.iter().enumerate() {
        let colour = SERIES_COLOURS[i % SERIES_COLOURS.len()];
        if let Some(r) = Rect::from_xywh(x, legend_y - 10.0 * unit, 28.0 * unit, 5.0 * unit) {
            let mut p = Paint::default();
            p.set_color_rgba8(colour[0], colour[1], colour[2], 255);
            pm.fill_rect(r, &p, Transform::identity(), None);
        }
        x = strong.draw(&mut pm, x + 36.0 * unit, legend_y, &s.name) + 28.0 * unit;
    }

    let hits: Vec<Vec<(f64, f64)>> = c
        .series
        .iter()
        .map(|s| {
            s.points
                .iter()
                .filter_map(|p| Some((p.area_share * 100.0, p.hit_rate? * 100.0)))
                .collect()
        })
        .collect();
    let pais: Vec<Vec<(f64, f64)>> = c
        .series
        .iter()
        .map(|s| {
            s.points
                .iter()
                .filter_map(|p| Some((p.area_share * 100.0, p.pai?)))
                .collect()
        })
        .collect();
    let max_of = |lines: &[Vec<(f64, f64)>], pick: fn(&(f64, f64)) -> f64| {
        lines
            .iter()
            .flatten()
            .map(pick)
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max)
    };
    let (x_max, x_step) = axis_top(max_of(&hits, |p| p.0).max(max_of(&pais, |p| p.0)));
    let (hit_max, hit_step) = axis_top(max_of(&hits, |p| p.1));
    let (pai_max, pai_step) = axis_top(max_of(&pais, |p| p.1));

    let top = legend_y + 44.0 * unit;
    let gap = 80.0 * unit;
    let left_pad = 56.0 * unit;
    let panel_w = (w - 2.0 * margin - gap - 2.0 * left_pad) / 2.0;
    let panel_h = h - top - margin - 90.0 * unit;
    if panel_w > 10.0 && panel_h > 10.0 {
        let left = Panel {
            left: margin + left_pad,
            top,
            w: panel_w,
            h: panel_h,
            x_max,
            y_max: hit_max,
        };
        draw_panel(
            &mut pm,
            &left,
            x_step,
            hit_step,
            "Hit rate",
            "% of test incidents in the cells",
            (&text, &strong),
            unit,
            &hits,
        );
        let right = Panel {
            left: margin + 2.0 * left_pad + panel_w + gap,
            top,
            w: panel_w,
            h: panel_h,
            x_max,
            y_max: pai_max,
        };
        draw_panel(
            &mut pm,
            &right,
            x_step,
            pai_step,
            "PAI (predictive accuracy index)",
            "hit rate ÷ area share",
            (&text, &strong),
            unit,
            &pais,
        );
    }
    note.draw_fit(
        &mut pm,
        margin,
        h - margin + 4.0 * unit,
        &c.footer,
        w - 2.0 * margin,
    );
    pm.encode_png()
        .map_err(|e| BriefingError::Encode(e.to_string()))
}

#[cfg(test)]
#[path = "curves_tests.rs"]
mod tests;
