use tiny_skia::Pixmap;

use super::*;

fn chart() -> CurveChart {
    let line = |scale: f64| CurveSeries {
        name: format!("method {scale}"),
        points: (1..=20)
            .map(|n| {
                let share = f64::from(n) * 0.002;
                let hit = (scale * f64::from(n) * 0.01).min(1.0);
                CurvePoint {
                    area_share: share,
                    hit_rate: Some(hit),
                    pai: Some(hit / share),
                }
            })
            .collect(),
    };
    CurveChart {
        title: "Backtest curves: 2022-05 to 2022-10".into(),
        subtitle: "6 folds, res 9".into(),
        series: vec![line(1.0), line(0.7)],
        footer: "hexspot test".into(),
    }
}

fn is(px: tiny_skia::PremultipliedColorU8, rgb: [u8; 3]) -> bool {
    px.alpha() == 255
        && px.red().abs_diff(rgb[0]) < 8
        && px.green().abs_diff(rgb[1]) < 8
        && px.blue().abs_diff(rgb[2]) < 8
}

#[test]
fn the_chart_is_a_png_of_its_size_with_every_line_drawn() {
    let png = render_curves(&chart(), 1200, 800).unwrap();
    let img = Pixmap::decode_png(&png).unwrap();
    assert_eq!((img.width(), img.height()), (1200, 800));
    let px = img.pixels();
    let white = px.iter().filter(|p| is(**p, [255, 255, 255])).count();
    assert!(white < px.len(), "not blank");
    for colour in &SERIES_COLOURS[..2] {
        let n = px.iter().filter(|p| is(**p, *colour)).count();
        assert!(n > 500, "{colour:?}: {n} pixels");
    }
    // the third colour names no method here
    assert!(px.iter().filter(|p| is(**p, SERIES_COLOURS[2])).count() < 20);
    // text: the dark ink of the title and the axes
    assert!(px.iter().filter(|p| is(**p, INK)).count() > 1000);
}

#[test]
fn sizes_out_of_range_are_refused_and_an_empty_chart_still_draws() {
    assert_eq!(
        render_curves(&chart(), 100, 800),
        Err(BriefingError::Size(100, 800))
    );
    let empty = CurveChart {
        series: vec![],
        ..chart()
    };
    let img = Pixmap::decode_png(&render_curves(&empty, 400, 400).unwrap()).unwrap();
    assert_eq!((img.width(), img.height()), (400, 400));
}

#[test]
fn axis_tops_are_round() {
    assert_eq!(axis_top(0.0), (1.0, 0.2));
    assert_eq!(axis_top(37.0), (40.0, 10.0));
    assert_eq!(axis_top(4.2), (5.0, 1.0));
    assert_eq!(axis_top(0.73), (0.8, 0.2));
}
