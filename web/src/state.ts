// The whole view (filters, colouring, map position, selected cell) as URL parameters,
// so a view can be bookmarked and shared. Filter names are the API's own, so a view's
// URL reads like the query behind it.

import { addMonths, monthsBetween } from './months';
import type { ColourBy } from './palette';
import { type Day, type Hours, formatHours, parseDays, parseHours } from './timewindow';

export type RankBy = 'z' | 'count' | 'harm';
export type Measure = 'count' | 'harm';

/** The right-hand panel shown. */
export type Panel = 'list' | 'plan' | 'areas' | 'trends' | 'evaluate';
export const PANELS: readonly Panel[] = ['list', 'plan', 'areas', 'trends', 'evaluate'];

/** A patrol plan's budget: a number of cells, or an area in km². */
export type Budget = { kind: 'cells'; cells: number } | { kind: 'area'; km2: number };

/** The patrol-plan panel's settings (the filters are the view's own). */
export interface PlanState {
  budget: Budget;
  rankBy: RankBy;
  /** H3 resolution the plan picks cells at. */
  res: number;
  /** The selected patrol area (its rank), if any. */
  area: number | null;
  /** Cells (at `res`) left out of the plan: a custody suite, an A&E department. */
  exclude: string[];
}

/** What the areas choropleth is coloured by. */
export type AreaMeasure = 'rate_per_1000' | 'count' | 'harm' | 'change_pct';
export const AREA_MEASURES: readonly AreaMeasure[] = ['rate_per_1000', 'count', 'harm', 'change_pct'];

/** The columns the server sorts areas by (`sort=`). */
export type AreaSortKey =
  | 'code'
  | 'name'
  | 'district'
  | 'count'
  | 'harm'
  | 'population'
  | 'rate_per_1000'
  | 'harm_per_1000'
  | 'rank'
  | 'district_share'
  | 'previous_count'
  | 'change'
  | 'change_pct'
  | 'change_p';
export const AREA_SORT_KEYS: readonly AreaSortKey[] = [
  'code',
  'name',
  'district',
  'count',
  'harm',
  'population',
  'rate_per_1000',
  'harm_per_1000',
  'rank',
  'district_share',
  'previous_count',
  'change',
  'change_pct',
  'change_p',
];
export type SortOrder = 'asc' | 'desc';

/** The areas view's settings (the filters are the view's own). */
export interface AreaState {
  /** The boundary set compared, or null for the default (`wards` if there is one, else the first). */
  set: string | null;
  /** The choropleth's measure, or null for the default (rate per 1,000 where populations exist, else count). */
  measure: AreaMeasure | null;
  sort: AreaSortKey;
  order: SortOrder;
  /** The selected area's code, if any. */
  code: string | null;
}

/** The trends view's settings (the filters are the view's own; its period is the view's, or a default). */
export interface TrendsState {
  /** Months per slice of the space-time cube (`slice_months`). */
  sliceMonths: number;
  /** H3 resolution of the cube's cells (`trends_res`): one analysis, whatever the zoom. */
  res: number;
}

export const MAX_SLICE_MONTHS = 12;
/** Resolutions offered for trends: district (7) to street block (10). */
export const TRENDS_RES = [7, 8, 9, 10] as const;
export const DEFAULT_TRENDS: TrendsState = { sliceMonths: 1, res: 8 };

/** The ways a backtest ranks cells (the server's `method`). */
export type Method = 'count' | 'harm' | 'gistar' | 'kde';
export const METHODS: readonly Method[] = ['count', 'harm', 'gistar', 'kde'];

/** The evaluate view's settings (the filters are the view's own; its cells are the plan's). */
export interface EvaluateState {
  /** The methods compared (`eval_methods`), in the server's order. */
  methods: Method[];
  /** Months of history each fold ranks cells from (`eval_train`). */
  trainMonths: number;
  /** Rolling-origin folds (`eval_folds`). */
  folds: number;
  /** Cells each method picks (`eval_cells`). */
  cells: number;
  /** The before and after periods of the evaluation, or null for a default around the data's last months. */
  before: MonthRange | null;
  after: MonthRange | null;
}

