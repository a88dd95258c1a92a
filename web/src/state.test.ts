import { describe, expect, it, test } from 'vitest';
import { CELL_AREA_KM2 } from './format';
import {
  DEFAULT_TRENDS,
  emergingParams,
  kdeParams,
  tileKind,
  trendParams,
  trendsPeriod,
  AREA_MEASURES,
  AREA_SORT_KEYS,
  DEFAULT_AREAS,
  DEFAULT_STATE,
  MAX_RES,
  MAX_TOP,
  MIN_RES,
  type ViewState,
  areaParams,
  areaTileParams,
  filterParams,
  incidentFilterParams,
  formatState,
  hotspotParams,
  minZoomFor,
  parseState,
  planParams,
  resolutionAt,
  tileParams,
  DEFAULT_EVALUATE,
  backtestParams,
  evaluateParams,
  evaluatePeriods,
  parseMonthRange,
} from './state';

/** A view with every parameter away from its default. */
const FULL: ViewState = {
  crimeTypes: ['Violence and sexual offences', 'Criminal damage & arson'],
  from: '2023-04',
  to: '2024-03',
  days: ['fri', 'sat'],
  hours: { start: 20, end: 4 },
  res: 9,
  rankBy: 'count',
  measure: 'harm',
  colour: 'harm',
  bandwidthM: 250,
  top: 50,
  camera: { zoom: 12.5, lat: 53.79648, lon: -1.54785 },
  cell: '89195da49b7ffff',
  panel: 'plan',
  plan: { budget: { kind: 'area', km2: 0.75 }, rankBy: 'count', res: 10, area: 3, exclude: ['8a195da49a37fff'] },
  areas: { set: 'msoa', measure: 'change_pct', sort: 'count', order: 'desc', code: 'E02002483' },
  trends: { sliceMonths: 3, res: 9 },
  evaluate: { methods: ['count', 'kde'], trainMonths: 6, folds: 3, cells: 15, before: { from: '2023-01', to: '2023-06' }, after: { from: '2023-07', to: '2023-12' } },
};

/** FULL as a person would write it. */
const FULL_PARAMS: Record<string, string> = {
  from: '2023-04',
  to: '2024-03',
  days: 'fri,sat',
  hours: '20-04',
  res: '9',
  rank_by: 'count',
  measure: 'harm',
  colour: 'harm',
  bandwidth_m: '250',
  top: '50',
  map: '12.5/53.79648/-1.54785',
  cell: '89195da49b7ffff',
  panel: 'plan',
  plan_area_km2: '0.75',
  plan_rank_by: 'count',
  plan_res: '10',
  plan_exclude: '8a195da49a37fff',
  patrol_area: '3',
  area_set: 'msoa',
  area_measure: 'change_pct',
  area_sort: 'count',
  area_order: 'desc',
  area_code: 'E02002483',
  slice_months: '3',
  trends_res: '9',
  eval_methods: 'count,kde',
  eval_train: '6',
  eval_folds: '3',
  eval_cells: '15',
  eval_before: '2023-01..2023-06',
  eval_after: '2023-07..2023-12',
};

function query(params: Record<string, string>): string {
  const p = new URLSearchParams();
  for (const t of FULL.crimeTypes) p.append('crime_type', t);
  for (const [k, v] of Object.entries(params)) p.set(k, v);
  return `?${p.toString()}`;
}

/** The query parameters the server's routes accept (crates/hexspot-server/src/query.rs). */
const API_FILTER = ['res', 'k', 'crime_type', 'offence', 'from', 'to', 'days', 'hours', 'knife', 'domestic', 'under_25', 'bbox', 'measure', 'rank_by', 'alpha'];
const API_HOTSPOTS = ['top', 'all', 'format'];
const API_TILES = ['v'];
const API_PLAN = ['cells', 'area_km2', 'exclude', 'format'];
/** Of these, the ones that may be repeated. */
const REPEATABLE = ['crime_type', 'offence', 'days', 'exclude'];

const keys = (p: URLSearchParams) => [...p.keys()];

function expectServerAccepts(p: URLSearchParams, allowed: string[]) {
  for (const k of new Set(keys(p))) {
    expect(allowed, k).toContain(k);
    if (!REPEATABLE.includes(k)) expect(p.getAll(k), k).toHaveLength(1);
  }
}

