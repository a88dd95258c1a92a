// hexspot's map: controls, a MapLibre map of the server's hotspot tiles, and the ranked
// list, all driven by one view state that lives in the URL.

import 'maplibre-gl/dist/maplibre-gl.css';
import './style.css';

import {
  AttributionControl,
  Map as MapLibre,
  Marker,
  NavigationControl,
  Popup,
  ScaleControl,
  setWorkerUrl,
  type MapLayerMouseEvent,
  type VectorTileSource,
} from 'maplibre-gl';
import type { ExpressionSpecification, LayerSpecification, StyleSpecification } from '@maplibre/maplibre-gl-style-spec';

import { ApiError, type CellFeature, type CellProperties, type Hotspots, type Meta, getHotspots, getKdeMax, getMeta, kdeUrl } from './api';
import { refreshCellTrend, currentAreaTrend, currentCellTrend } from './celltrend';
import { $, option } from './dom';
import { CELL_AREA_KM2, formatArea, formatP, formatValue, formatZ } from './format';
import { clusterExtent, ringCentre } from './geometry';
import { type ColourBy, densityBreaks, fillColour, legend, sequentialBreaks } from './palette';
import {
  type ViewState,
  MAX_BANDWIDTH_M,
  MAX_RES,
  MAX_TOP,
  MIN_RES,
  formatState,
  hotspotParams,
  kdeParams,
  minZoomFor,
  parseState,
  resolutionAt,
  tileKind,
  tileParams,
} from './state';
import { currentBacktest, currentEvaluation, initEvaluate, refreshEvaluate } from './evaluate';
import { currentTrends, initTrends, refreshTrends, setTrendsVisible, trendsLayers, trendsSource, trendsZoomNotice, wireTrendsMap } from './trends';
import { DAYS, NIGHT_TIME_ECONOMY, ANY_TIME, type Day, coverage, describe, hoursPerWeek, sameWindow } from './timewindow';
import { currentPlan, initPlan, planLayers, planSource, refreshPlan, setPlanVisible, showPlanControls, wirePlanMap } from './plan';
import {
  areaLayers,
  areasSource,
  currentComparison,
  currentProfile,
  initAreas,
  refreshAreas,
  setAreasVisible,
  wireAreasMap,
} from './areas';

// MapLibre's worker is built beside this module (build.mjs)
setWorkerUrl(new URL('maplibre-gl-worker.mjs', import.meta.url).href);

const CELL_LAYERS = ['cells-fill', 'cells-line', 'cells-significant', 'cells-selected-casing', 'cells-selected'];
/** Tiles exist up to this zoom; the map enlarges them beyond it. */
const TILE_MAX_ZOOM = 15;
/** Rank badges drawn on the map (the list holds the rest). */
const MAX_MARKERS = 50;

let view: ViewState;
let meta: Meta;
let map: MapLibre;
let list: CellFeature[] = [];
let listRes = 9;
let listAbort: AbortController | null = null;
let markers: Marker[] = [];
let listVersion = 0;
/** Set when a configured basemap could not be loaded and the offline style took its place. */
let basemapFailed = false;
/** Set once the map's style (with our layers) has loaded: layers can be shown and hidden. */
let mapReady = false;

// ---------------------------------------------------------------- URL

function writeUrl() {
  const q = formatState(view);
  history.replaceState(null, '', `${location.pathname}${q}`);
}

// ---------------------------------------------------------------- controls

function buildControls() {
  const types = $('crime-type-list');
  types.replaceChildren(
    ...meta.crime_types.map((t) => {
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.name = 'crime_type';
      box.value = t.name;
      const name = document.createElement('span');
      name.textContent = t.name;
      const n = document.createElement('span');
      n.className = 'n';
      n.textContent = t.count.toLocaleString('en-GB');
      label.append(box, name, n);
      return label;
    }),
  );
  for (const id of ['from', 'to']) {
    const input = $<HTMLInputElement>(id);
    if (meta.first_month) input.min = meta.first_month;
    if (meta.last_month) input.max = meta.last_month;
  }
  const days = document.querySelector<HTMLElement>('#time-window .days')!;
  for (const d of DAYS) {
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.name = 'days';
    box.value = d;
    label.append(box, d[0]!.toUpperCase() + d.slice(1));
    days.append(label);
  }
  const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
  const start = $<HTMLSelectElement>('hours-start');
  start.append(option('', 'any hour'), ...Array.from({ length: 24 }, (_, h) => option(String(h), hh(h))));
  const end = $<HTMLSelectElement>('hours-end');
  end.append(...Array.from({ length: 25 }, (_, h) => option(String(h), h === 24 ? '24:00' : hh(h))));
  const res = $<HTMLSelectElement>('res');
  res.append(option('', 'Automatic (follows zoom)'));
  for (let r = MIN_RES; r <= MAX_RES; r++) res.append(option(String(r), `${r} — ${formatArea(CELL_AREA_KM2[r]!)} per cell`));
  $<HTMLInputElement>('top').max = String(MAX_TOP);
}

