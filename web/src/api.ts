// The server's API, typed as the map uses it (see /api/v1/openapi.json).

import type { TrendTest } from './trend';

export interface Meta {
  software: string;
  data_version: string;
  incidents: number;
  timed_incidents: number;
  first_month: string | null;
  last_month: string | null;
  bounds: [number, number, number, number] | null;
  crime_types: { name: string; count: number }[];
  basemap_style: string | null;
}

/** A cell's properties, as in GeoJSON features and vector tiles. */
export interface CellProperties {
  cell: string;
  count: number;
  harm: number;
  gi_star_z: number | null;
  p_value: number | null;
  significant: boolean;
  rank: number;
}

export interface CellFeature {
  type: 'Feature';
  id?: string;
  properties: CellProperties;
  geometry: { type: 'Polygon'; coordinates: [number, number][][] };
}

/** What `/api/v1/hotspots` says about the query (the `hexspot` member), as used here. */
export interface HotspotMeta {
  query: { res: number; k: number; measure: string; rank_by: string; alpha: number; from: string | null; to: string | null };
  study_region: { cells: number; occupied_cells: number; average_cell_area_km2: number };
  statistics: { significant_hot: number; significant_cold: number };
  incidents: { counted: number; left_out: { no_time_of_day: number; month_only_partial_period: number } };
}

export interface Hotspots {
  type: 'FeatureCollection';
  features: CellFeature[];
  hexspot: HotspotMeta;
}

/** An error the server explained (`{"error","message"}`), or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The server's `error` (`bad_period`, `too_many_cells`, …), where it gave one. */
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

