// The "Areas" view: wards (or any imported boundary set) compared for Community Safety
// Partnerships — a choropleth of the chosen measure, a table sorted by the server,
// district roll-ups, and an area's profile (monthly trend, crime-type mix, hotspots).
// The filters (period, crime types, time of week) are the map's own.

import { LngLatBounds, Popup, type Map as MapLibre, type MapLayerMouseEvent, type VectorTileSource } from 'maplibre-gl';
import type { ExpressionSpecification, LayerSpecification, SourceSpecification } from '@maplibre/maplibre-gl-style-spec';

import {
  ApiError,
  type AreaCollection,
  type AreaProfile,
  type AreaRow,
  type AreaSetInfo,
  type Comparison,
  type DistrictRow,
  areasUrl,
  getAreaCollection,
  getAreaProfile,
  getAreaSets,
  getComparison,
} from './api';
import { $, el, option } from './dom';
import {
  areaBreaks,
  areaFillColour,
  areaLegend,
  ariaSort,
  defaultMeasure,
  defaultSet,
  describeChange,
  describePeriods,
  formatMonth,
  formatPopulation,
  formatRate,
  nextSort,
} from './areaview';
import { monthlySvg } from './charts';
import { formatValue, formatZ } from './format';
import { describeTrend, trendArrow } from './trend';
import { formatShare } from './planview';
import { type AreaMeasure, type AreaSortKey, type AreaState, type ViewState, areaParams, areaTileParams, filterParams } from './state';

/** What the view needs from the page. */
export interface AreasHost {
  map(): MapLibre;
  view(): ViewState;
  /** Replaces the view and writes the URL; refreshes nothing. */
  setView(v: ViewState): void;
  dataVersion(): string;
  /** Shows a cell in the ranked list (switching to it). */
  showCell(cell: string): void;
  /** Whether to fit the map to the set once it is shown (the page opened without a camera). */
  fitOnLoad: boolean;
}

export const AREA_LAYERS = ['areas-fill', 'areas-line', 'areas-selected-casing', 'areas-selected'];
/** Crime types listed in an area's profile (the rest summed in one line). */
const CRIME_TYPES_SHOWN = 6;
/** Areas' tiles exist up to this zoom; the map enlarges them beyond it. */
const AREA_TILE_MAX_ZOOM = 14;

let host: AreasHost;
/** The boundary sets, once listed (null until then, or when they could not be). */
let sets: AreaSetInfo[] | null = null;
let setsLoading: Promise<void> | null = null;
let comparison: Comparison | null = null;
let profile: AreaProfile | null = null;
let abort: AbortController | null = null;
let profileAbort: AbortController | null = null;
/** Each set's areas' extents, by code, fetched the first time one is flown to. */
const extents = new Map<string, Promise<Map<string, LngLatBounds>>>();
let version = 0;
let profileVersion = 0;

const areas = () => host.view().areas;

function setAreas(change: Partial<AreaState>) {
  const v = host.view();
  host.setView({ ...v, areas: { ...v.areas, ...change } });
}

/** The set shown: the URL's when it exists, else the default. */
export function currentSet(): string | null {
  if (!sets) return null;
  const asked = areas().set;
  return asked !== null && sets.some((s) => s.name === asked) ? asked : defaultSet(sets);
}

const setInfo = () => sets?.find((s) => s.name === currentSet());

/** The measure shown: the URL's, else the default; the rate only where populations exist. */
function currentMeasure(): AreaMeasure {
  const m = areas().measure ?? defaultMeasure(setInfo());
  return m === 'rate_per_1000' && (setInfo()?.with_population ?? 0) === 0 ? 'count' : m;
}

// ---------------------------------------------------------------- map

function tileUrl(): string {
  const set = currentSet() ?? '_';
  return `${location.origin}/tiles/areas/${encodeURIComponent(set)}/{z}/{x}/{y}?${areaTileParams(host.view(), host.dataVersion()).toString()}`;
}

/** The areas' vector source. */
export function areasSource(): SourceSpecification {
  return { type: 'vector', tiles: [tileUrl()], minzoom: 0, maxzoom: AREA_TILE_MAX_ZOOM, attribution: 'hexspot: areas of an imported boundary set' };
}