describe('parseState', () => {
  it('reads a full view', () => {
    expect(parseState(query(FULL_PARAMS))).toEqual({ state: FULL, problems: [] });
  });

  it('reads a view written by hand, with %20 and repeated days', () => {
    const q =
      '?crime_type=Violence%20and%20sexual%20offences&crime_type=Criminal+damage+%26+arson' +
      '&from=2023-04&to=2024-03&days=Friday&days=sat&hours=20-04&res=9&rank_by=count&measure=harm' +
      '&colour=harm&bandwidth_m=250&top=50&map=12.5/53.79648/-1.54785&cell=89195da49b7ffff' +
      '&panel=plan&plan_area_km2=0.75&plan_rank_by=count&plan_res=10&plan_exclude=8a195da49a37fff&patrol_area=3' +
      '&area_set=msoa&area_measure=change_pct&area_sort=count&area_order=desc&area_code=E02002483&slice_months=3&trends_res=9' +
      '&eval_methods=kde,count&eval_train=6&eval_folds=3&eval_cells=15&eval_before=2023-01..2023-06&eval_after=2023-07..2023-12';
    expect(parseState(q)).toEqual({ state: FULL, problems: [] });
    // without the leading '?'
    expect(parseState(q.slice(1))).toEqual({ state: FULL, problems: [] });
  });

  it('reads nothing as the default view', () => {
    expect(parseState('')).toEqual({ state: DEFAULT_STATE, problems: [] });
    expect(parseState('?')).toEqual({ state: DEFAULT_STATE, problems: [] });
  });

  it('accepts defaults written out, and res=auto as following the zoom', () => {
    expect(parseState('?res=auto&rank_by=z&measure=count&colour=z&top=20')).toEqual({ state: DEFAULT_STATE, problems: [] });
    expect(parseState('?res=auto').state.res).toBeNull();
  });

  it('does not share arrays with DEFAULT_STATE', () => {
    const { state } = parseState('?crime_type=Burglary&days=mon');
    expect(state.crimeTypes).not.toBe(DEFAULT_STATE.crimeTypes);
    expect(state.days).not.toBe(DEFAULT_STATE.days);
    expect(DEFAULT_STATE.crimeTypes).toEqual([]);
    expect(DEFAULT_STATE.days).toEqual([]);
  });

  it('trims crime types and drops empty ones', () => {
    expect(parseState('?crime_type=+Burglary+&crime_type=&crime_type=%20').state.crimeTypes).toEqual(['Burglary']);
  });

  it('reads every resolution 5–12 and every top 1–200', () => {
    for (let r = MIN_RES; r <= MAX_RES; r++) expect(parseState(`?res=${r}`)).toEqual({ state: { ...DEFAULT_STATE, res: r }, problems: [] });
    for (const top of [1, 2, 20, 199, MAX_TOP]) expect(parseState(`?top=${top}`).state.top).toBe(top);
    expect([MIN_RES, MAX_RES, MAX_TOP]).toEqual([5, 12, 200]);
  });

  it('reads the map at its limits', () => {
    expect(parseState('?map=0/-85.06/-180').state.camera).toEqual({ zoom: 0, lat: -85.06, lon: -180 });
    expect(parseState('?map=22/85.06/180').state.camera).toEqual({ zoom: 22, lat: 85.06, lon: 180 });
  });

  // Each bad value is dropped (its field keeps its default), reported under the parameter's
  // name, and leaves the other parameters as they were.
  const BAD: [name: string, value: string, reset: Partial<ViewState>][] = [
    ['from', '2024-13', { from: null }],
    ['from', '2024-00', { from: null }],
    ['from', '2024-1', { from: null }],
    ['from', '24-01', { from: null }],
    ['from', 'April 2023', { from: null }],
    ['to', 'March', { to: null }],
    ['to', '', { to: null }],
    ['days', 'fri,xyz', { days: [] }],
    ['days', 'funday', { days: [] }],
    ['days', 'fr', { days: [] }],
    ['hours', '24-02', { hours: null }],
    ['hours', '20-25', { hours: null }],
    ['hours', '5-5', { hours: null }],
    ['hours', 'abc', { hours: null }],
    ['hours', '', { hours: null }],
    ['res', '4', { res: null }],
    ['res', '13', { res: null }],
    ['res', 'x', { res: null }],
    ['res', '9.5', { res: null }],
    ['res', '', { res: null }],
    ['rank_by', 'p', { rankBy: 'z' }],
    ['rank_by', 'Count', { rankBy: 'z' }],
    ['measure', 'z', { measure: 'count' }],
    ['colour', 'red', { colour: 'z' }],
    ['top', '0', { top: 20 }],
    ['top', '201', { top: 20 }],
    ['top', '2.5', { top: 20 }],
    ['top', '-5', { top: 20 }],
    ['top', 'ten', { top: 20 }],
    ['top', '', { top: 20 }],
    ['map', '12/53.8', { camera: null }],
    ['map', '12/53.8/-1.5/3', { camera: null }],
    ['map', 'a/b/c', { camera: null }],
    ['map', '23/53.8/-1.5', { camera: null }],
    ['map', '-1/53.8/-1.5', { camera: null }],
    ['map', '12/86/-1.5', { camera: null }],
    ['map', '12/53.8/180.5', { camera: null }],
    ['map', '12//-1.55', { camera: null }],
    ['map', '/53.8/-1.55', { camera: null }],
    ['map', '', { camera: null }],
    ['cell', 'xyz', { cell: null }],
    ['cell', '89195da49b7fff', { cell: null }],
    ['cell', '89195da49b7ffff0', { cell: null }],
    ['cell', 'g9195da49b7ffff', { cell: null }],
    ['cell', '', { cell: null }],
    ['panel', 'area', { panel: 'list' }],
    ['area_set', '', { areas: { ...FULL.areas, set: null } }],
    ['area_set', 'my wards', { areas: { ...FULL.areas, set: null } }],
    ['area_set', 'x'.repeat(65), { areas: { ...FULL.areas, set: null } }],
    ['area_measure', 'rate', { areas: { ...FULL.areas, measure: null } }],
    ['area_measure', 'z', { areas: { ...FULL.areas, measure: null } }],
    ['area_sort', 'Count', { areas: { ...FULL.areas, sort: 'rank' } }],
    ['area_sort', 'gi_star_z', { areas: { ...FULL.areas, sort: 'rank' } }],
    ['area_order', 'descending', { areas: { ...FULL.areas, order: 'asc' } }],
    ['area_code', 'E05 001411', { areas: { ...FULL.areas, code: null } }],
    ['area_code', '', { areas: { ...FULL.areas, code: null } }],
  ];

  it.each(BAD)('drops %s=%j and says so', (name, value, reset) => {
    const { state, problems } = parseState(query({ ...FULL_PARAMS, [name]: value }));
    expect(state).toEqual({ ...FULL, ...reset });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.startsWith(`${name}: `), problems[0]).toBe(true);
  });

  it('drops both months when from is after to, and says so under `to`', () => {
    const { state, problems } = parseState(query({ ...FULL_PARAMS, from: '2024-06', to: '2024-03' }));
    expect(state).toEqual({ ...FULL, from: null, to: null });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^to: 2024-03 is before 2024-06/);
  });

  it('keeps a month range of one month, and one end alone', () => {
    expect(parseState('?from=2024-03&to=2024-03').state).toMatchObject({ from: '2024-03', to: '2024-03' });
    expect(parseState('?from=2024-03').state).toMatchObject({ from: '2024-03', to: null });
    expect(parseState('?to=2024-03').state).toMatchObject({ from: null, to: '2024-03' });
    // a bad `from` does not take a good `to` with it
    expect(parseState('?from=2024-13&to=2024-03')).toMatchObject({ state: { from: null, to: '2024-03' } });
  });

  it('reports every bad parameter at once, and keeps the good ones', () => {
    const { state, problems } = parseState(
      '?from=2024-13&to=2024-99&days=xyz&hours=24-02&res=4&rank_by=p&measure=z&colour=red&top=0&map=x&cell=y&crime_type=Burglary',
    );
    expect(state).toEqual({ ...DEFAULT_STATE, crimeTypes: ['Burglary'] });
    expect(problems.map((p) => p.slice(0, p.indexOf(':')))).toEqual([
      'from', 'to', 'days', 'hours', 'res', 'rank_by', 'measure', 'colour', 'top', 'map', 'cell',
    ]);
  });
});