/** Shows the view in the controls. */
function showState() {
  for (const box of document.querySelectorAll<HTMLInputElement>('input[name=crime_type]'))
    box.checked = view.crimeTypes.some((t) => t.toLowerCase() === box.value.toLowerCase());
  $<HTMLInputElement>('from').value = view.from ?? '';
  $<HTMLInputElement>('to').value = view.to ?? '';
  for (const box of document.querySelectorAll<HTMLInputElement>('input[name=days]')) box.checked = view.days.includes(box.value as Day);
  const start = $<HTMLSelectElement>('hours-start');
  const end = $<HTMLSelectElement>('hours-end');
  start.value = view.hours ? String(view.hours.start) : '';
  end.value = view.hours ? String(view.hours.end) : '24';
  end.disabled = view.hours === null;
  $<HTMLSelectElement>('res').value = view.res === null ? '' : String(view.res);
  $<HTMLSelectElement>('colour').value = view.colour;
  $<HTMLInputElement>('bandwidth').value = String(view.bandwidthM);
  $('bandwidth-label').hidden = view.colour !== 'density';
  $<HTMLSelectElement>('measure').value = view.measure;
  $<HTMLSelectElement>('rank-by').value = view.rankBy;
  $<HTMLInputElement>('top').value = String(view.top);
  showWindow();
  showPlanControls();
}

function showWindow() {
  const w = { days: view.days, hours: view.hours };
  const grid = $('week-grid');
  const cov = coverage(w);
  const cells: HTMLElement[] = [];
  DAYS.forEach((d, i) => {
    const label = document.createElement('span');
    label.textContent = d;
    cells.push(label);
    for (let h = 0; h < 24; h++) {
      const s = document.createElement('span');
      s.className = cov[i]![h] ? 'slot on' : 'slot';
      cells.push(s);
    }
  });
  grid.replaceChildren(...cells);
  $('window-desc').textContent = `${describe(w)} · ${hoursPerWeek(w)} of 168 hours a week`;
  $('preset-nte').setAttribute('aria-pressed', String(sameWindow(w, NIGHT_TIME_ECONOMY)));
  const untimed = $('untimed');
  const windowed = !sameWindow(w, ANY_TIME);
  untimed.hidden = !(windowed && meta.timed_incidents < meta.incidents);
  untimed.textContent =
    meta.timed_incidents === 0
      ? 'None of these incidents has a time of day (police.uk files give the month only), so a time window leaves nothing. Import force extracts with date-times to use it.'
      : `Only ${formatValue(meta.timed_incidents)} of ${formatValue(meta.incidents)} incidents have a time of day; a time window counts those alone.`;
  $('preset-any').setAttribute('aria-pressed', String(sameWindow(w, ANY_TIME)));
}

function showProblems(problems: string[]) {
  const p = $('problems');
  p.hidden = problems.length === 0;
  p.textContent = problems.join(' · ');
}

