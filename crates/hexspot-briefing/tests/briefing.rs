//! The briefing PNG: it decodes, has the size asked for, and the plan's areas are
//! painted where the map puts them (not the map's background).

use h3o::{CellIndex, LatLng};
use hexspot_briefing::{AREA_FILL, Briefing, BriefingError, MAP_BACKGROUND, map_position, render};
use hexspot_engine::*;
use tiny_skia::Pixmap;

fn res9() -> Resolution {
    Resolution::try_from(9).unwrap()
}

fn plan_of(points: &[(CellIndex, u32)]) -> Plan {
    let mut b = IncidentTableBuilder::default();
    for &(cell, n) in points {
        let ll = LatLng::from(cell);
        let loc = LonLat::new(ll.lng(), ll.lat()).unwrap();
        for _ in 0..n {
            b.push(&IncidentRow {
                location: loc,
                fine_cell: loc.fine_cell(),
                month: YearMonth::new(2025, 2).unwrap(),
                day: Some("2025-02-14".parse().unwrap()),
                time: Some(MinuteOfDay::new(22, 15).unwrap()),
                crime_type: "Violence and sexual offences",
                offence: None,
                flags: Flags::default(),
                weight: None,
                import_id: 1,
            })
            .unwrap();
        }
    }
    let q = PlanQuery {
        query: HotspotQuery {
            rank_by: RankBy::Count,
            ..HotspotQuery::default()
        },
        budget: Budget::Cells(3),
        exclude: vec![],
    };
    plan(&b.build(), &q, &HarmTable::default()).unwrap()
}

fn briefing(plan: &Plan) -> Briefing<'_> {
    Briefing {
        title: "Patrol plan: Violence and sexual offences, Fri–Sat 20:00–04:00".into(),
        summary: vec!["3 cells ranked by count at H3 res 9".into()],
        plan,
        base: None,
        footer: "hexspot test".into(),
    }
}

/// A point 70 % of the way from `cell`'s centre to its first vertex: inside the cell,
/// clear of the rank disc drawn at the centre.
fn inside(cell: CellIndex) -> (f64, f64) {
    let c = LatLng::from(cell);
    let v = cell.boundary()[0];
    (
        c.lng() + 0.7 * (v.lng() - c.lng()),
        c.lat() + 0.7 * (v.lat() - c.lat()),
    )
}

#[test]
fn the_png_has_the_size_asked_for_and_paints_the_areas() {
    let a = LatLng::new(53.7966, -1.5432).unwrap().to_cell(res9().h3());
    let b = a.grid_ring_fast(1).flatten().next().unwrap();
    let far = a.grid_ring_fast(4).flatten().nth(3).unwrap();
    let plan = plan_of(&[(a, 9), (b, 5), (far, 3)]);
    assert_eq!(plan.areas.len(), 2);
    let (w, h) = (1200, 800);
    let png = render(&briefing(&plan), w, h).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let img = Pixmap::decode_png(&png).unwrap();
    assert_eq!((img.width(), img.height()), (w, h));
    let pixel = |lon: f64, lat: f64| {
        let (x, y) = map_position(&plan, w, h, lon, lat).unwrap();
        let p = img.pixel(x as u32, y as u32).unwrap().demultiply();
        [p.red(), p.green(), p.blue()]
    };
    // inside every picked cell: the areas' red, well away from the background
    for cell in [a, b, far] {
        let (lon, lat) = inside(cell);
        let p = pixel(lon, lat);
        assert_ne!(p, MAP_BACKGROUND, "cell {cell}");
        assert!(
            p[0] > 150 && p[1] < 90 && p[2] < 90,
            "cell {cell}: {p:?} is not the areas' red {AREA_FILL:?}"
        );
    }
    // a cell between them that is not in the plan stays background
    let gap = a
        .grid_ring_fast(2)
        .flatten()
        .find(|c| c.grid_distance(far).unwrap_or(0) > 1 && c.grid_distance(b).unwrap_or(0) > 1);
    if let Some(gap) = gap {
        let c = LatLng::from(gap);
        assert_eq!(pixel(c.lng(), c.lat()), MAP_BACKGROUND);
    }
    // the text is drawn: the table column holds dark pixels
    let dark = (w * 2 / 3..w)
        .flat_map(|x| (0..h).map(move |y| (x, y)))
        .filter(|&(x, y)| img.pixel(x, y).unwrap().demultiply().red() < 80)
        .count();
    assert!(dark > 500, "{dark} dark pixels in the table column");
}

#[test]
fn other_sizes_and_an_empty_plan() {
    let a = LatLng::new(53.7966, -1.5432).unwrap().to_cell(res9().h3());
    let plan = plan_of(&[(a, 2)]);
    let png = render(&briefing(&plan), 2480, 1754).unwrap();
    let img = Pixmap::decode_png(&png).unwrap();
    assert_eq!((img.width(), img.height()), (2480, 1754));
    for (w, h) in [(399, 800), (800, 4001), (0, 0)] {
        assert_eq!(
            render(&briefing(&plan), w, h),
            Err(BriefingError::Size(w, h))
        );
    }
    let empty = plan_of(&[]);
    assert!(empty.areas.is_empty());
    let png = render(&briefing(&empty), 800, 600).unwrap();
    assert!(Pixmap::decode_png(&png).is_ok());
    assert_eq!(map_position(&empty, 800, 600, -1.5, 53.8), None);
}