describe('formatState', () => {
  it('writes the default view as an empty string', () => {
    expect(formatState(DEFAULT_STATE)).toBe('');
    expect(formatState({ ...DEFAULT_STATE, crimeTypes: [], days: [], res: null, rankBy: 'z', measure: 'count', colour: 'z', top: 20 })).toBe('');
  });

  it('writes a full view, defaults left out, with the API names', () => {
    expect(formatState(FULL)).toBe(
      '?crime_type=Violence+and+sexual+offences&crime_type=Criminal+damage+%26+arson' +
        '&from=2023-04&to=2024-03&days=fri%2Csat&hours=20-04&rank_by=count&measure=harm' +
        '&res=9&colour=harm&bandwidth_m=250&top=50&map=12.50%2F53.79648%2F-1.54785&cell=89195da49b7ffff' +
        '&panel=plan&plan_area_km2=0.75&plan_rank_by=count&plan_res=10&plan_exclude=8a195da49a37fff&patrol_area=3' +
        '&area_set=msoa&area_measure=change_pct&area_sort=count&area_order=desc&area_code=E02002483' +
        '&slice_months=3&trends_res=9' +
        '&eval_methods=count%2Ckde&eval_train=6&eval_folds=3&eval_cells=15&eval_before=2023-01..2023-06&eval_after=2023-07..2023-12',
    );
    expect(formatState({ ...DEFAULT_STATE, top: 5 })).toBe('?top=5');
    expect(formatState({ ...DEFAULT_STATE, hours: { start: 9, end: 17 } })).toBe('?hours=09-17');
  });

  it('round-trips a full view', () => {
    expect(parseState(formatState(FULL))).toEqual({ state: FULL, problems: [] });
  });

  it('round-trips assorted views', () => {
    const views: ViewState[] = [
      DEFAULT_STATE,
      { ...DEFAULT_STATE, crimeTypes: ['Anti-social behaviour'] },
      { ...DEFAULT_STATE, days: ['mon', 'wed', 'sun'] },
      { ...DEFAULT_STATE, hours: { start: 0, end: 24 } },
      { ...DEFAULT_STATE, days: ['sun'], hours: { start: 22, end: 2 } },
      { ...DEFAULT_STATE, res: 5, top: 1 },
      { ...DEFAULT_STATE, res: 12, top: 200, rankBy: 'harm', colour: 'count' },
      { ...DEFAULT_STATE, camera: { zoom: 0, lat: -85.06, lon: 180 } },
      { ...DEFAULT_STATE, crimeTypes: ['a=b', 'c?d', '100% / #1', 'é'] },
    ];
    for (const v of views) expect(parseState(formatState(v))).toEqual({ state: v, problems: [] });
  });

  it('rounds the camera to 2 decimals of zoom and 5 of latitude and longitude', () => {
    const s = formatState({ ...DEFAULT_STATE, camera: { zoom: 11.123456, lat: 53.123456789, lon: -1.987654321 } });
    expect(new URLSearchParams(s).get('map')).toBe('11.12/53.12346/-1.98765');
  });
});