/** Reads the controls into a new view; problems leave the old value in place. */
function readControls(): { next: ViewState; problems: string[] } {
  const problems: string[] = [];
  const next: ViewState = { ...view };
  next.crimeTypes = [...document.querySelectorAll<HTMLInputElement>('input[name=crime_type]:checked')].map((b) => b.value);
  const from = $<HTMLInputElement>('from').value || null;
  const to = $<HTMLInputElement>('to').value || null;
  if (from !== null && to !== null && from > to) problems.push(`period: ${to} is before ${from}`);
  else {
    next.from = from;
    next.to = to;
  }
  next.days = DAYS.filter((d) => document.querySelector<HTMLInputElement>(`input[name=days][value=${d}]`)?.checked);
  const start = $<HTMLSelectElement>('hours-start').value;
  const end = $<HTMLSelectElement>('hours-end');
  end.disabled = start === '';
  if (start === '') next.hours = null;
  else if (Number(start) === Number(end.value)) problems.push('hours: the window must not start and end at the same hour');
  else next.hours = { start: Number(start), end: Number(end.value) };
  const res = $<HTMLSelectElement>('res').value;
  next.res = res === '' ? null : Number(res);
  next.colour = $<HTMLSelectElement>('colour').value as ColourBy;
  $('bandwidth-label').hidden = next.colour !== 'density';
  const bw = $<HTMLInputElement>('bandwidth').value;
  const h = Number(bw);
  if (bw !== '' && Number.isFinite(h) && h > 0 && h <= MAX_BANDWIDTH_M) next.bandwidthM = h;
  else problems.push(`bandwidth: a number of metres above 0 and at most ${MAX_BANDWIDTH_M.toLocaleString('en-GB')}`);
  next.measure = $<HTMLSelectElement>('measure').value as ViewState['measure'];
  next.rankBy = $<HTMLSelectElement>('rank-by').value as ViewState['rankBy'];
  const top = Number($<HTMLInputElement>('top').value);
  if (Number.isInteger(top) && top >= 1 && top <= MAX_TOP) next.top = top;
  else problems.push(`top: must be a whole number from 1 to ${MAX_TOP}`);
  return { next, problems };
}

function onControlsChanged() {
  const { next, problems } = readControls();
  showProblems(problems);
  view = next;
  showWindow();
  apply();
}

function setWindow(w: { days: Day[]; hours: ViewState['hours'] }) {
  view = { ...view, days: [...w.days], hours: w.hours && { ...w.hours } };
  showState();
  apply();
}

const TABS = [
  ['list', 'tab-list', 'ranking'],
  ['plan', 'tab-plan', 'plan-panel'],
  ['areas', 'tab-areas', 'areas-panel'],
  ['trends', 'tab-trends', 'trends-panel'],
  ['evaluate', 'tab-evaluate', 'evaluate-panel'],
] as const;

/** Shows the panel the view names: the ranked list, the patrol plan, the areas or the trends. */
function showPanel() {
  for (const [panel, tabId, panelId] of TABS) {
    const on = view.panel === panel;
    $(panelId).hidden = !on;
    const tab = $(tabId);
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
  }
  for (const m of markers) m.getElement().hidden = view.panel !== 'list';
  // the areas and the trends have their own legends
  $('legend').hidden = view.panel === 'areas' || view.panel === 'trends' || view.panel === 'evaluate';
  showLayers();
  if (mapReady) updateSelection();
  else void refreshCellTrend(view);
}

/** The hotspot cells are drawn except in the areas and trends views; the plan, the areas and the trends only in their own. */
function showLayers() {
  if (!mapReady) return;
  const cells = hotspotCellsShown() ? 'visible' : 'none';
  for (const id of CELL_LAYERS) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', cells);
  setPlanVisible(view.panel === 'plan');
  setAreasVisible();
  setTrendsVisible();
  updateZoomNotice();
}

const hotspotCellsShown = () => view.panel !== 'areas' && view.panel !== 'trends';

function setPanel(panel: ViewState['panel']) {
  if (view.panel === panel) return;
  view = { ...view, panel };
  writeUrl();
  showPanel();
  if (panel === 'plan') void refreshPlan();
  if (panel === 'areas') void refreshAreas();
  if (panel === 'trends') void refreshTrends();
  if (panel === 'evaluate') void refreshEvaluate();
}

/** Shows a cell in the ranked list: selects it and switches to the list. */
function showCell(cell: string) {
  view = { ...view, cell };
  setPanel('list');
  updateSelection();
  writeUrl();
  $('tab-list').focus();
}

function wireTabs() {
  const tabs = TABS.map((t) => t[1]);
  const panels = TABS.map((t) => t[0]);
  tabs.forEach((id, i) => {
    const tab = $(id);
    tab.addEventListener('click', () => setPanel(panels[i]!));
    // arrow keys move between tabs (the WAI-ARIA tabs pattern)
    tab.addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
      const next = (i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length;
      setPanel(panels[next]!);
      $(tabs[next]!).focus();
    });
  });
}

