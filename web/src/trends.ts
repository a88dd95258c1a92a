// The "Trends" view: emerging hot spots — each cell of the study region coloured by its
// category over the period's slices, the categories' legend with their rules and totals,
// a selected cell's slice bars, and the download. The filters (crime types, time of
// week) are the map's own; the period is the map's, or the last 12 months of the data.

import { Popup, type Map as MapLibre, type MapLayerMouseEvent, type VectorTileSource } from 'maplibre-gl';
import type { ExpressionSpecification, LayerSpecification, SourceSpecification } from '@maplibre/maplibre-gl-style-spec';

import { ApiError, type EmergingCollection, type EmergingTileProperties, type Meta, emergingUrl, getEmerging } from './api';
import { sliceSvg } from './charts';
import { $, el, option } from './dom';
import { CELL_AREA_KM2, formatArea, formatValue, formatZ } from './format';
import { type MonthRange, type TrendsState, type ViewState, MAX_SLICE_MONTHS, TRENDS_RES, emergingParams, minZoomFor, trendsPeriod } from './state';
import {
  type Slice,
  categoryFillColour,
  categoryFillOpacity,
  categoryLabel,
  categoryLegend,
  describeCellTrend,
  formatCells,
  isCategory,
  sliceBars,
  sliceLabel,
  slicesOf,
  sliceTick,
} from './trendsview';
import { formatMonth } from './areaview';

/** What the view needs from the page. */
export interface TrendsHost {
  map(): MapLibre;
  view(): ViewState;
  /** Replaces the view and writes the URL; refreshes nothing. */
  setView(v: ViewState): void;
  meta(): Meta;
}

export const TRENDS_LAYERS = ['trends-fill', 'trends-line', 'trends-selected-casing', 'trends-selected'];
/** Tiles exist up to this zoom; the map enlarges them beyond it. */
const TILE_MAX_ZOOM = 15;

let host: TrendsHost;
/** The answer shown (its totals, slices and rules), or null before one or after an error. */
let answer: EmergingCollection | null = null;
/** The query the tiles draw, once the server has accepted it (null: nothing to draw). */
let drawn: URLSearchParams | null = null;
/** The period of the query shown. */
let period: MonthRange | null = null;
/** The selected cell's properties in the tiles drawn (null until found). */
let selected: EmergingTileProperties | null = null;
let abort: AbortController | null = null;
let version = 0;

const trends = () => host.view().trends;

function setTrends(change: Partial<TrendsState>) {
  const v = host.view();
  host.setView({ ...v, trends: { ...v.trends, ...change } });
}

// ---------------------------------------------------------------- map

function tileUrl(): string {
  const q = new URLSearchParams(drawn ?? '');
  q.set('v', host.meta().data_version);
  return `${location.origin}/tiles/emerging/{z}/{x}/{y}?${q.toString()}`;
}

export function trendsSource(): SourceSpecification {
  return { type: 'vector', tiles: [tileUrl()], minzoom: 0, maxzoom: TILE_MAX_ZOOM, attribution: 'hexspot: emerging hot spots (space-time Gi*, Mann-Kendall)' };
}

/** Drawn only in the trends view, and only once the server has accepted its query. */
const visible = () => host.view().panel === 'trends' && drawn !== null;

const selectedFilter = (): ExpressionSpecification => ['==', ['get', 'cell'], host.view().cell ?? ''];

/** The trends' layers (the hotspot cells are hidden while they are shown). */
export function trendsLayers(): LayerSpecification[] {
  const visibility = visible() ? 'visible' : 'none';
  const src = { source: 'trends', 'source-layer': 'cells', layout: { visibility }, minzoom: minZoomFor(trends().res) } as const;
  return [
    {
      id: 'trends-fill',
      type: 'fill',
      ...src,
      paint: { 'fill-color': categoryFillColour() as ExpressionSpecification, 'fill-opacity': categoryFillOpacity() as ExpressionSpecification },
    },
    { id: 'trends-line', type: 'line', ...src, filter: ['!=', ['get', 'category'], 'no_pattern'], paint: { 'line-color': 'rgba(60, 20, 20, 0.45)', 'line-width': 0.6 } },
    { id: 'trends-selected-casing', type: 'line', ...src, filter: selectedFilter(), paint: { 'line-color': '#fff', 'line-width': 6 } },
    { id: 'trends-selected', type: 'line', ...src, filter: selectedFilter(), paint: { 'line-color': '#000', 'line-width': 3 } },
  ];
}