describe('filterParams', () => {
  it('uses exactly the API names: crime_type (repeated), from, to, days (comma list), hours, rank_by, measure', () => {
    const p = filterParams(FULL);
    expect(keys(p)).toEqual(['crime_type', 'crime_type', 'from', 'to', 'days', 'hours', 'rank_by', 'measure']);
    expect(p.getAll('crime_type')).toEqual(['Violence and sexual offences', 'Criminal damage & arson']);
    expect(p.get('from')).toBe('2023-04');
    expect(p.get('to')).toBe('2024-03');
    expect(p.get('days')).toBe('fri,sat');
    expect(p.get('hours')).toBe('20-04');
    expect(p.get('rank_by')).toBe('count');
    expect(p.get('measure')).toBe('harm');
  });

  it('leaves defaults out', () => {
    expect(filterParams(DEFAULT_STATE).toString()).toBe('');
  });
});

describe('hotspotParams', () => {
  it('always includes res and top', () => {
    expect(hotspotParams(DEFAULT_STATE, 9).toString()).toBe('res=9&top=20');
  });

  it('the filters, the resolution asked for and top', () => {
    const p = hotspotParams(FULL, 7);
    expect(keys(p)).toEqual(['crime_type', 'crime_type', 'from', 'to', 'days', 'hours', 'rank_by', 'measure', 'res', 'top']);
    expect(p.get('res')).toBe('7');
    expect(p.get('top')).toBe('50');
    expect(p.get('days')).toBe('fri,sat');
    expectServerAccepts(p, [...API_FILTER, ...API_HOTSPOTS]);
  });

  it('takes extras, which win', () => {
    const p = hotspotParams(FULL, 9, { format: 'csv', top: '5' });
    expect(p.get('format')).toBe('csv');
    expect(p.getAll('top')).toEqual(['5']);
    expectServerAccepts(p, [...API_FILTER, ...API_HOTSPOTS]);
  });
});

describe('tileParams', () => {
  it('the filters, the data version, and res only when fixed', () => {
    expect(tileParams(DEFAULT_STATE, 'abc123').toString()).toBe('v=abc123');
    const fixed = tileParams(FULL, 'abc123');
    expect(keys(fixed)).toEqual(['crime_type', 'crime_type', 'from', 'to', 'days', 'hours', 'rank_by', 'measure', 'res', 'v']);
    expect(fixed.get('res')).toBe('9');
    expect(fixed.get('v')).toBe('abc123');
    expectServerAccepts(fixed, [...API_FILTER, ...API_TILES]);
    const auto = tileParams({ ...FULL, res: null }, 'abc123');
    expect(auto.has('res')).toBe(false);
    expect(auto.get('v')).toBe('abc123');
    expectServerAccepts(auto, [...API_FILTER, ...API_TILES]);
  });

  it('leaves out what only the page uses: top, colour, map, cell', () => {
    const p = tileParams(FULL, '1');
    for (const k of ['top', 'colour', 'map', 'cell']) expect(p.has(k), k).toBe(false);
  });
});

describe('resolutionAt', () => {
  it('follows the zoom: clamp(floor(zoom) − 3, 5, 12)', () => {
    expect(resolutionAt(0, null)).toBe(5);
    expect(resolutionAt(8, null)).toBe(5);
    expect(resolutionAt(8.99, null)).toBe(5);
    expect(resolutionAt(9, null)).toBe(6);
    expect(resolutionAt(12.5, null)).toBe(9);
    expect(resolutionAt(15, null)).toBe(12);
    expect(resolutionAt(22, null)).toBe(12);
  });

  it("matches the server's table at every whole zoom 0–22", () => {
    const byZoom = Array.from({ length: 23 }, (_, z) => resolutionAt(z, null));
    // zoom: 0  1  2  3  4  5  6  7  8  9 10 11 12  13  14  15  16  17  18  19  20  21  22
    expect(byZoom).toEqual([5, 5, 5, 5, 5, 5, 5, 5, 5, 6, 7, 8, 9, 10, 11, 12, 12, 12, 12, 12, 12, 12, 12]);
  });

  it('returns the fixed resolution when there is one', () => {
    expect(resolutionAt(3, 11)).toBe(11);
    expect(resolutionAt(20, 5)).toBe(5);
    expect(resolutionAt(12.5, 9)).toBe(9);
  });
});