/** Drawn only in the areas view, and only once there is a set to draw. */
const visible = () => host.view().panel === 'areas' && currentSet() !== null;

const selectedFilter = (): ExpressionSpecification => ['==', ['get', 'code'], areas().code ?? ''];

/** The areas' layers, above the cells. */
export function areaLayers(): LayerSpecification[] {
  const visibility = visible() ? 'visible' : 'none';
  const src = { source: 'areas', 'source-layer': 'areas', layout: { visibility } } as const;
  const fill = comparison ? (areaFillColour(currentMeasure(), areaBreaks(currentMeasure(), comparison.areas)) as ExpressionSpecification) : '#ccc';
  return [
    { id: 'areas-fill', type: 'fill', ...src, paint: { 'fill-color': fill, 'fill-opacity': 0.72 } },
    { id: 'areas-line', type: 'line', ...src, paint: { 'line-color': 'rgba(30, 30, 30, 0.55)', 'line-width': 0.8 } },
    { id: 'areas-selected-casing', type: 'line', ...src, filter: selectedFilter(), paint: { 'line-color': '#fff', 'line-width': 6 } },
    { id: 'areas-selected', type: 'line', ...src, filter: selectedFilter(), paint: { 'line-color': '#000', 'line-width': 3 } },
  ];
}

/** Shows or hides the areas on the map and their legend (the view is open or not). */
export function setAreasVisible() {
  const map = host.map();
  const on = visible();
  for (const id of AREA_LAYERS) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
  $('areas-legend').hidden = !on || comparison === null;
}

function updateTiles() {
  host.map().getSource<VectorTileSource>('areas')?.setTiles([tileUrl()]);
}

function colourMap() {
  if (!comparison) return;
  const measure = currentMeasure();
  const breaks = areaBreaks(measure, comparison.areas);
  const map = host.map();
  if (map.getLayer('areas-fill')) map.setPaintProperty('areas-fill', 'fill-color', areaFillColour(measure, breaks) as ExpressionSpecification);
  const lg = areaLegend(measure, breaks, comparison.hexspot.set.population_estimated);
  const ul = el('ul');
  for (const item of lg.items) {
    const sw = el('span', { className: 'swatch' });
    sw.style.background = item.colour;
    ul.append(el('li', {}, sw, item.label));
  }
  $('areas-legend').replaceChildren(el('h3', { text: lg.title }), ul);
  setAreasVisible();
}

function updateSelectionLayers() {
  const map = host.map();
  for (const id of ['areas-selected-casing', 'areas-selected']) if (map.getLayer(id)) map.setFilter(id, selectedFilter());
  const code = areas().code;
  for (const tr of document.querySelectorAll<HTMLTableRowElement>('#areas-table tbody tr')) tr.classList.toggle('selected', tr.dataset.code === code);
  for (const b of document.querySelectorAll<HTMLButtonElement>('#areas-table button[data-code]')) b.setAttribute('aria-current', String(b.dataset.code === code));
}

/** The extents of a set's areas, from its GeoJSON (fetched once per set). */
function extentsOf(set: string): Promise<Map<string, LngLatBounds>> {
  let p = extents.get(set);
  if (!p) {
    p = getAreaCollection(set, areaParams(host.view(), { format: 'geojson' })).then((fc: AreaCollection) => {
      const out = new Map<string, LngLatBounds>();
      for (const f of fc.features) {
        const b = new LngLatBounds();
        const walk = (c: unknown): void => {
          if (Array.isArray(c) && typeof c[0] === 'number') b.extend([c[0], c[1] as number]);
          else if (Array.isArray(c)) for (const x of c) walk(x);
        };
        walk(f.geometry.coordinates);
        if (!b.isEmpty()) out.set(f.properties.code, b);
      }
      return out;
    });
    p.catch(() => extents.delete(set));
    extents.set(set, p);
  }
  return p;
}

/** Fit the map to the set's areas the next time a comparison is shown. */
let fitPending = false;