function wireControls() {
  const form = $<HTMLFormElement>('controls');
  form.addEventListener('change', onControlsChanged);
  form.addEventListener('submit', (e) => e.preventDefault());
  $('preset-nte').addEventListener('click', () => setWindow(NIGHT_TIME_ECONOMY));
  $('preset-any').addEventListener('click', () => setWindow(ANY_TIME));
  $('period-all').addEventListener('click', () => {
    view = { ...view, from: null, to: null };
    showState();
    apply();
  });
  $('crime-types-clear').addEventListener('click', () => {
    view = { ...view, crimeTypes: [] };
    showState();
    apply();
  });
}

// ---------------------------------------------------------------- map

function tileUrl(): string {
  return `${location.origin}/tiles/${tileKind(view)}/{z}/{x}/{y}?${tileParams(view, meta.data_version).toString()}`;
}

function cellLayers(): LayerSpecification[] {
  const visibility = hotspotCellsShown() ? 'visible' : 'none';
  const src = { source: 'cells', 'source-layer': 'cells', layout: { visibility } } as const;
  const selected: ExpressionSpecification = ['==', ['get', 'cell'], view.cell ?? ''];
  return [
    { id: 'cells-fill', type: 'fill', ...src, paint: { 'fill-color': '#ccc', 'fill-opacity': 0.78 } },
    {
      id: 'cells-line',
      type: 'line',
      ...src,
      minzoom: 9,
      paint: { 'line-color': 'rgba(40, 40, 40, 0.22)', 'line-width': 0.5 },
    },
    {
      id: 'cells-significant',
      type: 'line',
      ...src,
      filter: ['==', ['get', 'significant'], true],
      paint: { 'line-color': '#000', 'line-width': 1.6 },
    },
    { id: 'cells-selected-casing', type: 'line', ...src, filter: selected, paint: { 'line-color': '#fff', 'line-width': 6 } },
    { id: 'cells-selected', type: 'line', ...src, filter: selected, paint: { 'line-color': '#000', 'line-width': 3 } },
  ];
}

function cellSource() {
  return {
    type: 'vector' as const,
    tiles: [tileUrl()],
    minzoom: 0,
    maxzoom: TILE_MAX_ZOOM,
    attribution: view.colour === 'density' ? 'hexspot: H3 cells, quartic kernel density' : 'hexspot: H3 cells, Getis-Ord Gi*',
  };
}

/** The style that needs no network: the outline of the data on a plain background. */
function offlineStyle(): StyleSpecification {
  return {
    version: 8,
    sources: {
      outline: { type: 'geojson', data: `${location.origin}/api/v1/outline` },
      cells: cellSource(),
      plan: planSource(),
      areas: areasSource(),
      trends: trendsSource(),
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#f7f6f2' } },
      { id: 'outline-fill', type: 'fill', source: 'outline', paint: { 'fill-color': '#e9e6dc' } },
      { id: 'outline-line', type: 'line', source: 'outline', paint: { 'line-color': '#9b968a', 'line-width': 1 } },
      ...cellLayers(),
      ...trendsLayers(),
      ...planLayers(),
      ...areaLayers(),
    ],
  };
}

function createMap(): MapLibre {
  const c = view.camera;
  const m = new MapLibre({
    container: 'map',
    style: meta.basemap_style ?? offlineStyle(),
    center: c ? [c.lon, c.lat] : boundsCentre(),
    zoom: c ? c.zoom : 9,
    attributionControl: false,
    dragRotate: false,
    pitchWithRotate: false,
    maxPitch: 0,
  });
  m.touchZoomRotate.disableRotation();
  m.on('error', onMapError);
  m.addControl(new NavigationControl({ showCompass: false }), 'top-right');
  m.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-right');
  m.addControl(new AttributionControl({ compact: true }), 'bottom-right');
  return m;
}

function boundsCentre(): [number, number] {
  const b = meta.bounds;
  return b ? [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2] : [-1.5491, 53.8008];
}

/** With an external basemap, our layers go on top of its style once it has loaded. */
function addCellLayersToBasemap() {
  map.addSource('cells', cellSource());
  map.addSource('plan', planSource());
  map.addSource('areas', areasSource());
  map.addSource('trends', trendsSource());
  for (const l of [...cellLayers(), ...trendsLayers(), ...planLayers(), ...areaLayers()]) map.addLayer(l);
}