describe('minZoomFor', () => {
  it('0 when following the zoom, else res + 1', () => {
    expect(minZoomFor(null)).toBe(0);
    expect(minZoomFor(5)).toBe(6);
    expect(minZoomFor(9)).toBe(10);
    expect(minZoomFor(12)).toBe(13);
  });

  it("keeps a tile within the server's 50,000 cells at British latitudes", () => {
    // A tile's side at zoom z and latitude φ is 40,075 km × cos φ / 2^z, plus the server's
    // 64/4096 buffer each side; cells per tile ≈ that area / the average cell area.
    const MAX_CELLS = 50_000;
    for (let res = MIN_RES; res <= MAX_RES; res++) {
      const z = minZoomFor(res);
      for (const lat of [49.9, 53.8, 60.9]) {
        const side = ((40075.017 * Math.cos((lat * Math.PI) / 180)) / 2 ** z) * (1 + 128 / 4096);
        expect((side * side) / CELL_AREA_KM2[res]!, `res ${res} at ${lat}°`).toBeLessThan(MAX_CELLS);
      }
    }
  });
});

describe('the patrol-plan panel in the URL', () => {
  test('defaults: the list panel, 20 cells by harm at res 9, nothing in the URL', () => {
    const s = parseState('').state;
    expect(s.panel).toBe('list');
    expect(s.plan).toEqual({ budget: { kind: 'cells', cells: 20 }, rankBy: 'harm', res: 9, area: null, exclude: [] });
    expect(formatState(s)).toBe('');
  });
  test('round trip of every plan setting', () => {
    const q = '?panel=plan&plan_area_km2=1.5&plan_rank_by=z&plan_res=10&plan_exclude=8a195da49a37fff%2C8a195da49a27fff&patrol_area=2';
    const { state, problems } = parseState(q);
    expect(problems).toEqual([]);
    expect(state.panel).toBe('plan');
    expect(state.plan).toEqual({
      budget: { kind: 'area', km2: 1.5 },
      rankBy: 'z',
      res: 10,
      area: 2,
      exclude: ['8a195da49a37fff', '8a195da49a27fff'],
    });
    expect(formatState(state)).toBe(q);
    expect(formatState(parseState('?plan_cells=35').state)).toBe('?plan_cells=35');
  });
  test('bad values are named and dropped', () => {
    const { state, problems } = parseState(
      '?panel=areas-of-doom&plan_cells=0&plan_res=13&plan_rank_by=gini&plan_exclude=custody&patrol_area=first',
    );
    expect(state.panel).toBe('list');
    expect(state.plan).toEqual({ budget: { kind: 'cells', cells: 20 }, rankBy: 'harm', res: 9, area: null, exclude: [] });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(
      ['panel', 'patrol_area', 'plan_cells', 'plan_exclude', 'plan_rank_by', 'plan_res'].sort(),
    );
    expect(parseState('?plan_area_km2=-1').problems[0]).toMatch(/^plan_area_km2: must be a number above 0/);
    expect(parseState('?plan_area_km2=').problems).toHaveLength(1);
    expect(parseState('?plan_cells=5&plan_area_km2=2').state.plan.budget).toEqual({ kind: 'cells', cells: 5 });
  });
});

describe('planParams', () => {
  test('the view filters with the plan budget, ranking, resolution and exclusions', () => {
    const s = parseState('?crime_type=Robbery&from=2024-01&days=fri,sat&hours=20-04&rank_by=count&plan_exclude=8a195da49a37fff').state;
    const p = planParams(s);
    expect(p.getAll('crime_type')).toEqual(['Robbery']);
    expect(p.get('from')).toBe('2024-01');
    expect(p.get('days')).toBe('fri,sat');
    expect(p.get('hours')).toBe('20-04');
    expect(p.get('rank_by')).toBe('harm'); // the plan's ranking, not the list's
    expect(p.get('res')).toBe('9');
    expect(p.get('cells')).toBe('20');
    expect(p.has('area_km2')).toBe(false);
    expect(p.getAll('exclude')).toEqual(['8a195da49a37fff']);
    expect(p.has('top')).toBe(false);
  });
  test('an area budget, and extra parameters', () => {
    const s = parseState('?plan_area_km2=0.5').state;
    const p = planParams(s, { format: 'csv' });
    expect(p.get('area_km2')).toBe('0.5');
    expect(p.has('cells')).toBe(false);
    expect(p.get('format')).toBe('csv');
  });
});

describe('plan parameters the server accepts', () => {
  test('FULL and the defaults', () => {
    expectServerAccepts(planParams(FULL), [...API_FILTER, ...API_PLAN]);
    expectServerAccepts(planParams(DEFAULT_STATE, { format: 'csv' }), [...API_FILTER, ...API_PLAN]);
  });
});