/**
 * Fits the map to the whole set when asked to (the page opened without a camera, or
 * another set was chosen), or when none of it is in view, unless an area is selected
 * (it is flown to instead). Without this, a set far from the hotspots (another force's
 * districts) would open as an empty map.
 */
async function fitSet(set: string) {
  if (areas().code !== null) return;
  try {
    const all = new LngLatBounds();
    for (const b of (await extentsOf(set)).values()) all.extend(b);
    if (all.isEmpty() || currentSet() !== set || areas().code !== null) return;
    const view = host.map().getBounds();
    const apart =
      all.getWest() > view.getEast() || all.getEast() < view.getWest() || all.getSouth() > view.getNorth() || all.getNorth() < view.getSouth();
    if (fitPending || apart) host.map().fitBounds(all, { padding: 40, animate: false });
    fitPending = false;
  } catch {
    // the choropleth is drawn all the same; only the fit is lost
  }
}

async function flyTo(set: string, code: string) {
  try {
    const b = (await extentsOf(set)).get(code);
    // still the one selected?
    if (b && areas().code === code && currentSet() === set) host.map().fitBounds(b, { padding: 60, maxZoom: 15, essential: true });
  } catch {
    // the outline is drawn all the same; only the flight is lost
  }
}

export function wireAreasMap() {
  const map = host.map();
  const hover = new Popup({ closeButton: false, closeOnClick: false, maxWidth: '240px', offset: 8 });
  map.on('mousemove', 'areas-fill', (e: MapLayerMouseEvent) => {
    const p = e.features?.[0]?.properties as Partial<AreaRow> | undefined;
    if (!p?.code) return;
    map.getCanvas().style.cursor = 'pointer';
    // the table's row holds the nulls the tile leaves out
    const r = comparison?.areas.find((a) => a.code === p.code);
    hover.setLngLat(e.lngLat).setDOMContent(areaCard(r ?? (p as AreaRow))).addTo(map);
  });
  map.on('mouseleave', 'areas-fill', () => {
    map.getCanvas().style.cursor = '';
    hover.remove();
  });
  map.on('click', 'areas-fill', (e: MapLayerMouseEvent) => {
    const code = (e.features?.[0]?.properties as { code?: string } | undefined)?.code;
    if (typeof code === 'string') select(code, true);
  });
}

function areaCard(r: AreaRow): HTMLElement {
  const t = el('table');
  const rows: [string, string][] = [
    ['Rank', String(r.rank ?? '—')],
    ['Incidents', formatValue(r.count)],
    ['Per 1,000', formatRate(r.rate_per_1000)],
    ['Residents', formatPopulation(r.population) + (r.population_estimated ? ' (est.)' : '')],
    ['Change', describeChange({ ...r, previous_count: r.previous_count ?? null, change: r.change ?? null, change_pct: r.change_pct ?? null, change_p: r.change_p ?? null }).text],
  ];
  for (const [k, v] of rows) t.append(el('tr', {}, el('th', { text: k }), el('td', { text: v })));
  return el('div', { className: 'cell-card' }, el('strong', { text: r.name }), r.district ? el('div', { className: 'hint', text: r.district }) : '', t);
}

// ---------------------------------------------------------------- controls

function showControls() {
  const setSel = $<HTMLSelectElement>('areas-set');
  setSel.replaceChildren(
    ...(sets ?? []).map((s) => option(s.name, `${s.name} (${s.areas})`)),
  );
  setSel.value = currentSet() ?? '';
  const measure = $<HTMLSelectElement>('areas-measure');
  const withPop = (setInfo()?.with_population ?? 0) > 0;
  for (const o of measure.options) {
    if (o.value === 'rate_per_1000') {
      o.disabled = !withPop;
      o.textContent = withPop ? 'Rate per 1,000 residents' : 'Rate per 1,000 (no populations)';
    }
  }
  measure.value = currentMeasure();
}