/** Notices over the map, by what raised them (each clears only its own). */
const notices = new Map<'zoom' | 'basemap' | 'data', string>();

function setNotice(key: 'zoom' | 'basemap' | 'data', text: string | null) {
  if (text === null) notices.delete(key);
  else notices.set(key, text);
  const n = $('notice');
  n.hidden = notices.size === 0;
  n.textContent = [...notices.values()].join(' · ');
}

/** Tiles, zoom range and highlight for the current view. */
function updateMap() {
  const src = map.getSource<VectorTileSource>('cells');
  src?.setTiles([tileUrl()]);
  const minZoom = minZoomFor(view.res);
  for (const id of CELL_LAYERS) {
    if (map.getLayer(id)) map.setLayerZoomRange(id, Math.max(minZoom, id === 'cells-line' ? 9 : 0), 24);
  }
  updateSelection();
  updateZoomNotice();
}

function updateZoomNotice() {
  if (!mapReady) return;
  if (view.panel === 'trends') {
    setNotice('zoom', trendsZoomNotice());
    return;
  }
  const minZoom = minZoomFor(view.res);
  setNotice(
    'zoom',
    view.res !== null && map.getZoom() < minZoom && hotspotCellsShown()
      ? `Resolution ${view.res} is drawn from zoom ${minZoom}: zoom in, or choose Automatic`
      : null,
  );
}

function updateSelection() {
  const f: ExpressionSpecification = ['==', ['get', 'cell'], view.cell ?? ''];
  for (const id of ['cells-selected-casing', 'cells-selected']) if (map.getLayer(id)) map.setFilter(id, f);
  for (const [i, m] of markers.entries()) m.getElement().classList.toggle('selected', list[i]?.properties.cell === view.cell);
  for (const b of document.querySelectorAll<HTMLButtonElement>('#hotspot-list button'))
    b.setAttribute('aria-current', String(b.dataset.cell === view.cell));
  void refreshCellTrend(view);
}

function colourMap(max: number) {
  const by = view.colour;
  const breaks = by === 'z' ? [] : by === 'density' ? densityBreaks(max) : sequentialBreaks(max, undefined, by === 'count');
  map.setPaintProperty('cells-fill', 'fill-color', fillColour(by, breaks) as ExpressionSpecification);
  const lg = legend(by, breaks, listRes, { bandwidthM: view.bandwidthM, measure: view.measure });
  const box = $('legend');
  const title = document.createElement('h3');
  title.textContent = lg.title;
  const ul = document.createElement('ul');
  for (const item of lg.items) {
    const li = document.createElement('li');
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = item.colour;
    li.append(sw, item.label);
    ul.append(li);
  }
  // kernel density tiles carry no significance
  if (by !== 'density') {
    const sig = document.createElement('li');
    const sw = document.createElement('span');
    sw.className = 'swatch sig';
    sig.append(sw, `significant hot or cold spot (FDR 5 %)`);
    ul.append(sig);
  }
  box.replaceChildren(title, ul);
}

// ---------------------------------------------------------------- hover card

/** A kernel density tile's cell. */
interface DensityProperties {
  cell: string;
  density_km2: number;
  rank: number;
}

function cellCard(p: CellProperties | DensityProperties): HTMLElement {
  const card = document.createElement('div');
  card.className = 'cell-card';
  const t = document.createElement('table');
  const rows: [string, string][] = 'density_km2' in p ? [
    ['Density rank', `${p.rank}`],
    [view.measure === 'harm' ? 'Harm per km²' : 'Incidents per km²', formatValue(p.density_km2)],
    ['Bandwidth', `${formatValue(view.bandwidthM)} m`],
  ] : [
    ['Rank', `${p.rank}`],
    ['Incidents', formatValue(p.count)],
    ['Harm', formatValue(p.harm)],
    ['Gi* z', formatZ(p.gi_star_z)],
    ['p', formatP(p.p_value)],
    ['Significant', p.significant ? 'yes (FDR)' : 'no'],
  ];
  for (const [k, v] of rows) {
    const tr = t.insertRow();
    const th = document.createElement('th');
    th.textContent = k;
    const td = tr.insertCell();
    td.textContent = v;
    tr.prepend(th);
  }
  const id = document.createElement('div');
  id.className = 'hint';
  id.textContent = `cell ${p.cell}`;
  card.append(t, id);
  return card;
}