describe('the areas view in the URL', () => {
  test('defaults: the default set and measure, by rank ascending, nothing selected, nothing in the URL', () => {
    const s = parseState('?panel=areas').state;
    expect(s.panel).toBe('areas');
    expect(s.areas).toEqual({ set: null, measure: null, sort: 'rank', order: 'asc', code: null });
    expect(formatState(s)).toBe('?panel=areas');
  });
  test('round trip of every areas setting', () => {
    const q = '?panel=areas&area_set=wards&area_measure=rate_per_1000&area_sort=change_p&area_order=desc&area_code=E05001411';
    const { state, problems } = parseState(q);
    expect(problems).toEqual([]);
    expect(state.areas).toEqual({ set: 'wards', measure: 'rate_per_1000', sort: 'change_p', order: 'desc', code: 'E05001411' });
    expect(formatState(state)).toBe(q);
  });
  test('every sort key and measure the server knows round-trips', () => {
    for (const sort of AREA_SORT_KEYS)
      for (const order of ['asc', 'desc'] as const) {
        const s = { ...DEFAULT_STATE, areas: { ...DEFAULT_AREAS, sort, order } };
        expect(parseState(formatState(s))).toEqual({ state: s, problems: [] });
      }
    for (const measure of AREA_MEASURES) {
      const s = { ...DEFAULT_STATE, areas: { ...DEFAULT_AREAS, measure } };
      expect(parseState(formatState(s))).toEqual({ state: s, problems: [] });
    }
    expect(AREA_SORT_KEYS).toHaveLength(14);
  });
  test('bad values are named and dropped, each on its own', () => {
    const { state, problems } = parseState('?panel=areas&area_set=a%2Fb&area_measure=gini&area_sort=z&area_order=up&area_code=%3Cscript%3E');
    expect(state.panel).toBe('areas');
    expect(state.areas).toEqual(DEFAULT_AREAS);
    expect(problems.map((p) => p.split(':')[0])).toEqual(['area_set', 'area_code', 'area_measure', 'area_sort', 'area_order']);
    expect(problems[2]).toMatch(/must be one of rate_per_1000, count, harm, change_pct, got "gini"/);
  });
  test('does not share the areas object with DEFAULT_AREAS', () => {
    const { state } = parseState('?area_set=wards');
    expect(state.areas).not.toBe(DEFAULT_AREAS);
    expect(DEFAULT_AREAS.set).toBeNull();
  });
});

/** The query parameters `/api/v1/areas/{set}` and its tiles accept. */
const API_AREAS = ['crime_type', 'offence', 'from', 'to', 'days', 'hours', 'knife', 'domestic', 'under_25', 'bbox', 'sort', 'order', 'format'];

describe('areaParams and areaTileParams', () => {
  test('the filters without the cells\' statistics settings, with the sort and order', () => {
    const p = areaParams(FULL);
    expect(keys(p)).toEqual(['crime_type', 'crime_type', 'from', 'to', 'days', 'hours', 'sort', 'order']);
    expect(p.get('sort')).toBe('count');
    expect(p.get('order')).toBe('desc');
    expect(p.has('rank_by')).toBe(false);
    expect(p.has('measure')).toBe(false);
    expectServerAccepts(p, API_AREAS);
    expect(areaParams(DEFAULT_STATE).toString()).toBe('sort=rank&order=asc');
  });
  test('extras win: the downloads', () => {
    const p = areaParams(FULL, { format: 'csv' });
    expect(p.get('format')).toBe('csv');
    expectServerAccepts(p, API_AREAS);
  });
  test('tiles and profiles: the filters and the data version, never the order', () => {
    const p = areaTileParams(FULL, 'abc');
    expect(keys(p)).toEqual(['crime_type', 'crime_type', 'from', 'to', 'days', 'hours', 'v']);
    expect(areaTileParams(DEFAULT_STATE, 'abc').toString()).toBe('v=abc');
    expect(incidentFilterParams(DEFAULT_STATE).toString()).toBe('');
    expect(keys(incidentFilterParams(FULL))).toEqual(['crime_type', 'crime_type', 'from', 'to', 'days', 'hours']);
  });
});