export function initAreas(h: AreasHost) {
  host = h;
  fitPending = h.fitOnLoad;
  const form = $<HTMLFormElement>('areas-form');
  form.addEventListener('submit', (e) => e.preventDefault());
  $('areas-set').addEventListener('change', () => {
    const set = $<HTMLSelectElement>('areas-set').value;
    setAreas({ set, code: null });
    fitPending = true;
    updateTiles();
    closeProfile();
    void refreshAreas();
  });
  $('areas-measure').addEventListener('change', () => {
    setAreas({ measure: $<HTMLSelectElement>('areas-measure').value as AreaMeasure });
    colourMap();
  });
  $('areas-profile-close').addEventListener('click', () => {
    const code = areas().code;
    setAreas({ code: null });
    closeProfile();
    updateSelectionLayers();
    // back to the row the profile was of
    if (code) document.querySelector<HTMLButtonElement>(`#areas-table button[data-code="${CSS.escape(code)}"]`)?.focus();
  });
}

async function loadSets() {
  setsLoading ??= getAreaSets()
    .then((r) => {
      sets = r.sets;
    })
    .finally(() => (setsLoading = null));
  await setsLoading;
}

// ---------------------------------------------------------------- table

const COLUMNS: { key: AreaSortKey; label: string; title: string; num: boolean }[] = [
  { key: 'rank', label: '#', title: 'Rank', num: true },
  { key: 'name', label: 'Area', title: 'Area (district)', num: false },
  { key: 'count', label: 'Count', title: 'Incidents', num: true },
  { key: 'rate_per_1000', label: 'Rate', title: 'Incidents per 1,000 residents', num: true },
  { key: 'population', label: 'Pop.', title: 'Residents', num: true },
  { key: 'change_pct', label: 'Change', title: 'Change on the previous period', num: true },
];

function tableHead(): HTMLTableSectionElement {
  const tr = el('tr');
  for (const c of COLUMNS) {
    const th = el('th');
    th.scope = 'col';
    th.setAttribute('aria-sort', ariaSort(areas(), c.key));
    if (c.num) th.className = 'num';
    const b = el('button', { className: 'sort', text: c.label });
    b.type = 'button';
    b.dataset.sort = c.key;
    b.title = `Sort by ${c.title.toLowerCase()}`;
    if (c.label !== c.title) b.setAttribute('aria-label', c.title);
    b.addEventListener('click', () => {
      setAreas(nextSort(areas(), c.key));
      void refreshAreas().then(() => document.querySelector<HTMLButtonElement>(`#areas-table button[data-sort="${c.key}"]`)?.focus());
    });
    th.append(b);
    tr.append(th);
  }
  return el('thead', {}, tr);
}

/** The change cell: arrow, percentage, p, and "sig." when p < 0.05. */
function changeCell(r: AreaRow | DistrictRow): HTMLTableCellElement {
  const c = describeChange(r);
  const td = el('td', { className: 'num change' });
  td.title = c.label;
  if (c.text === '—') {
    td.textContent = '—';
    return td;
  }
  const main = el(c.significant ? 'strong' : 'span', { className: c.arrow === '▲' ? 'up' : c.arrow === '▼' ? 'down' : '' });
  main.textContent = `${c.arrow}${c.arrow ? ' ' : ''}${c.text}`;
  td.append(main);
  if (c.p) td.append(el('span', { className: 'p', text: c.p }));
  if (c.significant) td.append(el('span', { className: 'p sig', text: 'sig.' }));
  if (c.significant) td.classList.add('significant');
  return td;
}

function populationCell(r: AreaRow | DistrictRow): HTMLTableCellElement {
  const td = el('td', { className: 'num', text: formatPopulation(r.population) });
  if (r.population !== null && r.population_estimated) {
    const est = el('abbr', { className: 'est', text: 'est.' });
    est.title = 'estimated: see the note below the table';
    td.append(est);
  }
  return td;
}

function areaRow(r: AreaRow): HTMLTableRowElement {
  const tr = el('tr');
  tr.dataset.code = r.code;
  const name = el('button', { className: 'area-name', text: r.name });
  name.type = 'button';
  name.dataset.code = r.code;
  name.setAttribute('aria-label', `${r.name}${r.district ? `, ${r.district}` : ''}: rank ${r.rank}. Show it on the map and its profile.`);
  name.addEventListener('click', () => select(r.code, true));
  const nameCell = el('td', { className: 'name' }, name);
  if (r.district) nameCell.append(el('span', { className: 'sub', text: r.district }));
  tr.append(
    el('td', { className: 'num rank', text: String(r.rank) }),
    nameCell,
    el('td', { className: 'num', text: formatValue(r.count) }),
    el('td', { className: 'num', text: formatRate(r.rate_per_1000) }),
    populationCell(r),
    changeCell(r),
  );
  return tr;
}