function wireMapEvents() {
  const hover = new Popup({ closeButton: false, closeOnClick: false, maxWidth: '240px', offset: 8 });
  map.on('mousemove', 'cells-fill', (e: MapLayerMouseEvent) => {
    const f = e.features?.[0];
    if (!f) return;
    map.getCanvas().style.cursor = 'pointer';
    hover.setLngLat(e.lngLat).setDOMContent(cellCard(f.properties as CellProperties)).addTo(map);
  });
  map.on('mouseleave', 'cells-fill', () => {
    map.getCanvas().style.cursor = '';
    hover.remove();
  });
  map.on('click', 'cells-fill', (e: MapLayerMouseEvent) => {
    // with the plan, the areas or the trends open, a click selects something of theirs instead
    if (view.panel !== 'list') return;
    const cell = (e.features?.[0]?.properties as CellProperties | undefined)?.cell;
    if (!cell) return;
    view = { ...view, cell: view.cell === cell ? null : cell };
    updateSelection();
    writeUrl();
  });
  map.on('moveend', () => {
    const c = map.getCenter();
    view = { ...view, camera: { zoom: map.getZoom(), lat: c.lat, lon: c.lng } };
    writeUrl();
    updateZoomNotice();
    if (resolutionAt(map.getZoom(), view.res) !== listRes) void refreshList();
  });
}

/** Errors are shown on the page, not thrown into the console. A basemap that cannot be
 * loaded (no route to it from this network) gives way to the offline style. */
function onMapError(e: { error?: { message?: string } }) {
  if (meta.basemap_style && !basemapFailed && !map.isStyleLoaded()) {
    basemapFailed = true;
    map.setStyle(offlineStyle(), { diff: false });
    setNotice('basemap', `The basemap (${meta.basemap_style}) could not be loaded: showing the outline of the data instead`);
    return;
  }
  setNotice('data', `The map could not load data: ${e.error?.message ?? 'unknown error'}`);
}

// ---------------------------------------------------------------- list

function listRow(f: CellFeature): HTMLLIElement {
  const p = f.properties;
  const li = document.createElement('li');
  const b = document.createElement('button');
  b.type = 'button';
  b.dataset.cell = p.cell;
  const rank = document.createElement('span');
  rank.className = 'rank';
  rank.textContent = String(p.rank);
  const main = document.createElement('span');
  main.className = 'main';
  main.textContent = `${formatValue(p.count)} incidents · harm ${formatValue(p.harm)}`;
  const sub = document.createElement('span');
  sub.className = 'sub';
  const z = document.createElement('span');
  z.textContent = `z ${formatZ(p.gi_star_z)} · p ${formatP(p.p_value)}`;
  sub.append(z);
  if (p.significant) {
    const hot = document.createElement('span');
    hot.className = 'hot';
    hot.textContent = (p.gi_star_z ?? 0) > 0 ? ' · hot spot' : ' · cold spot';
    sub.append(hot);
  }
  b.append(rank, main, sub);
  b.setAttribute('aria-label', `Rank ${p.rank}: ${main.textContent}, ${z.textContent}${p.significant ? ', significant' : ''}. Show on the map.`);
  b.addEventListener('click', () => goToCell(f));
  li.append(b);
  return li;
}

function goToCell(f: CellFeature) {
  view = { ...view, cell: f.properties.cell };
  updateSelection();
  const ring = f.geometry.coordinates[0]!;
  const z = map.getZoom();
  // a zoom at which the tiles draw the list's resolution
  const fits = view.res === null ? z >= listRes + 3 && z < listRes + 4 : z >= Math.max(minZoomFor(view.res), view.res + 2);
  map.flyTo({ center: ringCentre(ring), zoom: fits ? z : Math.min(listRes + 3.5, 22), essential: true });
  writeUrl();
}