/** Shows or hides the trends' layers (the view is open, and its query accepted, or not). */
export function setTrendsVisible() {
  const map = host.map();
  const on = visible();
  const minZoom = minZoomFor(trends().res);
  for (const id of TRENDS_LAYERS) {
    if (!map.getLayer(id)) continue;
    map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
    map.setLayerZoomRange(id, minZoom, 24);
  }
}

/** Why nothing is drawn at this zoom, or null. */
export function trendsZoomNotice(): string | null {
  const minZoom = minZoomFor(trends().res);
  if (!visible() || host.map().getZoom() >= minZoom) return null;
  return `Trends at resolution ${trends().res} are drawn from zoom ${minZoom}: zoom in, or choose coarser cells`;
}

function updateSelectionLayer() {
  const map = host.map();
  for (const id of ['trends-selected-casing', 'trends-selected']) if (map.getLayer(id)) map.setFilter(id, selectedFilter());
}

/** Looks the selected cell up in the tiles drawn (a cell named by the URL, or after a new query). */
function findSelected() {
  const cell = host.view().cell;
  if (!visible() || cell === null || (selected !== null && selected.cell === cell)) return;
  const found = host.map().querySourceFeatures('trends', { sourceLayer: 'cells', filter: ['==', ['get', 'cell'], cell] })[0];
  if (found) {
    selected = found.properties as EmergingTileProperties;
    showCell();
  }
}

function cellCard(p: EmergingTileProperties): HTMLElement {
  const t = el('table');
  const category = isCategory(p.category) ? categoryLabel(p.category) : p.category;
  for (const [k, v] of [
    ['Category', category],
    ['Hot slices', formatValue(p.hot_slices)],
    ['Cold slices', formatValue(p.cold_slices)],
    ['Final z', formatZ(p.final_z)],
  ] as const) {
    t.append(el('tr', {}, el('th', { text: k }), el('td', { text: v })));
  }
  return el('div', { className: 'cell-card' }, t, el('div', { className: 'hint', text: `cell ${p.cell}` }));
}

export function wireTrendsMap() {
  const map = host.map();
  const hover = new Popup({ closeButton: false, closeOnClick: false, maxWidth: '240px', offset: 8 });
  map.on('mousemove', 'trends-fill', (e: MapLayerMouseEvent) => {
    const p = e.features?.[0]?.properties as EmergingTileProperties | undefined;
    if (!p?.cell) return;
    map.getCanvas().style.cursor = 'pointer';
    hover.setLngLat(e.lngLat).setDOMContent(cellCard(p)).addTo(map);
  });
  map.on('mouseleave', 'trends-fill', () => {
    map.getCanvas().style.cursor = '';
    hover.remove();
  });
  map.on('click', 'trends-fill', (e: MapLayerMouseEvent) => {
    const p = e.features?.[0]?.properties as EmergingTileProperties | undefined;
    if (!p?.cell) return;
    selectCell(host.view().cell === p.cell ? null : p);
  });
  map.on('idle', findSelected);
}

/** Selects a cell (its properties from the tiles), or clears the selection. */
export function selectCell(p: EmergingTileProperties | null) {
  host.setView({ ...host.view(), cell: p?.cell ?? null });
  selected = p;
  updateSelectionLayer();
  showCell();
}

// ---------------------------------------------------------------- the panel

/** The slices of the query shown: the server's, or (before its answer) by the rule. */
function slices(n: number): Slice[] {
  const s = answer?.hexspot.slices.slices;
  if (s && s.length === n) return s;
  return period ? slicesOf(period.from, trends().sliceMonths, n) : [];
}