function showTable(c: Comparison) {
  const table = $<HTMLTableElement>('areas-table');
  const caption = el('caption', { className: 'sr-only' });
  const sorted = COLUMNS.find((k) => k.key === areas().sort)?.title.toLowerCase() ?? areas().sort;
  caption.textContent = `${c.hexspot.set.name}: ${c.areas.length} areas, sorted by ${sorted} (${areas().order === 'asc' ? 'ascending' : 'descending'})`;
  table.replaceChildren(caption, tableHead(), el('tbody', {}, ...c.areas.map(areaRow)));
  const note = $('areas-footnote');
  const s = c.hexspot.set;
  const estimated = c.areas.some((a) => a.population_estimated && a.population !== null);
  note.hidden = !estimated && s.population_source === null;
  note.replaceChildren();
  if (estimated) {
    note.append(
      el('abbr', { className: 'est', text: 'est.' }),
      ` Residents estimated: ${s.population_source ?? 'from the populations of other areas by areal weighting'}.`,
    );
  } else if (s.population_source) note.append(`Residents: ${s.population_source}.`);
  if (c.areas.every((a) => a.population === null)) {
    note.hidden = false;
    note.textContent = 'No populations for this set: rates need `hexspot population import`.';
  }
}

function showDistricts(c: Comparison) {
  const box = $('areas-districts');
  if (c.districts.length === 0) {
    box.replaceChildren(el('p', { className: 'hint', text: 'The areas of this set name no districts.' }));
    return;
  }
  const head = el('tr');
  for (const [label, title, num] of [
    ['#', 'Rank', true],
    ['District', 'District', false],
    ['Areas', 'Areas', true],
    ['Count', 'Incidents', true],
    ['Rate', 'Incidents per 1,000 residents', true],
    ['Change', 'Change on the previous period', true],
  ] as const) {
    const th = el('th', { text: label });
    th.scope = 'col';
    th.title = title;
    if (num) th.className = 'num';
    head.append(th);
  }
  const rows = [...c.districts].sort((a, b) => a.rank - b.rank).map((d) => {
    const name = el('th', { text: d.name });
    name.scope = 'row';
    return el(
      'tr',
      {},
      el('td', { className: 'num rank', text: String(d.rank) }),
      name,
      el('td', { className: 'num', text: String(d.areas) }),
      el('td', { className: 'num', text: formatValue(d.count) }),
      el('td', { className: 'num', text: formatRate(d.rate_per_1000) }),
      changeCell(d),
    );
  });
  const estimated = c.districts.some((d) => d.population_estimated && d.population !== null);
  const caption = el('caption', {
    text:
      `Ranked by ${c.hexspot.district_rank_by === 'count' ? 'incidents' : 'incidents per 1,000 residents'}` +
      (estimated ? '; residents summed from the areas’ estimates' : ''),
  });
  box.replaceChildren(el('table', {}, caption, el('thead', {}, head), el('tbody', {}, ...rows)));
}

function showSummary(c: Comparison) {
  const m = c.hexspot;
  const inc = m.incidents;
  const rankBy = m.rank_by === 'count' ? 'incidents' : 'incidents per 1,000 residents';
  $('areas-summary').textContent =
    `${formatValue(inc.counted)} incidents in ${formatValue(c.areas.length)} ${m.set.name}` +
    (inc.outside_every_area > 0 ? ` (${formatValue(inc.outside_every_area)} outside every area)` : '') +
    `; ranked by ${rankBy}.`;
  const periods = $('areas-periods');
  periods.textContent = `Period: ${describePeriods(m.periods)}.`;
  periods.classList.toggle('problems', !m.periods.previous_covered);
  periods.title = `${m.periods.rule}. Change test: ${m.change_test}.`;
}