/** The error a non-2xx answer explains (`{"error","message"}`), else its status line. */
async function apiError(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`;
  let code: string | null = null;
  try {
    const body = (await res.json()) as { error?: string; message?: string };
    if (body.message) message = body.message;
    if (body.error) code = body.error;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, message, code);
}

/** GETs JSON; a non-2xx answer becomes an [`ApiError`] carrying the server's message. */
export async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(url, { signal, headers: { Accept: 'application/json, application/geo+json' } });
  if (!res.ok) {
    throw await apiError(res);
  }
  return (await res.json()) as T;
}

export const getMeta = (signal?: AbortSignal) => getJson<Meta>('/api/v1/meta', signal);

export const getHotspots = (params: URLSearchParams, signal?: AbortSignal) =>
  getJson<Hotspots>(`/api/v1/hotspots?${params.toString()}`, signal);

/** A peak window of a patrol area (`fri 22:00–sat 01:00`). */
export interface PeakWindow {
  window: string;
  /** 0 = Monday 00:00. */
  start_hour_of_week: number;
  hours: number;
  count: number;
  harm: number;
}

/** A patrol area's properties in `/api/v1/plan`. */
export interface PatrolAreaProperties {
  area_rank: number;
  cells: string[];
  area_m2: number;
  count: number;
  harm: number;
  harm_share: number;
  cumulative_harm_share: number;
  significant: boolean;
  peak_windows: PeakWindow[];
  dose: { visit_minutes: [number, number]; visits_per_week: number; text: string };
  weekly_profile: { count: number[][]; harm: number[][]; untimed_count: number; untimed_harm: number };
}

export interface PatrolAreaFeature {
  type: 'Feature';
  id: number;
  properties: PatrolAreaProperties;
  geometry: { type: 'MultiPolygon'; coordinates: [number, number][][][] };
}

/** The `plan` member of `/api/v1/plan`'s `hexspot`. */
export interface PlanSummary {
  budget: { cells?: number; area_km2?: number };
  areas: number;
  cells: number;
  area_m2: number;
  region_area_m2: number;
  share_of_region_area: number;
  count: number;
  harm: number;
  harm_share: number;
  excluded_cells: number;
  concentration: {
    cells: number;
    cells_for_half_harm: number;
    share_of_cells_for_half_harm: number;
    gini: number;
    curve: [number, number][];
  };
}

export interface PlanCollection {
  type: 'FeatureCollection';
  features: PatrolAreaFeature[];
  hexspot: HotspotMeta & { plan: PlanSummary };
}

export const getPlan = (params: URLSearchParams, signal?: AbortSignal) =>
  getJson<PlanCollection>(`/api/v1/plan?${params.toString()}`, signal);

/** A boundary set, as `/api/v1/areas` lists it. */
export interface AreaSetInfo {
  name: string;
  source: string;
  code_property: string;
  name_property: string;
  derived_from: string | null;
  imported_at: string;
  areas: number;
  districts: number;
  /** Areas with a population. */
  with_population: number;
  population_estimated: boolean;
}

export const getAreaSets = (signal?: AbortSignal) => getJson<{ sets: AreaSetInfo[] }>('/api/v1/areas', signal);

/** One area in a comparison (also the properties of its GeoJSON feature and tile feature). */
export interface AreaRow {
  code: string;
  name: string;
  district: string | null;
  count: number;
  harm: number;
  population: number | null;
  population_estimated: boolean;
  rate_per_1000: number | null;
  harm_per_1000: number | null;
  rank: number;
  district_share: number | null;
  previous_count: number | null;
  change: number | null;
  change_pct: number | null;
  change_p: number | null;
}

/** A district: the sum of its areas. */
export interface DistrictRow {
  name: string;
  areas: number;
  count: number;
  harm: number;
  population: number | null;
  population_estimated: boolean;
  rate_per_1000: number | null;
  harm_per_1000: number | null;
  rank: number;
  previous_count: number | null;
  change: number | null;
  change_pct: number | null;
  change_p: number | null;
}

export interface Period {
  from: string;
  to: string;
}

/** The `hexspot` member of `/api/v1/areas/{set}`. */
export interface ComparisonMeta {
  software: string;
  set: {
    name: string;
    source: string;
    code_property: string;
    name_property: string;
    areas: number;
    population_source: string | null;
    population_estimated: boolean;
  };
  query: { crime_types: string[]; offences: string[]; from: string | null; to: string | null; time_window: unknown; flags: unknown; bbox: unknown };
  sort: string;
  rank_by: 'rate_per_1000' | 'count';
  district_rank_by: 'rate_per_1000' | 'count';
  periods: {
    current: Period;
    previous: Period | null;
    previous_covered: boolean;
    previous_note: string | null;
    rule: string;
  };
  change_test: string;
  assignment: string;
  rate_rule: string;
  incidents: {
    counted: number;
    harm_total: number;
    outside_every_area: number;
    previous_counted: number | null;
    previous_outside_every_area: number | null;
  };
}

export interface Comparison {
  hexspot: ComparisonMeta;
  areas: AreaRow[];
  districts: DistrictRow[];
}

export interface MonthPoint {
  month: string;
  count: number | null;
  harm: number | null;
  in_data: boolean;
}

export interface AreaProfile {
  area: AreaRow;
  /** `in_data` false: none of the set's areas holds an incident that month (a gap; count and harm are null). */
  monthly: MonthPoint[];
  monthly_rule: string;
  crime_types: { crime_type: string; count: number }[];
  top_hotspots?: { cell: string; count: number; harm: number; gi_star_z: number | null; significant: boolean; rank: number }[];
  top_hotspots_rule?: string;
  /** The Mann-Kendall trend of the monthly counts. */
  trend?: TrendTest;
}

/** The areas of a set as GeoJSON (used for their outlines' extents). */
export interface AreaCollection {
  type: 'FeatureCollection';
  features: { type: 'Feature'; properties: AreaRow; geometry: { type: 'MultiPolygon' | 'Polygon'; coordinates: unknown } }[];
}

const setPath = (set: string) => `/api/v1/areas/${encodeURIComponent(set)}`;

export const getComparison = (set: string, params: URLSearchParams, signal?: AbortSignal) =>
  getJson<Comparison>(`${setPath(set)}?${params.toString()}`, signal);

export const getAreaCollection = (set: string, params: URLSearchParams, signal?: AbortSignal) =>
  getJson<AreaCollection>(`${setPath(set)}?${params.toString()}`, signal);

export const getAreaProfile = (set: string, code: string, params: URLSearchParams, signal?: AbortSignal) =>
  getJson<AreaProfile>(`${setPath(set)}/${encodeURIComponent(code)}?${params.toString()}`, signal);

/** Where a set's comparison is downloaded from. */
export const areasUrl = (set: string, params: URLSearchParams) => `${setPath(set)}?${params.toString()}`;

// ---------------------------------------------------------------- trends and density

/** A cell's emerging hot spot properties, as in `/tiles/emerging` (final_z and trend absent where undefined). */
export interface EmergingTileProperties {
  cell: string;
  category: string;
  hot_slices: number;
  cold_slices: number;
  final_z?: number;
  trend?: 'up' | 'down' | 'none';
  /** One letter a slice, oldest first: H hot, C cold, . neither. */
  states: string;
  /** The slices' counts joined with spaces. */
  counts: string;
}

/** The `hexspot` member of `/api/v1/emerging`, as used here. */
export interface EmergingMeta {
  cells: number;
  category_totals: Record<string, number>;
  no_pattern_undefined_z: number;
  query: { res: number; from: string; to: string; slice_months: number; time_lag: number; k: number; alpha: number; trend_alpha: number };
  rules: { at_least_90_percent: string; categories: { name: string; rule: string }[] };
  slices: { count: number; months_each: number; caution: string | null; rule: string; slices: { first: string; last: string; hot: number; cold: number; incidents: number }[] };
  statistics: { method: string; trend: string };
  incidents: { counted: number };
}

export interface EmergingCollection {
  type: 'FeatureCollection';
  hexspot: EmergingMeta;
}

export const emergingUrl = (params: URLSearchParams) => `/api/v1/emerging?${params.toString()}`;

export const getEmerging = (params: URLSearchParams, signal?: AbortSignal) => getJson<EmergingCollection>(emergingUrl(params), signal);

/** `/api/v1/trend`: a cell's (or cells') months, gaps as nulls, and the Mann-Kendall trend. */
export interface TrendSeries {
  months: { month: string; count: number | null; harm: number | null }[];
  total: number;
  trend: TrendTest;
}

export const getTrend = (params: URLSearchParams, signal?: AbortSignal) => getJson<TrendSeries>(`/api/v1/trend?${params.toString()}`, signal);

export const kdeUrl = (params: URLSearchParams) => `/api/v1/kde?${params.toString()}`;

/**
 * The largest density of a kernel density query: the first row of its CSV (ranked by
 * density, largest first), read without fetching the rest. `null` when no cell has any.
 */
export async function getKdeMax(params: URLSearchParams, signal?: AbortSignal): Promise<number | null> {
  const csv = new URLSearchParams(params);
  csv.set('format', 'csv');
  const res = await fetch(kdeUrl(csv), { signal, headers: { Accept: 'text/csv' } });
  if (!res.ok || !res.body) throw await apiError(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  try {
    // the header and the first row
    while ((text.match(/\n/g) ?? []).length < 2) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
    }
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  return firstCsvValue(text, 'density_km2');
}

/** The value of `column` in the first row of a CSV's text (its header first); null when there is no row. */
export function firstCsvValue(text: string, column: string): number | null {
  const [header, row] = text.split(/\r?\n/);
  if (!header || !row) return null;
  const i = header.split(',').indexOf(column);
  if (i < 0) throw new Error(`no column ${column} in ${header}`);
  // the columns before density (rank, cell) hold no commas or quotes
  const v = Number(row.split(',')[i]);
  return Number.isFinite(v) ? v : null;
}

/** A mean over a backtest's folds (`null` when no fold had the figure). */
export interface FoldMean {
  mean: number | null;
  folds: number;
}

/** A point of a method's mean curve: the top `cells` cells. */
export interface BacktestCurvePoint {
  cells: number;
  area_share: number;
  hit_rate: number | null;
  pai: number | null;
  folds: number;
}

/** One method's means over the folds (`/api/v1/backtest`'s `means`). */
export interface BacktestMethodMeans {
  method: string;
  cells: number;
  hit_rate: FoldMean;
  area_share: FoldMean;
  a_km2: number;
  pai: FoldMean;
  pei: FoldMean;
  rri: FoldMean;
  harm_capture: FoldMean;
  ties: number;
  curve: BacktestCurvePoint[];
}

/** The parts of `/api/v1/backtest`'s JSON the map reads. */
export interface Backtest {
  hexspot: { query: { to: string; res: number; train_months: number; test_months: number; folds: number } };
  folds: { fold: number; train: [string, string]; test: [string, string]; N: number }[];
  means: BacktestMethodMeans[];
  ranking: string[];
  recommendation: string | null;
  caveats: string[];
}

export const backtestUrl = (params: URLSearchParams) => `/api/v1/backtest?${params.toString()}`;
export const getBacktest = (params: URLSearchParams, signal?: AbortSignal) => getJson<Backtest>(backtestUrl(params), signal);

/** One area of an evaluation (`treated`, `control`, `displacement`, `displacement_control`). */
export interface EvaluationArea {
  area: string;
  rule: string;
  cells: number;
  area_km2: number;
  before: number;
  after: number;
  area_weight: number;
}

/** The WDD test. */
export interface WddTest {
  wdd_local: number;
  se_local: number;
  wdd_displacement: number;
  se_displacement: number;
  wdd: number;
  se: number;
  z: number | null;
  p: number | null;
  ci_low: number;
  ci_high: number;
}

/** The parts of `/api/v1/evaluate`'s GeoJSON the map reads. */
export interface Evaluation {
  type: 'FeatureCollection';
  hexspot: { areas: EvaluationArea[]; test: WddTest };
  features: unknown[];
}

export const evaluateUrl = (params: URLSearchParams) => `/api/v1/evaluate?${params.toString()}`;
export const getEvaluation = (params: URLSearchParams, signal?: AbortSignal) => getJson<Evaluation>(evaluateUrl(params), signal);