function showCell() {
  const box = $('trends-cell');
  const p = selected;
  const cell = host.view().cell;
  box.hidden = cell === null || !visible();
  if (box.hidden) return;
  if (!p || p.cell !== cell) {
    $('trends-cell-title').textContent = `Cell ${cell}`;
    $('trends-cell-text').textContent = 'Not drawn here: zoom to it on the map to see its slices.';
    $('trends-cell-bars').replaceChildren();
    return;
  }
  const category = isCategory(p.category) ? p.category : 'no_pattern';
  const rule = answer?.hexspot.rules.categories.find((r) => r.name === category)?.rule;
  const title = $('trends-cell-title');
  const swatch = el('span', { className: `swatch cat-${category}` });
  swatch.style.background = categoryLegend([], null).find((i) => i.category === category)!.colour;
  title.replaceChildren(swatch, categoryLabel(category));
  const n = p.states.length;
  $('trends-cell-text').textContent =
    `${formatValue(p.hot_slices)} hot and ${formatValue(p.cold_slices)} cold of ${formatValue(n)} slices · final z ${formatZ(p.final_z)} · trend: ${describeCellTrend(p.trend)}` +
    (rule ? ` · ${rule}.` : '.');
  const width = 280;
  const height = 64;
  let figure: HTMLElement;
  try {
    const sl = slices(n);
    const bars = sliceBars(p.states, p.counts, sl, width, height);
    const label = `Incidents a slice in cell ${p.cell}: ${bars.map((b) => b.label).join('; ')}`;
    const svg = sliceSvg(bars, width, height, label);
    // at most 6 ticks under the bars (a 280-px chart)
    const every = Math.ceil(sl.length / 6);
    const ticks = el('div', { className: 'ticks' });
    ticks.setAttribute('aria-hidden', 'true');
    sl.forEach((s, i) => ticks.append(el('span', { text: i % every === 0 ? sliceTick(s, sl[i - every]) : '' })));
    ticks.style.gridTemplateColumns = `repeat(${sl.length}, 1fr)`;
    const max = Math.max(0, ...bars.map((b) => b.count));
    figure = el(
      'figure',
      { className: 'slices' },
      svg,
      ticks,
      el('figcaption', {
        className: 'hint',
        text: `Incidents a slice (most ${formatValue(max)}); red: a hot slice, blue: a cold one (space-time Gi*, FDR), grey: neither. ${sl.length > 0 ? `${sliceLabel(sl[0]!)} to ${sliceLabel(sl[sl.length - 1]!)}.` : ''}`,
      }),
    );
  } catch (e) {
    figure = el('p', { className: 'problems', text: `The cell's slices cannot be drawn: ${(e as Error).message}` });
  }
  $('trends-cell-bars').replaceChildren(figure);
}

function showLegend() {
  const a = answer?.hexspot;
  const items = categoryLegend(a?.rules.categories ?? [], a?.category_totals ?? null);
  const list = $('trends-legend');
  list.replaceChildren(
    ...items.map((i) => {
      const sw = el('span', { className: 'swatch' });
      sw.style.background = i.colour;
      if (i.category === 'no_pattern') sw.classList.add('faint');
      const li = el(
        'li',
        { className: i.cells === 0 ? 'empty' : '' },
        sw,
        el('span', { className: 'name', text: i.label }),
        el('span', { className: 'n', text: formatCells(i.cells) }),
        el('span', { className: 'rule', text: i.rule }),
      );
      li.dataset.category = i.category;
      return li;
    }),
  );
  $('trends-legend-box').hidden = answer === null && drawn === null;
}

function showPeriod(p: MonthRange | null) {
  const t = trends();
  const v = host.view();
  const box = $('trends-period');
  if (!p) {
    box.textContent = 'The data hold no months.';
    return;
  }
  const months = (Number(p.to.slice(0, 4)) - Number(p.from.slice(0, 4))) * 12 + Number(p.to.slice(5)) - Number(p.from.slice(5)) + 1;
  const own = v.from !== null && v.to !== null;
  box.textContent =
    `${formatMonth(p.from)} to ${formatMonth(p.to)}: ${formatValue(months)} months` +
    (months % t.sliceMonths === 0 ? `, ${formatValue(months / t.sliceMonths)} slices of ${t.sliceMonths === 1 ? '1 month' : `${t.sliceMonths} months`}` : '') +
    (own ? ' (the period set on the left).' : ' (none set on the left: the last whole slices of the data).');
}

function setDownloads(params: URLSearchParams | null) {
  for (const [id, format] of [
    ['trends-download-geojson', 'geojson'],
    ['trends-download-csv', 'csv'],
  ] as const) {
    const a = $<HTMLAnchorElement>(id);
    a.hidden = params === null;
    if (!params) continue;
    const q = new URLSearchParams(params);
    q.set('format', format);
    a.href = emergingUrl(q);
    a.download = `hexspot-emerging-res${trends().res}.${format}`;
  }
}