function setDownloads(set: string) {
  const v = host.view();
  for (const [id, format, ext] of [
    ['areas-download-csv', 'csv', 'csv'],
    ['areas-download-geojson', 'geojson', 'geojson'],
  ] as const) {
    const a = $<HTMLAnchorElement>(id);
    a.href = areasUrl(set, areaParams(v, { format }));
    a.download = `hexspot-${set}.${ext}`;
  }
}

function showEmpty(text: string | null, command = false) {
  const box = $('areas-empty');
  box.hidden = text === null;
  $('areas-content').hidden = text !== null;
  box.replaceChildren();
  if (text === null) return;
  box.append(text);
  if (command) {
    box.append(
      el('code', { text: 'hexspot boundaries import --db DB --set wards --code WD13CD --name WD13NM FILE…' }),
      ' and, for rates, ',
      el('code', { text: 'hexspot population import --db DB --set wards FILE.csv' }),
      '.',
    );
  }
}

// ---------------------------------------------------------------- profile

function closeProfile() {
  profileAbort?.abort();
  profile = null;
  $('areas-profile').hidden = true;
}

function select(code: string, fly: boolean) {
  const set = currentSet();
  if (!set) return;
  setAreas({ code });
  updateSelectionLayers();
  void loadProfile();
  if (fly) void flyTo(set, code);
}

function monthlyChart(p: AreaProfile, periods: Comparison['hexspot']['periods'] | null): HTMLElement {
  const { svg, max, gaps } = monthlySvg(p.monthly, 280, 56, periods, 'areas-gap-hatch');
  const fig = el('figure', { className: 'monthly' });
  const first = p.monthly[0]?.month;
  const last = p.monthly[p.monthly.length - 1]?.month;
  const labels = el('div', { className: 'ends' }, el('span', { text: first ? formatMonth(first) : '' }), el('span', { text: last ? formatMonth(last) : '' }));
  labels.setAttribute('aria-hidden', 'true');
  const caption = el('figcaption', {
    className: 'hint',
    text:
      `Incidents a month (most ${formatValue(max)}); darker: the period compared, mid: the one before` +
      (gaps ? '; hatched: no data that month (a gap, not a zero).' : '.'),
  });
  caption.title = p.monthly_rule;
  fig.append(svg, labels, caption);
  return fig;
}

function showProfile() {
  const box = $('areas-profile');
  const p = profile;
  box.hidden = !p;
  if (!p) return;
  const a = p.area;
  $('areas-profile-title').textContent = a.district ? `${a.name} (${a.district})` : a.name;
  const change = describeChange(a);
  const n = comparison?.areas.length;
  $('areas-profile-text').textContent =
    `Rank ${a.rank}${n ? ` of ${n}` : ''} · ${formatValue(a.count)} incidents · ${formatRate(a.rate_per_1000)} per 1,000 residents` +
    ` (${formatPopulation(a.population)}${a.population_estimated ? ', estimated' : ''})` +
    (a.district_share !== null ? ` · ${formatShare(a.district_share)} of its district's` : '') +
    ` · change: ${change.label}.`;
  $('areas-monthly').replaceChildren(monthlyChart(p, comparison?.hexspot.periods ?? null));
  const trend = $('areas-trend');
  trend.hidden = !p.trend;
  trend.textContent = p.trend ? `Monthly trend: ${trendArrow(p.trend)}${trendArrow(p.trend) ? ' ' : ''}${describeTrend(p.trend)}.` : '';
  if (p.trend) trend.title = `${p.trend.test}, α = ${p.trend.alpha}, ${p.trend.n} months with data`;
  const types = $('areas-crime-types');
  const item = (name: string, n: number, className = '') =>
    el('li', { className }, el('span', { text: name }), el('span', { className: 'n', text: formatValue(n) }));
  // the largest few; the rest in one line
  const shown = p.crime_types.length > CRIME_TYPES_SHOWN + 1 ? p.crime_types.slice(0, CRIME_TYPES_SHOWN) : p.crime_types;
  const rest = p.crime_types.slice(shown.length);
  types.replaceChildren(...shown.map((t) => item(t.crime_type, t.count)));
  if (rest.length > 0) {
    const more = item(`${rest.length} other types`, rest.reduce((n, t) => n + t.count, 0), 'hint');
    more.title = rest.map((t) => `${t.crime_type}: ${formatValue(t.count)}`).join('\n');
    types.append(more);
  }
  if (p.crime_types.length === 0) types.replaceChildren(el('li', { className: 'hint', text: 'No incidents with these filters.' }));
  const hot = $('areas-hotspots');
  const spots = p.top_hotspots ?? [];
  $('areas-hotspots-title').hidden = spots.length === 0;
  hot.title = p.top_hotspots_rule ?? '';
  hot.replaceChildren(
    ...spots.map((s) => {
      const b = el('button', { className: 'link' });
      b.type = 'button';
      b.dataset.cell = s.cell;
      b.textContent = `${formatValue(s.count)} incidents · z ${formatZ(s.gi_star_z)}${s.significant ? ' · hot spot' : ''}`;
      b.setAttribute('aria-label', `Cell ${s.cell}: ${b.textContent}. Show it in the ranked hotspots.`);
      b.addEventListener('click', () => host.showCell(s.cell));
      return el('li', {}, b);
    }),
  );
}