export const MAX_TRAIN_MONTHS = 120;
export const MAX_FOLDS = 60;
export const MAX_EVAL_CELLS = 1000;
export const DEFAULT_EVALUATE: EvaluateState = { methods: [...METHODS], trainMonths: 12, folds: 6, cells: 20, before: null, after: null };

/** The kernel density's bandwidth in metres, when the cells are coloured by density. */
export const DEFAULT_BANDWIDTH_M = 400;
export const MAX_BANDWIDTH_M = 20_000;

export const DEFAULT_AREAS: AreaState = { set: null, measure: null, sort: 'rank', order: 'asc', code: null };

export const MAX_PLAN_CELLS = 1000;
export const MAX_PLAN_KM2 = 1000;
/** Resolutions offered for plans: street-corner (11) to neighbourhood (8). */
export const PLAN_RES = [8, 9, 10, 11] as const;

/** Where the map looks. */
export interface Camera {
  zoom: number;
  lat: number;
  lon: number;
}

export interface ViewState {
  crimeTypes: string[];
  /** `YYYY-MM`, inclusive. */
  from: string | null;
  to: string | null;
  days: Day[];
  hours: Hours | null;
  /** Fixed H3 resolution, or null to follow the zoom. */
  res: number | null;
  rankBy: RankBy;
  measure: Measure;
  colour: ColourBy;
  /** The kernel's bandwidth in metres (`bandwidth_m`), used when colouring by density. */
  bandwidthM: number;
  top: number;
  camera: Camera | null;
  /** The selected (highlighted) cell. */
  cell: string | null;
  panel: Panel;
  plan: PlanState;
  areas: AreaState;
  trends: TrendsState;
  evaluate: EvaluateState;
}

export const DEFAULT_PLAN: PlanState = { budget: { kind: 'cells', cells: 20 }, rankBy: 'harm', res: 9, area: null, exclude: [] };

export const MIN_RES = 5;
export const MAX_RES = 12;
export const MAX_TOP = 200;

export const DEFAULT_STATE: ViewState = {
  crimeTypes: [],
  from: null,
  to: null,
  days: [],
  hours: null,
  res: null,
  rankBy: 'z',
  measure: 'count',
  colour: 'z',
  bandwidthM: DEFAULT_BANDWIDTH_M,
  top: 20,
  camera: null,
  cell: null,
  panel: 'list',
  plan: DEFAULT_PLAN,
  areas: DEFAULT_AREAS,
  trends: DEFAULT_TRENDS,
  evaluate: DEFAULT_EVALUATE,
};

const COLOURS: readonly ColourBy[] = ['z', 'count', 'harm', 'density'];
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const CELL = /^[0-9a-f]{15}$/;
/** A boundary set's name or an area's code: letters, digits and `_ . -`, up to 64. */
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** A URL's view and what in it could not be used (each dropped, with its reason). */
export interface Parsed {
  state: ViewState;
  problems: string[];
}

function oneOf<T extends string>(value: string, allowed: readonly T[]): T | null {
  return (allowed as readonly string[]).includes(value) ? (value as T) : null;
}