describe('the trends view and density in the URL', () => {
  it('reads panel=trends, slice_months, trends_res, colour=density and bandwidth_m', () => {
    const { state, problems } = parseState('?panel=trends&slice_months=3&trends_res=10&colour=density&bandwidth_m=750');
    expect(problems).toEqual([]);
    expect(state.panel).toBe('trends');
    expect(state.trends).toEqual({ sliceMonths: 3, res: 10 });
    expect(state.colour).toBe('density');
    expect(state.bandwidthM).toBe(750);
    expect(formatState(state)).toBe('?colour=density&bandwidth_m=750&panel=trends&slice_months=3&trends_res=10');
  });

  it('defaults: 1-month slices at res 8, 400 m, all left out of the URL', () => {
    expect(DEFAULT_STATE.trends).toEqual({ sliceMonths: 1, res: 8 });
    expect(DEFAULT_STATE.bandwidthM).toBe(400);
    expect(formatState({ ...DEFAULT_STATE, panel: 'trends' })).toBe('?panel=trends');
    expect(parseState('?slice_months=1&trends_res=8&bandwidth_m=400')).toEqual({ state: DEFAULT_STATE, problems: [] });
  });

  it('drops bad values with their reasons and keeps the defaults', () => {
    const { state, problems } = parseState('?slice_months=0&trends_res=11&bandwidth_m=-5&colour=kde');
    expect(state.trends).toEqual(DEFAULT_TRENDS);
    expect(state.bandwidthM).toBe(400);
    expect(state.colour).toBe('z');
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['bandwidth_m', 'colour', 'slice_months', 'trends_res']);
    for (const q of ['?slice_months=13', '?slice_months=1.5', '?slice_months=', '?bandwidth_m=20001', '?bandwidth_m=', '?bandwidth_m=abc', '?trends_res=6']) {
      expect(parseState(q).problems, q).toHaveLength(1);
    }
    expect(parseState('?bandwidth_m=20000').state.bandwidthM).toBe(20_000);
    expect(parseState('?bandwidth_m=12.5').state.bandwidthM).toBe(12.5);
  });

  it('round-trips trends and density views', () => {
    const views: ViewState[] = [
      { ...DEFAULT_STATE, panel: 'trends', trends: { sliceMonths: 12, res: 7 } },
      { ...DEFAULT_STATE, colour: 'density', bandwidthM: 1500 },
      { ...DEFAULT_STATE, panel: 'trends', from: '2021-11', to: '2022-10', cell: '88195a5a9bfffff' },
    ];
    for (const v of views) expect(parseState(formatState(v))).toEqual({ state: v, problems: [] });
  });
});

describe('trendsPeriod', () => {
  const v = (from: string | null, to: string | null, sliceMonths = 1): ViewState => ({ ...DEFAULT_STATE, from, to, trends: { ...DEFAULT_TRENDS, sliceMonths } });

  it("is the view's own period when it names both ends", () => {
    expect(trendsPeriod(v('2021-11', '2022-10'), '2020-01', '2024-12')).toEqual({ from: '2021-11', to: '2022-10' });
    // even one the server will refuse: it says why
    expect(trendsPeriod(v('2022-01', '2022-02'), '2020-01', '2024-12')).toEqual({ from: '2022-01', to: '2022-02' });
  });

  it('defaults to the last 12 months of the data, across a year end', () => {
    expect(trendsPeriod(v(null, null), '2019-12', '2022-10')).toEqual({ from: '2021-11', to: '2022-10' });
    expect(trendsPeriod(v(null, null), '2019-12', '2024-12')).toEqual({ from: '2024-01', to: '2024-12' });
  });

  it('ends at the view’s to, or starts at its from, when it names one end', () => {
    expect(trendsPeriod(v(null, '2021-06'), '2019-12', '2022-10')).toEqual({ from: '2020-07', to: '2021-06' });
    expect(trendsPeriod(v('2020-03', null), '2019-12', '2022-10')).toEqual({ from: '2020-03', to: '2021-02' });
  });

  it('is whole slices: 12 months of 1–4-month slices, else 4 slices', () => {
    expect(trendsPeriod(v(null, null, 3), '2015-01', '2022-12')).toEqual({ from: '2022-01', to: '2022-12' });
    expect(trendsPeriod(v(null, null, 5), '2015-01', '2022-12')).toEqual({ from: '2021-05', to: '2022-12' });
    expect(trendsPeriod(v(null, null, 12), '2015-01', '2022-12')).toEqual({ from: '2019-01', to: '2022-12' });
  });

  it('keeps to whole slices within the data where they hold fewer months', () => {
    // 7 months of data: 7 one-month slices, or 2 of 3 months (the server says that is too few)
    expect(trendsPeriod(v(null, null), '2022-04', '2022-10')).toEqual({ from: '2022-04', to: '2022-10' });
    expect(trendsPeriod(v(null, null, 3), '2022-04', '2022-10')).toEqual({ from: '2022-05', to: '2022-10' });
  });

  it('is null when the data hold no months', () => {
    expect(trendsPeriod(v(null, null), null, null)).toBeNull();
  });
});

/** Names the server's /api/v1/emerging, /api/v1/kde and /api/v1/trend accept beyond the filters. */
const API_EMERGING = ['slice_months', 'time_lag', 'trend_alpha', 'format', 'v'];
const API_KDE = ['bandwidth_m', 'format', 'v'];
const API_TREND = ['cell', 'trend_alpha'];