async function loadProfile() {
  const set = currentSet();
  const code = areas().code;
  profileAbort?.abort();
  if (!set || !code) {
    closeProfile();
    return;
  }
  const ac = new AbortController();
  profileAbort = ac;
  try {
    // the list's ranking picks the area's top hotspot cells
    profile = await getAreaProfile(set, code, filterParams(host.view()), ac.signal);
    showProfile();
    profileVersion += 1;
    document.body.dataset.areasProfileVersion = String(profileVersion);
  } catch (e) {
    if (ac.signal.aborted) return;
    profile = null;
    showProfile();
    if (e instanceof ApiError && e.status === 404) {
      // an area the set does not have (an old link): dropped
      setAreas({ code: null });
      updateSelectionLayers();
      return;
    }
    $('areas-summary').textContent = e instanceof ApiError ? `The server said: ${e.message}` : `Cannot reach the server: ${String(e)}`;
  }
}

// ---------------------------------------------------------------- refresh

/** Compares the areas for the current view (when the view is open). */
export async function refreshAreas() {
  if (host.view().panel !== 'areas') return;
  abort?.abort();
  const ac = new AbortController();
  abort = ac;
  document.body.dataset.areasLoading = 'true';
  $('areas-summary').textContent = 'Comparing the areas…';
  try {
    if (sets === null) await loadSets();
    if (ac.signal.aborted) return;
    showControls();
    const set = currentSet();
    if (set === null) {
      comparison = null;
      showEmpty('No boundary sets: import them with ', true);
      setAreasVisible();
    } else {
      showEmpty(null);
      const asked = areas().set;
      if (asked !== null && asked !== set) {
        $('areas-problems').hidden = false;
        $('areas-problems').textContent = `There is no boundary set "${asked}": showing ${set}.`;
        setAreas({ set: null, code: null });
      }
      const c = await getComparison(set, areaParams(host.view()), ac.signal);
      comparison = c;
      updateTiles();
      showSummary(c);
      showTable(c);
      showDistricts(c);
      setDownloads(set);
      colourMap();
      const code = areas().code;
      if (code !== null && !c.areas.some((a) => a.code === code)) {
        setAreas({ code: null });
        closeProfile();
      }
      updateSelectionLayers();
      if (areas().code !== null) await loadProfile();
      else await fitSet(set);
    }
    version += 1;
    document.body.dataset.areasVersion = String(version);
  } catch (e) {
    if (ac.signal.aborted) return;
    $('areas-summary').textContent = e instanceof ApiError ? `The server said: ${e.message}` : `Cannot reach the server: ${String(e)}`;
  } finally {
    if (abort === ac) document.body.dataset.areasLoading = 'false';
  }
}

/** The comparison shown (for tests). */
export const currentComparison = () => comparison;
/** The profile shown (for tests). */
export const currentProfile = () => profile;