function showProblem(text: string | null) {
  const p = $('trends-problems');
  p.hidden = text === null;
  p.textContent = text ?? '';
}

function showSummary() {
  const a = answer?.hexspot;
  const s = $('trends-summary');
  if (!a) {
    s.textContent = drawn ? 'Category totals are not available for this query (see above); the map draws every cell.' : '';
    return;
  }
  const hot = Object.entries(a.category_totals).filter(([k]) => k.endsWith('_hot')).reduce((n, [, v]) => n + v, 0);
  const cold = Object.entries(a.category_totals).filter(([k]) => k.endsWith('_cold')).reduce((n, [, v]) => n + v, 0);
  s.textContent =
    `${formatValue(a.incidents.counted)} incidents · ${formatValue(a.cells)} cells at H3 res ${a.query.res} (${formatArea(CELL_AREA_KM2[a.query.res] ?? 0)} each) · ` +
    `${formatValue(hot)} in a hot spot category, ${formatValue(cold)} in a cold one · space-time Gi* k = ${a.query.k}, time lag ${a.query.time_lag}, FDR ${a.query.alpha * 100} %; Mann-Kendall α ${a.query.trend_alpha}.`;
  s.title = `${a.statistics.method}\n${a.statistics.trend}`;
}

function showControls() {
  const t = trends();
  $<HTMLSelectElement>('trends-slice').value = String(t.sliceMonths);
  $<HTMLSelectElement>('trends-res').value = String(t.res);
}

export function initTrends(h: TrendsHost) {
  host = h;
  const slice = $<HTMLSelectElement>('trends-slice');
  for (let m = 1; m <= MAX_SLICE_MONTHS; m++) slice.append(option(String(m), m === 1 ? '1 month' : `${m} months`));
  const res = $<HTMLSelectElement>('trends-res');
  for (const r of TRENDS_RES) res.append(option(String(r), `res ${r} (${formatArea(CELL_AREA_KM2[r]!)})`));
  $<HTMLFormElement>('trends-form').addEventListener('submit', (e) => e.preventDefault());
  $<HTMLFormElement>('trends-form').addEventListener('change', () => {
    const r = Number(res.value);
    // a cell of another resolution is not in the new answer
    if (r !== trends().res) selectCell(null);
    setTrends({ sliceMonths: Number(slice.value), res: r });
    void refreshTrends();
  });
  $('trends-cell-close').addEventListener('click', () => selectCell(null));
  showControls();
}

/** Asks the server for the trends of the current view (when the view is open) and draws them. */
export async function refreshTrends() {
  if (host.view().panel !== 'trends') return;
  abort?.abort();
  const ac = new AbortController();
  abort = ac;
  document.body.dataset.trendsLoading = 'true';
  showControls();
  const meta = host.meta();
  const p = trendsPeriod(host.view(), meta.first_month, meta.last_month);
  showPeriod(p);
  $('trends-summary').textContent = 'Looking for emerging hot spots…';
  try {
    if (!p) {
      answer = null;
      drawn = null;
      showProblem('The data hold no months: import some first.');
    } else {
      const params = emergingParams(host.view(), p);
      try {
        // the answer checks the query before any tile is asked for (a 400 tile would be a map error)
        answer = await getEmerging(params, ac.signal);
        drawn = params;
        showProblem(null);
      } catch (e) {
        if (ac.signal.aborted) return;
        answer = null;
        if (e instanceof ApiError && e.code === 'too_many_cells') {
          // the tiles draw any size: only the totals are lost
          drawn = params;
          showProblem(`The server said: ${e.message}`);
        } else {
          drawn = null;
          showProblem(e instanceof ApiError ? `The server said: ${e.message}` : `Cannot reach the server: ${String(e)}`);
        }
      }
      period = p;
    }
    if (ac.signal.aborted) return;
    selected = null;
    host.map().getSource<VectorTileSource>('trends')?.setTiles([tileUrl()]);
    setTrendsVisible();
    showSummary();
    showLegend();
    setDownloads(drawn);
    showCell();
    version += 1;
    document.body.dataset.trendsVersion = String(version);
  } finally {
    if (abort === ac) document.body.dataset.trendsLoading = 'false';
  }
}

/** The answer shown (for tests). */
export const currentTrends = () => answer;