describe('emergingParams, kdeParams, trendParams and the density tiles', () => {
  const period = { from: '2021-11', to: '2022-10' };

  it('emerging: the filters over the period, the trends resolution, the slices; no rank_by (the server refuses it)', () => {
    const p = emergingParams(FULL, period);
    expect(p.get('from')).toBe('2021-11');
    expect(p.get('to')).toBe('2022-10');
    expect(p.get('res')).toBe('9');
    expect(p.get('slice_months')).toBe('3');
    expect(p.has('rank_by')).toBe(false);
    expect(p.getAll('crime_type')).toEqual(FULL.crimeTypes);
    expectServerAccepts(p, [...API_FILTER.filter((k) => k !== 'rank_by'), ...API_EMERGING]);
    expect(emergingParams(DEFAULT_STATE, period).toString()).toBe('from=2021-11&to=2022-10&res=8');
    expect(emergingParams(DEFAULT_STATE, period, { format: 'csv' }).get('format')).toBe('csv');
  });

  it('kde: the filters, the bandwidth and the resolution; no rank_by', () => {
    const p = kdeParams(FULL, 10);
    expect(p.get('bandwidth_m')).toBe('250');
    expect(p.get('res')).toBe('10');
    expect(p.has('rank_by')).toBe(false);
    expectServerAccepts(p, [...API_FILTER, ...API_KDE]);
  });

  it('trend: the cell and the incident filters, no resolution (the cell has its own)', () => {
    const p = trendParams(FULL, '88195a5a9bfffff');
    expect(p.get('cell')).toBe('88195a5a9bfffff');
    expect(p.has('res')).toBe(false);
    expect(p.get('from')).toBe('2023-04');
    expectServerAccepts(p, [...API_FILTER, ...API_TREND]);
  });

  it('colouring by density draws the kde tiles with the bandwidth; the others the hotspot tiles without it', () => {
    const density = { ...DEFAULT_STATE, colour: 'density' as const, bandwidthM: 600 };
    expect(tileKind(density)).toBe('kde');
    expect(tileParams(density, 'v1').get('bandwidth_m')).toBe('600');
    expect(tileKind(FULL)).toBe('hotspots');
    expect(tileParams(FULL, 'v1').has('bandwidth_m')).toBe(false);
  });
});

describe('the evaluate view', () => {
  it('drops what it cannot use, naming it', () => {
    const { state, problems } = parseState('?eval_methods=count,nope&eval_folds=0&eval_before=2023-06..2023-01&eval_train=7');
    expect(state.evaluate).toEqual({ ...DEFAULT_EVALUATE, trainMonths: 7 });
    expect(problems.map((p) => p.split(':')[0])).toEqual(['eval_methods', 'eval_folds', 'eval_before']);
    const overlap = parseState('?eval_before=2023-01..2023-06&eval_after=2023-06..2023-09');
    expect(overlap.state.evaluate.before).toBeNull();
    expect(overlap.problems[0]).toMatch(/^eval_after: the after period must start after/);
  });

  it('reads periods as the server writes them', () => {
    expect(parseMonthRange('2022-01..2022-06')).toEqual({ from: '2022-01', to: '2022-06' });
    expect(parseMonthRange('2022-06..2022-01')).toBeNull();
    expect(parseMonthRange('2022-01')).toBeNull();
    expect(parseMonthRange('2022-01..2022-02..2022-03')).toBeNull();
  });

  it('asks the backtest for the methods, history, folds and budget at the plan resolution, without from', () => {
    const p = backtestParams(FULL);
    expect(p.getAll('method')).toEqual(['count', 'kde']);
    expect(p.get('train_months')).toBe('6');
    expect(p.get('folds')).toBe('3');
    expect(p.get('cells')).toBe('15');
    expect(p.get('res')).toBe('10');
    expect(p.get('to')).toBe('2024-03');
    expect(p.get('measure')).toBe('harm');
    expect(p.has('from')).toBe(false);
    expect(p.has('rank_by')).toBe(false);
    const API_BACKTEST = [...API_FILTER, 'method', 'train_months', 'test_months', 'folds', 'cells', 'area_km2', 'bandwidth_m', 'curve_cells', 'format'];
    for (const k of new Set(keys(p))) {
      expect(API_BACKTEST, k).toContain(k);
      if (k !== 'method' && !REPEATABLE.includes(k)) expect(p.getAll(k), k).toHaveLength(1);
    }
  });

  it('evaluates the plan cells over its periods, defaulting to the data’s last 12 months split in two', () => {
    const v = { ...FULL, evaluate: { ...FULL.evaluate, before: null, after: null } };
    expect(evaluatePeriods(v, '2024-10')).toEqual({ before: { from: '2023-11', to: '2024-04' }, after: { from: '2024-05', to: '2024-10' } });
    expect(evaluatePeriods(v, null)).toBeNull();
    expect(evaluatePeriods(FULL, null)).toEqual({ before: FULL.evaluate.before, after: FULL.evaluate.after });
    const p = evaluateParams(FULL, ['8a195da49a37fff', '8a195da49a27fff'], evaluatePeriods(FULL, null)!);
    expect(p.get('before')).toBe('2023-01..2023-06');
    expect(p.get('after')).toBe('2023-07..2023-12');
    expect(p.get('treated_cells')).toBe('8a195da49a37fff,8a195da49a27fff');
    expect(p.get('res')).toBe('10');
    for (const k of ['from', 'to', 'rank_by', 'measure']) expect(p.has(k), k).toBe(false);
  });
});