function drawMarkers() {
  for (const m of markers) m.remove();
  markers = list.slice(0, MAX_MARKERS).map((f) => {
    const el = document.createElement('div');
    el.className = 'rank-marker';
    el.textContent = String(f.properties.rank);
    el.setAttribute('aria-hidden', 'true');
    el.hidden = view.panel !== 'list';
    el.addEventListener('click', (e) => {
      e.stopPropagation();
      goToCell(f);
    });
    return new Marker({ element: el }).setLngLat(ringCentre(f.geometry.coordinates[0]!)).addTo(map);
  });
}

function summarise(h: Hotspots): string {
  const m = h.hexspot;
  const q = m.query;
  const types = view.crimeTypes.length === 0 ? 'all crime types' : view.crimeTypes.join(', ');
  const period = q.from && q.to ? `${q.from} to ${q.to}` : 'all months';
  const parts = [
    `${formatValue(m.incidents.counted)} incidents`,
    types,
    period,
    describe({ days: view.days, hours: view.hours }),
    `H3 res ${q.res} (${formatArea(m.study_region.average_cell_area_km2)} per cell)`,
    `Gi* on ${q.measure}, k = ${q.k}`,
    `${m.statistics.significant_hot} significant hot cells (FDR ${q.alpha * 100} %)`,
  ];
  const untimed = m.incidents.left_out.no_time_of_day;
  if (untimed > 0) parts.push(`${formatValue(untimed)} without a time of day left out`);
  return parts.join(' · ');
}

function setDownloads(params: URLSearchParams) {
  const name = `hexspot-top${view.top}-res${listRes}`;
  const g = $<HTMLAnchorElement>('download-geojson');
  g.href = `/api/v1/hotspots?${params.toString()}`;
  g.download = `${name}.geojson`;
  const csv = new URLSearchParams(params);
  csv.set('format', 'csv');
  const c = $<HTMLAnchorElement>('download-csv');
  c.href = `/api/v1/hotspots?${csv.toString()}`;
  c.download = `${name}.csv`;
  // the density drawn, when colouring by it
  const density = $<HTMLAnchorElement>('download-density');
  density.hidden = view.colour !== 'density';
  density.href = kdeUrl(kdeParams(view, listRes, { format: 'csv' }));
  density.download = `hexspot-kde-${view.bandwidthM}m-res${listRes}.csv`;
}

/** Fetches the ranked list (and, when colouring by a value, its largest value) at the map's resolution. */
async function refreshList(fitFirst = false) {
  listAbort?.abort();
  const abort = new AbortController();
  listAbort = abort;
  const res = fitFirst && view.res === null ? 9 : resolutionAt(map.getZoom(), view.res);
  const params = hotspotParams(view, res);
  const caption = $('list-caption');
  caption.textContent = 'Loading…';
  document.body.dataset.loading = 'true';
  try {
    const colourBy = view.colour;
    const wantMax = (colourBy === 'count' || colourBy === 'harm') && view.rankBy !== colourBy;
    const [h, maxList, maxDensity] = await Promise.all([
      getHotspots(params, abort.signal),
      wantMax ? getHotspots(hotspotParams(view, res, { top: '1', rank_by: colourBy }), abort.signal) : Promise.resolve(null),
      // the largest density, asked of the server (the first row of its ranked answer)
      colourBy === 'density' ? getKdeMax(kdeParams(view, res), abort.signal) : Promise.resolve(null),
    ]);
    list = h.features;
    listRes = res;
    const top = (maxList ?? h).features[0]?.properties;
    const max =
      colourBy === 'density' ? (maxDensity ?? 0) : colourBy === 'z' || !top ? 0 : colourBy === 'count' ? top.count : top.harm;
    $('hotspot-list').replaceChildren(...list.map(listRow));
    const rankName = { z: 'Gi* z-score', count: 'incident count', harm: 'harm' }[view.rankBy];
    caption.textContent =
      list.length === 0
        ? 'No cells: nothing matches these filters.'
        : `Top ${list.length} of ${formatValue(h.hexspot.study_region.cells)} cells at H3 res ${res}, by ${rankName}. Select one to show it on the map.`;
    $('summary').textContent = summarise(h);
    setDownloads(params);
    drawMarkers();
    colourMap(max);
    if (fitFirst) fitToCluster();
    updateSelection();
    listVersion += 1;
    document.body.dataset.listVersion = String(listVersion);
  } catch (e) {
    if (abort.signal.aborted) return;
    caption.textContent = e instanceof ApiError ? `The server said: ${e.message}` : `Cannot reach the server: ${String(e)}`;
  } finally {
    if (listAbort === abort) document.body.dataset.loading = 'false';
  }
}