/** Reads a view from a query string (`?crime_type=…&map=12/53.8/-1.55`). */
export function parseState(search: string): Parsed {
  const p = new URLSearchParams(search);
  const state: ViewState = { ...DEFAULT_STATE, crimeTypes: [], days: [], plan: { ...DEFAULT_PLAN, exclude: [] }, areas: { ...DEFAULT_AREAS }, trends: { ...DEFAULT_TRENDS }, evaluate: { ...DEFAULT_EVALUATE, methods: [...DEFAULT_EVALUATE.methods] } };
  const problems: string[] = [];
  const bad = (name: string, why: string) => problems.push(`${name}: ${why}`);

  state.crimeTypes = p.getAll('crime_type').map((s) => s.trim()).filter((s) => s !== '');
  for (const key of ['from', 'to'] as const) {
    const v = p.get(key);
    if (v === null) continue;
    if (MONTH.test(v)) state[key] = v;
    else bad(key, `${JSON.stringify(v)} is not a month (YYYY-MM)`);
  }
  if (state.from !== null && state.to !== null && state.from > state.to) {
    bad('to', `${state.to} is before ${state.from}; both dropped`);
    state.from = null;
    state.to = null;
  }
  try {
    state.days = parseDays(p.getAll('days'));
  } catch (e) {
    bad('days', (e as Error).message);
  }
  const hours = p.get('hours');
  if (hours !== null) {
    try {
      state.hours = parseHours(hours);
    } catch (e) {
      bad('hours', (e as Error).message);
    }
  }
  const res = p.get('res');
  if (res !== null && res !== 'auto') {
    const r = Number(res);
    if (Number.isInteger(r) && r >= MIN_RES && r <= MAX_RES) state.res = r;
    else bad('res', `must be ${MIN_RES}–${MAX_RES} or auto, got ${JSON.stringify(res)}`);
  }
  const enumParam = <T extends string>(name: string, allowed: readonly T[], set: (v: T) => void) => {
    const v = p.get(name);
    if (v === null) return;
    const ok = oneOf(v, allowed);
    if (ok === null) bad(name, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
    else set(ok);
  };
  enumParam('rank_by', ['z', 'count', 'harm'] as const, (v) => (state.rankBy = v));
  enumParam('measure', ['count', 'harm'] as const, (v) => (state.measure = v));
  enumParam('colour', COLOURS, (v) => (state.colour = v));
  const bw = p.get('bandwidth_m');
  if (bw !== null) {
    const h = Number(bw);
    if (bw.trim() !== '' && Number.isFinite(h) && h > 0 && h <= MAX_BANDWIDTH_M) state.bandwidthM = h;
    else bad('bandwidth_m', `must be a number of metres above 0 and at most ${MAX_BANDWIDTH_M}, got ${JSON.stringify(bw)}`);
  }
  const top = p.get('top');
  if (top !== null) {
    const n = Number(top);
    if (Number.isInteger(n) && n >= 1 && n <= MAX_TOP) state.top = n;
    else bad('top', `must be a whole number 1–${MAX_TOP}, got ${JSON.stringify(top)}`);
  }
  const map = p.get('map');
  if (map !== null) {
    // an empty part is missing, not 0
    const [z, lat, lon] = map.split('/').map((part) => (part.trim() === '' ? NaN : Number(part)));
    if (
      z !== undefined && lat !== undefined && lon !== undefined && map.split('/').length === 3 &&
      z >= 0 && z <= 22 && Math.abs(lat) <= 85.06 && Math.abs(lon) <= 180
    ) {
      state.camera = { zoom: z, lat, lon };
    } else {
      bad('map', `expected zoom/latitude/longitude, got ${JSON.stringify(map)}`);
    }
  }
  const cell = p.get('cell');
  if (cell !== null) {
    if (CELL.test(cell)) state.cell = cell;
    else bad('cell', `${JSON.stringify(cell)} is not an H3 cell`);
  }
  parsePlan(p, state, bad, enumParam);
  parseAreas(p, state, bad, enumParam);
  const slice = p.get('slice_months');
  if (slice !== null) {
    const n = Number(slice);
    if (Number.isInteger(n) && n >= 1 && n <= MAX_SLICE_MONTHS) state.trends.sliceMonths = n;
    else bad('slice_months', `must be a whole number of months 1–${MAX_SLICE_MONTHS}, got ${JSON.stringify(slice)}`);
  }
  const tres = p.get('trends_res');
  if (tres !== null) {
    const r = Number(tres);
    if ((TRENDS_RES as readonly number[]).includes(r)) state.trends.res = r;
    else bad('trends_res', `must be one of ${TRENDS_RES.join(', ')}, got ${JSON.stringify(tres)}`);
  }
  parseEvaluate(p, state, bad);
  return { state, problems };
}

function parseEvaluate(p: URLSearchParams, state: ViewState, bad: (name: string, why: string) => void) {
  const e = state.evaluate;
  const methods = p.get('eval_methods');
  if (methods !== null) {
    const given = methods.split(',').map((m) => m.trim()).filter((m) => m !== '');
    const wrong = given.filter((m) => oneOf(m, METHODS) === null);
    if (wrong.length > 0 || given.length === 0) bad('eval_methods', `must be some of ${METHODS.join(', ')}, got ${JSON.stringify(methods)}`);
    else e.methods = METHODS.filter((m) => given.includes(m));
  }
  for (const [key, field, max] of [
    ['eval_train', 'trainMonths', MAX_TRAIN_MONTHS],
    ['eval_folds', 'folds', MAX_FOLDS],
    ['eval_cells', 'cells', MAX_EVAL_CELLS],
  ] as const) {
    const v = p.get(key);
    if (v === null) continue;
    const n = Number(v);
    if (Number.isInteger(n) && n >= 1 && n <= max) e[field] = n;
    else bad(key, `must be a whole number 1–${max}, got ${JSON.stringify(v)}`);
  }
  for (const [key, field] of [
    ['eval_before', 'before'],
    ['eval_after', 'after'],
  ] as const) {
    const v = p.get(key);
    if (v === null) continue;
    const range = parseMonthRange(v);
    if (range === null) bad(key, `must be FROM..TO, two months YYYY-MM in order, got ${JSON.stringify(v)}`);
    else e[field] = range;
  }
  if (e.before !== null && e.after !== null && e.before.to >= e.after.from) {
    bad('eval_after', 'the after period must start after the before period ends; both dropped');
    e.before = null;
    e.after = null;
  }
}

/** `2022-01..2022-06` → its months, or null when it is not two months in order. */
export function parseMonthRange(s: string): MonthRange | null {
  const [from, to, ...rest] = s.split('..');
  if (from === undefined || to === undefined || rest.length > 0) return null;
  if (!MONTH.test(from.trim()) || !MONTH.test(to.trim()) || from.trim() > to.trim()) return null;
  return { from: from.trim(), to: to.trim() };
}

/** A period as the server writes it, `FROM..TO`. */
export const formatMonthRange = (r: MonthRange) => `${r.from}..${r.to}`;

function parsePlan(
  p: URLSearchParams,
  state: ViewState,
  bad: (name: string, why: string) => void,
  enumParam: <T extends string>(name: string, allowed: readonly T[], set: (v: T) => void) => void,
) {
  enumParam('panel', PANELS, (v) => (state.panel = v));
  enumParam('plan_rank_by', ['z', 'count', 'harm'] as const, (v) => (state.plan.rankBy = v));
  const res = p.get('plan_res');
  if (res !== null) {
    const r = Number(res);
    if ((PLAN_RES as readonly number[]).includes(r)) state.plan.res = r;
    else bad('plan_res', `must be one of ${PLAN_RES.join(', ')}, got ${JSON.stringify(res)}`);
  }
  const cells = p.get('plan_cells');
  const km2 = p.get('plan_area_km2');
  if (cells !== null && km2 !== null) bad('plan_area_km2', 'give plan_cells or plan_area_km2, not both; plan_cells kept');
  if (cells !== null) {
    const n = Number(cells);
    if (Number.isInteger(n) && n >= 1 && n <= MAX_PLAN_CELLS) state.plan.budget = { kind: 'cells', cells: n };
    else bad('plan_cells', `must be a whole number 1–${MAX_PLAN_CELLS}, got ${JSON.stringify(cells)}`);
  } else if (km2 !== null) {
    const a = Number(km2);
    if (km2.trim() !== '' && Number.isFinite(a) && a > 0 && a <= MAX_PLAN_KM2) state.plan.budget = { kind: 'area', km2: a };
    else bad('plan_area_km2', `must be a number above 0 and at most ${MAX_PLAN_KM2}, got ${JSON.stringify(km2)}`);
  }
  const exclude = p.get('plan_exclude');
  if (exclude !== null) {
    const cells = exclude.split(',').map((c) => c.trim()).filter((c) => c !== '');
    const badCells = cells.filter((c) => !CELL.test(c));
    if (badCells.length > 0) bad('plan_exclude', `not H3 cells: ${badCells.join(', ')}`);
    else state.plan.exclude = [...new Set(cells)];
  }
  const area = p.get('patrol_area');
  if (area !== null) {
    const n = Number(area);
    if (Number.isInteger(n) && n >= 1) state.plan.area = n;
    else bad('patrol_area', `must be an area's rank (1, 2, …), got ${JSON.stringify(area)}`);
  }
}

function parseAreas(
  p: URLSearchParams,
  state: ViewState,
  bad: (name: string, why: string) => void,
  enumParam: <T extends string>(name: string, allowed: readonly T[], set: (v: T) => void) => void,
) {
  for (const [key, field, what] of [
    ['area_set', 'set', 'a boundary set'],
    ['area_code', 'code', "an area's code"],
  ] as const) {
    const v = p.get(key);
    if (v === null) continue;
    if (NAME.test(v)) state.areas[field] = v;
    else bad(key, `${JSON.stringify(v)} is not ${what} (letters, digits, _ . -)`);
  }
  enumParam('area_measure', AREA_MEASURES, (v) => (state.areas.measure = v));
  enumParam('area_sort', AREA_SORT_KEYS, (v) => (state.areas.sort = v));
  enumParam('area_order', ['asc', 'desc'] as const, (v) => (state.areas.order = v));
}

/** The view as a query string (`''` for the default view); defaults are left out. */
export function formatState(s: ViewState): string {
  const p = filterParams(s);
  if (s.res !== null) p.set('res', String(s.res));
  if (s.colour !== DEFAULT_STATE.colour) p.set('colour', s.colour);
  if (s.bandwidthM !== DEFAULT_STATE.bandwidthM) p.set('bandwidth_m', String(s.bandwidthM));
  if (s.top !== DEFAULT_STATE.top) p.set('top', String(s.top));
  if (s.camera !== null) {
    const { zoom, lat, lon } = s.camera;
    p.set('map', `${zoom.toFixed(2)}/${lat.toFixed(5)}/${lon.toFixed(5)}`);
  }
  if (s.cell !== null) p.set('cell', s.cell);
  if (s.panel !== DEFAULT_STATE.panel) p.set('panel', s.panel);
  const b = s.plan.budget;
  if (b.kind === 'area') p.set('plan_area_km2', String(b.km2));
  else if (b.cells !== (DEFAULT_PLAN.budget as { cells: number }).cells) p.set('plan_cells', String(b.cells));
  if (s.plan.rankBy !== DEFAULT_PLAN.rankBy) p.set('plan_rank_by', s.plan.rankBy);
  if (s.plan.res !== DEFAULT_PLAN.res) p.set('plan_res', String(s.plan.res));
  if (s.plan.exclude.length > 0) p.set('plan_exclude', s.plan.exclude.join(','));
  if (s.plan.area !== null) p.set('patrol_area', String(s.plan.area));
  const a = s.areas;
  if (a.set !== null) p.set('area_set', a.set);
  if (a.measure !== null) p.set('area_measure', a.measure);
  if (a.sort !== DEFAULT_AREAS.sort) p.set('area_sort', a.sort);
  if (a.order !== DEFAULT_AREAS.order) p.set('area_order', a.order);
  if (a.code !== null) p.set('area_code', a.code);
  if (s.trends.sliceMonths !== DEFAULT_TRENDS.sliceMonths) p.set('slice_months', String(s.trends.sliceMonths));
  if (s.trends.res !== DEFAULT_TRENDS.res) p.set('trends_res', String(s.trends.res));
  const e = s.evaluate;
  if (e.methods.join(',') !== DEFAULT_EVALUATE.methods.join(',')) p.set('eval_methods', e.methods.join(','));
  if (e.trainMonths !== DEFAULT_EVALUATE.trainMonths) p.set('eval_train', String(e.trainMonths));
  if (e.folds !== DEFAULT_EVALUATE.folds) p.set('eval_folds', String(e.folds));
  if (e.cells !== DEFAULT_EVALUATE.cells) p.set('eval_cells', String(e.cells));
  if (e.before !== null) p.set('eval_before', formatMonthRange(e.before));
  if (e.after !== null) p.set('eval_after', formatMonthRange(e.after));
  const q = p.toString();
  return q === '' ? '' : `?${q}`;
}

/** The filters and statistics settings, as the API names them (defaults left out). */
export function filterParams(s: ViewState): URLSearchParams {
  const p = new URLSearchParams();
  for (const t of s.crimeTypes) p.append('crime_type', t);
  if (s.from !== null) p.set('from', s.from);
  if (s.to !== null) p.set('to', s.to);
  if (s.days.length > 0) p.set('days', s.days.join(','));
  if (s.hours !== null) p.set('hours', formatHours(s.hours));
  if (s.rankBy !== DEFAULT_STATE.rankBy) p.set('rank_by', s.rankBy);
  if (s.measure !== DEFAULT_STATE.measure) p.set('measure', s.measure);
  return p;
}

/** Query parameters for `/api/v1/hotspots` at resolution `res`. */
export function hotspotParams(s: ViewState, res: number, extra: Record<string, string> = {}): URLSearchParams {
  const p = filterParams(s);
  p.set('res', String(res));
  p.set('top', String(s.top));
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p;
}

/** Query parameters for `/api/v1/plan` (and its briefing): the view's filters with the plan's budget, ranking and resolution. */
export function planParams(s: ViewState, extra: Record<string, string> = {}): URLSearchParams {
  const p = filterParams(s);
  p.set('res', String(s.plan.res));
  p.set('rank_by', s.plan.rankBy);
  const b = s.plan.budget;
  if (b.kind === 'cells') p.set('cells', String(b.cells));
  else p.set('area_km2', String(b.km2));
  for (const c of s.plan.exclude) p.append('exclude', c);
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p;
}

/** The filters alone (what incidents are counted), without the cells' statistics settings. */
export function incidentFilterParams(s: ViewState): URLSearchParams {
  const p = filterParams(s);
  p.delete('rank_by');
  p.delete('measure');
  return p;
}

/** Query parameters for `/api/v1/areas/{set}`: the filters and the table's order. */
export function areaParams(s: ViewState, extra: Record<string, string> = {}): URLSearchParams {
  const p = incidentFilterParams(s);
  p.set('sort', s.areas.sort);
  p.set('order', s.areas.order);
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p;
}

/** Query parameters for the areas' tiles: the filters and the data version. */
export function areaTileParams(s: ViewState, dataVersion: string): URLSearchParams {
  const p = incidentFilterParams(s);
  p.set('v', dataVersion);
  return p;
}

/** Query parameters for the tiles: the filters, a fixed resolution if any, the bandwidth when colouring by density, and the data version. */
export function tileParams(s: ViewState, dataVersion: string): URLSearchParams {
  const p = filterParams(s);
  if (s.res !== null) p.set('res', String(s.res));
  if (s.colour === 'density') p.set('bandwidth_m', String(s.bandwidthM));
  p.set('v', dataVersion);
  return p;
}

/** The tiles the hotspot view draws: kernel density when colouring by it, else the hotspots. */
export const tileKind = (s: ViewState): 'kde' | 'hotspots' => (s.colour === 'density' ? 'kde' : 'hotspots');

/** Query parameters for `/api/v1/kde` at resolution `res` (the density legend's largest value, the download). */
export function kdeParams(s: ViewState, res: number, extra: Record<string, string> = {}): URLSearchParams {
  const p = filterParams(s);
  p.delete('rank_by');
  p.set('bandwidth_m', String(s.bandwidthM));
  p.set('res', String(res));
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p;
}

/** A period of whole months, both ends included. */
export interface MonthRange {
  from: string;
  to: string;
}

/** Slices in the default trends period: 12 months, or 4 slices where slices are longer than 3 months. */
export const DEFAULT_TREND_SLICES = (sliceMonths: number) => Math.max(4, Math.ceil(12 / sliceMonths));

/**
 * The trends view's period: the view's own when it names both ends; otherwise the last
 * whole slices of the data (12 months of 1-month slices) ending at the view's `to` or
 * the data's last month, cut to whole slices within the data where they hold fewer
 * months. `null` when the data hold no months.
 */
export function trendsPeriod(s: ViewState, firstMonth: string | null, lastMonth: string | null): MonthRange | null {
  if (s.from !== null && s.to !== null) return { from: s.from, to: s.to };
  const to = s.to ?? lastMonth;
  if (to === null) return null;
  const slice = s.trends.sliceMonths;
  const start = s.from ?? firstMonth;
  let months = slice * DEFAULT_TREND_SLICES(slice);
  if (s.from !== null) return { from: s.from, to: addMonths(s.from, months - 1) };
  if (start !== null) {
    const held = Math.floor(monthsBetween(start, to) / slice) * slice;
    if (held > 0) months = Math.min(months, held);
  }
  return { from: addMonths(to, -(months - 1)), to };
}

/** Query parameters for `/api/v1/emerging` and its tiles: the filters over `period`, the trends' resolution and the slice length. */
export function emergingParams(s: ViewState, period: MonthRange, extra: Record<string, string> = {}): URLSearchParams {
  const p = filterParams(s);
  // every cell of the study region, unranked: the server refuses rank_by
  p.delete('rank_by');
  p.set('from', period.from);
  p.set('to', period.to);
  p.set('res', String(s.trends.res));
  if (s.trends.sliceMonths !== DEFAULT_TRENDS.sliceMonths) p.set('slice_months', String(s.trends.sliceMonths));
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p;
}

/** Query parameters for `/api/v1/trend` of one cell: the filters alone (its resolution is the cell's own). */
export function trendParams(s: ViewState, cell: string, extra: Record<string, string> = {}): URLSearchParams {
  const p = incidentFilterParams(s);
  p.set('cell', cell);
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p;
}

/** The resolution the tiles draw at `zoom` (the server's rule: zoom − 3, kept to 5–12). */
export function resolutionAt(zoom: number, fixed: number | null): number {
  if (fixed !== null) return fixed;
  return Math.min(MAX_RES, Math.max(MIN_RES, Math.floor(zoom) - 3));
}

/** The lowest zoom at which a fixed resolution's tiles stay within the server's cell limit. */
export function minZoomFor(res: number | null): number {
  return res === null ? 0 : Math.max(0, res + 1);
}

/**
 * Query parameters for `/api/v1/backtest` (and its chart): the incident filters (its
 * folds set their own months, so `from` goes; `to` is the last test month), the plan's
 * resolution, the methods, months of history, folds and budget.
 */
export function backtestParams(s: ViewState, extra: Record<string, string> = {}): URLSearchParams {
  const p = incidentFilterParams(s);
  p.delete('from');
  if (s.measure !== DEFAULT_STATE.measure) p.set('measure', s.measure);
  p.set('res', String(s.plan.res));
  const e = s.evaluate;
  for (const m of e.methods) p.append('method', m);
  p.set('train_months', String(e.trainMonths));
  p.set('folds', String(e.folds));
  p.set('cells', String(e.cells));
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p;
}

/**
 * The evaluation's periods: the view's own, else the `months` before and after a start
 * `months` before the data's last month — the last `2 × months` months of the data,
 * split in two. `null` when the data hold no months.
 */
export function evaluatePeriods(s: ViewState, lastMonth: string | null, months = 6): { before: MonthRange; after: MonthRange } | null {
  const e = s.evaluate;
  if (e.before !== null && e.after !== null) return { before: e.before, after: e.after };
  if (lastMonth === null) return null;
  const after = e.after ?? { from: addMonths(lastMonth, -(months - 1)), to: lastMonth };
  const before = e.before ?? { from: addMonths(after.from, -months), to: addMonths(after.from, -1) };
  return { before, after };
}

/** Query parameters for `/api/v1/evaluate` of `cells` (the plan's) over `periods`: the incident filters, the plan's resolution. */
export function evaluateParams(s: ViewState, cells: string[], periods: { before: MonthRange; after: MonthRange }, extra: Record<string, string> = {}): URLSearchParams {
  const p = incidentFilterParams(s);
  p.delete('from');
  p.delete('to');
  p.set('res', String(s.plan.res));
  p.set('before', formatMonthRange(periods.before));
  p.set('after', formatMonthRange(periods.after));
  if (cells.length > 0) p.set('treated_cells', cells.join(','));
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p;
}