/** The first view when the URL names none: the main hotspot cluster, at the default resolution's zoom. */
function fitToCluster() {
  const b = clusterExtent(list.map((f) => f.geometry.coordinates[0]!));
  if (!b) return;
  const cam = map.cameraForBounds(b, { padding: 40 });
  if (!cam) return;
  // zoom 12.x draws resolution 9, the list's: the list and the map stay in step
  map.jumpTo({ center: cam.center, zoom: Math.min(Math.max(cam.zoom ?? 12, 12), 12.4) });
}

// ---------------------------------------------------------------- putting it together

function apply() {
  setNotice('data', null);
  writeUrl();
  updateMap();
  void refreshList();
  void refreshPlan();
  void refreshAreas();
  void refreshTrends();
  void refreshEvaluate();
}

async function loadMeta(): Promise<Meta> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await getMeta();
    } catch (e) {
      // 503 while the server loads its snapshot: wait and ask again
      if (e instanceof ApiError && e.status === 503 && attempt < 60) {
        $('summary').textContent = 'The server is loading its data…';
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      throw e;
    }
  }
}

/** How often the page asks whether the server's data have changed. */
const DATA_CHECK_MS = 30_000;

/**
 * Asks the server whether its data have changed since the page loaded (an import by
 * another process, which a running server picks up by itself) and, if so, offers to
 * show them. Resolves to whether they have.
 */
async function checkData(): Promise<boolean> {
  let now: Meta;
  try {
    now = await getMeta();
  } catch {
    return false; // restarting or loading: ask again later
  }
  const changed = now.data_version !== meta.data_version;
  $('data-changed').hidden = !changed;
  return changed;
}

function watchData() {
  $('data-reload').addEventListener('click', () => location.reload());
  const again = () =>
    setTimeout(() => {
      void checkData().then((changed) => {
        if (!changed) again();
      });
    }, DATA_CHECK_MS);
  again();
}

async function main() {
  const parsed = parseState(location.search);
  view = parsed.state;
  showProblems(parsed.problems.map((p) => `Ignored from the URL: ${p}`));
  try {
    meta = await loadMeta();
  } catch (e) {
    $('summary').textContent = `Cannot load the data description: ${e instanceof Error ? e.message : String(e)}`;
    return;
  }
  buildControls();
  initPlan({
    map: () => map,
    view: () => view,
    setView: (v) => {
      view = v;
      writeUrl();
    },
    setWindow,
  });
  initAreas({
    map: () => map,
    view: () => view,
    setView: (v) => {
      view = v;
      writeUrl();
    },
    dataVersion: () => meta.data_version,
    showCell,
    fitOnLoad: view.camera === null && view.panel === 'areas',
  });
  initEvaluate({
    view: () => view,
    setView: (v) => {
      view = v;
      writeUrl();
    },
    meta: () => meta,
  });
  initTrends({
    map: () => map,
    view: () => view,
    setView: (v) => {
      view = v;
      writeUrl();
    },
    meta: () => meta,
  });
  showState();
  wireControls();
  wireTabs();
  showPanel();
  const hadCamera = view.camera !== null;
  map = createMap();
  (window as unknown as { hexspot: unknown }).hexspot = {
    map,
    view: () => view,
    list: () => list,
    plan: currentPlan,
    areas: currentComparison,
    areaProfile: currentProfile,
    trends: currentTrends,
    backtest: currentBacktest,
    evaluation: currentEvaluation,
    cellTrend: currentCellTrend,
    areaTrend: currentAreaTrend,
    checkData,
  };
  watchData();
  map.on('load', () => {
    if (meta.basemap_style && !basemapFailed) addCellLayersToBasemap();
    mapReady = true;
    wireMapEvents();
    wirePlanMap();
    wireAreasMap();
    wireTrendsMap();
    updateMap();
    showLayers();
    // the areas view fits its own set (initAreas' fitOnLoad)
    void refreshList(!hadCamera && view.panel !== 'areas');
    void refreshPlan();
    void refreshAreas();
    void refreshTrends();
    void refreshEvaluate();
  });
}

void main();
