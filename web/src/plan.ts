// The "Patrol plan" panel: budget and ranking controls, the plan's areas on the map and
// in a list, the weekly heat matrix of the selected area, and the plan's downloads.
// The filters (period, crime types, time of week) are the map's own.

import { LngLatBounds, Marker, type GeoJSONSource, type Map as MapLibre, type MapLayerMouseEvent } from 'maplibre-gl';
import type { ExpressionSpecification, LayerSpecification, SourceSpecification } from '@maplibre/maplibre-gl-style-spec';

import { ApiError, type PatrolAreaFeature, type PlanCollection, getPlan } from './api';
import { refreshAreaTrend } from './celltrend';
import { $, option } from './dom';
import { CELL_AREA_KM2, formatArea, formatValue } from './format';
import { HEAT, curvePath, describeArea, describePeaks, formatAreaM2, formatShare, heatMatrix } from './planview';
import { type Budget, type PlanState, type ViewState, MAX_PLAN_CELLS, MAX_PLAN_KM2, PLAN_RES, planParams } from './state';
import { ANY_TIME, DAYS, NIGHT_TIME_ECONOMY, type Window, sameWindow } from './timewindow';

/** What the panel needs from the page. */
export interface PlanHost {
  map(): MapLibre;
  view(): ViewState;
  /** Replaces the view and writes the URL; refreshes nothing. */
  setView(v: ViewState): void;
  /** Sets the map's time window and refreshes everything that depends on it. */
  setWindow(w: Window): void;
}

export const PLAN_LAYERS = ['plan-fill', 'plan-line', 'plan-selected-casing', 'plan-selected'];
const PLAN_COLOUR = '#6a1b9a';

let host: PlanHost;
let plan: PlanCollection | null = null;
let abort: AbortController | null = null;
let markers: Marker[] = [];
let version = 0;

const EMPTY = { type: 'FeatureCollection', features: [] };

/** Selects the chosen patrol area's features. */
const selectedFilter = (): ExpressionSpecification => ['==', ['get', 'area_rank'], host.view().plan.area ?? -1];

/** The plan's GeoJSON source (the last plan built, so a style reload keeps it). */
export function planSource(): SourceSpecification {
  return { type: 'geojson', data: plan ?? EMPTY };
}

/** The plan's layers, drawn above the cells; shown only while the panel is open. */
export function planLayers(): LayerSpecification[] {
  const visibility = host.view().panel === 'plan' ? 'visible' : 'none';
  const selected = selectedFilter();
  return [
    { id: 'plan-fill', type: 'fill', source: 'plan', layout: { visibility }, paint: { 'fill-color': PLAN_COLOUR, 'fill-opacity': 0.22 } },
    { id: 'plan-line', type: 'line', source: 'plan', layout: { visibility }, paint: { 'line-color': PLAN_COLOUR, 'line-width': 2.5 } },
    {
      id: 'plan-selected-casing',
      type: 'line',
      source: 'plan',
      filter: selected,
      layout: { visibility },
      paint: { 'line-color': '#fff', 'line-width': 7 },
    },
    { id: 'plan-selected', type: 'line', source: 'plan', filter: selected, layout: { visibility }, paint: { 'line-color': '#000', 'line-width': 3.5 } },
  ];
}

// ---------------------------------------------------------------- controls

/** Shows the plan settings in the panel's controls. */
export function showPlanControls() {
  const s = host.view().plan;
  for (const r of document.querySelectorAll<HTMLInputElement>('input[name=plan-budget]')) r.checked = r.value === s.budget.kind;
  const cells = $<HTMLInputElement>('plan-cells');
  const area = $<HTMLInputElement>('plan-area');
  if (s.budget.kind === 'cells') cells.value = String(s.budget.cells);
  else area.value = String(s.budget.km2);
  if (cells.value === '') cells.value = '20';
  if (area.value === '') area.value = '1';
  cells.disabled = s.budget.kind !== 'cells';
  area.disabled = s.budget.kind !== 'area';
  $<HTMLSelectElement>('plan-rank-by').value = s.rankBy;
  $<HTMLSelectElement>('plan-res').value = String(s.res);
  const w = { days: host.view().days, hours: host.view().hours };
  $('plan-preset-nte').setAttribute('aria-pressed', String(sameWindow(w, NIGHT_TIME_ECONOMY)));
  $('plan-preset-any').setAttribute('aria-pressed', String(sameWindow(w, ANY_TIME)));
  const ex = $('plan-excluded');
  ex.hidden = s.exclude.length === 0;
  ex.replaceChildren();
  if (s.exclude.length > 0) {
    const clear = document.createElement('button');
    clear.type = 'button';
    clear.className = 'link';
    clear.id = 'plan-exclude-clear';
    clear.textContent = 'put them back';
    clear.addEventListener('click', () => update({ exclude: [], area: null }));
    ex.append(`${s.exclude.length} ${s.exclude.length === 1 ? 'cell' : 'cells'} left out of the plan · `, clear);
  }
}

/** Reads the budget, ranking and resolution; a bad budget is named and the old one kept. */
function readPlanControls(): { next: PlanState; problem: string | null } {
  const old = host.view().plan;
  const kind = document.querySelector<HTMLInputElement>('input[name=plan-budget]:checked')?.value === 'area' ? 'area' : 'cells';
  let budget: Budget = old.budget;
  let problem: string | null = null;
  if (kind === 'cells') {
    const n = Number($<HTMLInputElement>('plan-cells').value);
    if (Number.isInteger(n) && n >= 1 && n <= MAX_PLAN_CELLS) budget = { kind, cells: n };
    else problem = `cells: a whole number from 1 to ${MAX_PLAN_CELLS}`;
  } else {
    const raw = $<HTMLInputElement>('plan-area').value;
    const a = Number(raw);
    if (raw !== '' && Number.isFinite(a) && a > 0 && a <= MAX_PLAN_KM2) budget = { kind, km2: a };
    else problem = `area: a number of km² above 0 and at most ${MAX_PLAN_KM2}`;
  }
  const res = Number($<HTMLSelectElement>('plan-res').value);
  const next: PlanState = {
    ...old,
    budget,
    rankBy: $<HTMLSelectElement>('plan-rank-by').value as PlanState['rankBy'],
    res,
    // cells of another resolution cannot be left out, and areas are renumbered
    exclude: res === old.res ? old.exclude : [],
    area: null,
  };
  return { next, problem };
}

function showProblem(text: string | null) {
  const p = $('plan-problems');
  p.hidden = text === null;
  p.textContent = text ?? '';
}

function update(change: Partial<PlanState>) {
  const v = host.view();
  host.setView({ ...v, plan: { ...v.plan, ...change } });
  showPlanControls();
  void refreshPlan();
}

/** Builds the resolution choices and wires the panel's controls. */
export function initPlan(h: PlanHost) {
  host = h;
  $('plan-res').append(...PLAN_RES.map((r) => option(String(r), `res ${r} (${formatArea(CELL_AREA_KM2[r]!)})`)));
  const form = $<HTMLFormElement>('plan-form');
  form.addEventListener('submit', (e) => e.preventDefault());
  form.addEventListener('change', () => {
    const { next, problem } = readPlanControls();
    showProblem(problem);
    // a bad budget is named and nothing is sent until it is put right
    if (problem === null) update(next);
  });
  $('plan-preset-nte').addEventListener('click', () => host.setWindow(NIGHT_TIME_ECONOMY));
  $('plan-preset-any').addEventListener('click', () => host.setWindow(ANY_TIME));
  $('plan-matrix-measure').addEventListener('change', showProfile);
  $('plan-exclude-area').addEventListener('click', () => {
    const a = selectedArea();
    if (!a) return;
    const exclude = [...new Set([...host.view().plan.exclude, ...a.properties.cells])];
    update({ exclude, area: null });
  });
}

// ---------------------------------------------------------------- map

/** Shows or hides the plan on the map (the panel is open or not). */
export function setPlanVisible(visible: boolean) {
  const map = host.map();
  for (const id of PLAN_LAYERS) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
  for (const m of markers) m.getElement().hidden = !visible;
}

/** Clicking a patrol area selects it. */
export function wirePlanMap() {
  const map = host.map();
  map.on('click', 'plan-fill', (e: MapLayerMouseEvent) => {
    const rank = (e.features?.[0]?.properties as { area_rank?: number } | undefined)?.area_rank;
    if (typeof rank === 'number') selectArea(rank, false);
  });
  map.on('mouseenter', 'plan-fill', () => (map.getCanvas().style.cursor = 'pointer'));
  map.on('mouseleave', 'plan-fill', () => (map.getCanvas().style.cursor = ''));
}

function updateSelectionLayers() {
  const map = host.map();
  for (const id of ['plan-selected-casing', 'plan-selected']) if (map.getLayer(id)) map.setFilter(id, selectedFilter());
  for (const b of document.querySelectorAll<HTMLButtonElement>('#plan-areas button'))
    b.setAttribute('aria-current', String(Number(b.dataset.area) === host.view().plan.area));
  for (const [i, m] of markers.entries()) m.getElement().classList.toggle('selected', plan?.features[i]?.properties.area_rank === host.view().plan.area);
}

function areaBounds(f: PatrolAreaFeature): LngLatBounds {
  const b = new LngLatBounds();
  for (const poly of f.geometry.coordinates) for (const [lon, lat] of poly[0] ?? []) b.extend([lon, lat]);
  return b;
}

function selectedArea(): PatrolAreaFeature | undefined {
  const rank = host.view().plan.area;
  return plan?.features.find((f) => f.properties.area_rank === rank);
}

function selectArea(rank: number, fly: boolean) {
  const v = host.view();
  host.setView({ ...v, plan: { ...v.plan, area: rank } });
  updateSelectionLayers();
  showProfile();
  const f = selectedArea();
  if (fly && f) host.map().fitBounds(areaBounds(f), { padding: 80, maxZoom: 16, essential: true });
}

function drawMarkers() {
  for (const m of markers) m.remove();
  const visible = host.view().panel === 'plan';
  markers = (plan?.features ?? []).map((f) => {
    const el = document.createElement('div');
    el.className = 'plan-marker';
    el.textContent = String(f.properties.area_rank);
    el.setAttribute('aria-hidden', 'true');
    el.hidden = !visible;
    el.addEventListener('click', (e) => {
      e.stopPropagation();
      selectArea(f.properties.area_rank, true);
    });
    return new Marker({ element: el }).setLngLat(areaBounds(f).getCenter()).addTo(host.map());
  });
}

// ---------------------------------------------------------------- panel

function areaRow(f: PatrolAreaFeature): HTMLLIElement {
  const a = f.properties;
  const li = document.createElement('li');
  const b = document.createElement('button');
  b.type = 'button';
  b.dataset.area = String(a.area_rank);
  const rank = document.createElement('span');
  rank.className = 'rank';
  rank.textContent = String(a.area_rank);
  const main = document.createElement('span');
  main.className = 'main';
  main.textContent = describeArea(a);
  const sub = document.createElement('span');
  sub.className = 'sub';
  sub.textContent = `peaks: ${describePeaks(a)} · cumulative ${formatShare(a.cumulative_harm_share)}`;
  if (a.significant) {
    const hot = document.createElement('span');
    hot.className = 'hot';
    hot.textContent = ' · Gi* hot spot';
    sub.append(hot);
  }
  b.append(rank, main, sub);
  b.setAttribute('aria-label', `Patrol area ${a.area_rank}: ${main.textContent}; ${sub.textContent}. Show it and its week.`);
  b.addEventListener('click', () => selectArea(a.area_rank, true));
  li.append(b);
  return li;
}

function showSummary(p: PlanCollection) {
  const s = p.hexspot.plan;
  const c = s.concentration;
  const box = $('plan-summary');
  if (p.features.length === 0) {
    box.textContent = 'No cells to patrol: nothing matches these filters.';
    return;
  }
  const lead = document.createElement('p');
  lead.textContent =
    `${s.areas} patrol ${s.areas === 1 ? 'area' : 'areas'} of ${s.cells} cells, ${formatAreaM2(s.area_m2)} ` +
    `(${formatShare(s.share_of_region_area)} of the study region), hold ${formatShare(s.harm_share)} of the harm ` +
    `(${formatValue(s.count)} incidents).`;
  const conc = document.createElement('p');
  conc.className = 'hint';
  conc.textContent =
    `Half the harm lies in ${formatShare(c.share_of_cells_for_half_harm)} of the ${formatValue(c.cells)} cells ` +
    `(${formatValue(c.cells_for_half_harm)}); Gini ${c.gini.toFixed(2)}.` +
    (s.excluded_cells > 0 ? ` ${s.excluded_cells} cells left out by request.` : '');
  box.replaceChildren(lead, concentrationCurve(c.curve, s.share_of_region_area, s.harm_share), conc);
}

/** The concentration (Lorenz-type) curve, with the plan's own point marked. */
function concentrationCurve(curve: [number, number][], planX: number, planY: number): SVGSVGElement {
  const size = 80;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `-2 -2 ${size + 4} ${size + 4}`);
  svg.setAttribute('class', 'curve');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'Share of the harm against share of the cells, most harmful cells first');
  const el = (tag: string, attrs: Record<string, string>) => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    svg.append(e);
  };
  el('rect', { x: '0', y: '0', width: String(size), height: String(size), fill: '#fff', stroke: '#bbb' });
  el('path', { d: `M0,${size} L${size},0`, stroke: '#bbb', 'stroke-dasharray': '2 2', fill: 'none' });
  el('path', { d: curvePath(curve, size), stroke: PLAN_COLOUR, 'stroke-width': '1.5', fill: 'none' });
  el('circle', { cx: String(planX * size), cy: String(size - planY * size), r: '2.5', fill: '#000' });
  return svg;
}

function showProfile() {
  const box = $('plan-profile');
  const f = selectedArea();
  box.hidden = !f;
  if (!f) {
    void refreshAreaTrend(host.view(), [], '');
    return;
  }
  const a = f.properties;
  $('plan-profile-title').textContent = `Area ${a.area_rank}: ${describeArea(a)}`;
  void refreshAreaTrend(host.view(), a.cells, `patrol area ${a.area_rank}, ${a.cells.length} cells`);
  $('plan-profile-text').textContent = `Peak windows: ${describePeaks(a)}. Dose: ${a.dose.text}.`;
  const by = $<HTMLSelectElement>('plan-matrix-measure').value === 'count' ? 'count' : 'harm';
  const { max, rows } = heatMatrix(a.weekly_profile[by], a.peak_windows);
  const table = $<HTMLTableElement>('plan-matrix');
  const caption = document.createElement('caption');
  caption.textContent = `${by === 'harm' ? 'Harm' : 'Incidents'} by hour of the week (Monday first); peak windows outlined; darkest = ${formatValue(max)}`;
  const head = document.createElement('tr');
  head.append(document.createElement('th'));
  for (let h = 0; h < 24; h++) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = h % 6 === 0 ? String(h).padStart(2, '0') : '';
    th.setAttribute('aria-label', `${String(h).padStart(2, '0')}:00`);
    head.append(th);
  }
  const thead = document.createElement('thead');
  thead.append(head);
  const tbody = document.createElement('tbody');
  for (const row of rows) {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.scope = 'row';
    const day = DAYS[row[0]!.day]!;
    th.textContent = day[0]!.toUpperCase() + day.slice(1, 2);
    tr.append(th);
    for (const c of row) {
      const td = document.createElement('td');
      td.style.background = HEAT[c.level]!;
      if (c.peak) td.className = 'peak';
      td.title = `${day} ${String(c.hour).padStart(2, '0')}:00: ${formatValue(c.value)}${c.peak ? ' (peak window)' : ''}`;
      tr.append(td);
    }
    tbody.append(tr);
  }
  table.replaceChildren(caption, thead, tbody);
  const untimed = a.weekly_profile.untimed_count;
  $('plan-matrix-note').textContent =
    untimed > 0 ? `${formatValue(untimed)} of its ${formatValue(a.count)} incidents have no time of day and are not in the matrix.` : '';
}

function setDownloads() {
  const v = host.view();
  const b = v.plan.budget;
  const name = `hexspot-plan-${b.kind === 'cells' ? `${b.cells}cells` : `${b.km2}km2`}-res${v.plan.res}`;
  const set = (id: string, url: string, file: string) => {
    const a = $<HTMLAnchorElement>(id);
    a.href = url;
    a.download = file;
  };
  set('plan-download-geojson', `/api/v1/plan?${planParams(v).toString()}`, `${name}.geojson`);
  set('plan-download-csv', `/api/v1/plan?${planParams(v, { format: 'csv' }).toString()}`, `${name}.csv`);
  set('plan-download-png', `/api/v1/plan/briefing.png?${planParams(v).toString()}`, `${name}.png`);
}

/** Builds the plan for the current view (when the panel is open). */
export async function refreshPlan() {
  if (host.view().panel !== 'plan') return;
  abort?.abort();
  const ac = new AbortController();
  abort = ac;
  document.body.dataset.planLoading = 'true';
  $('plan-summary').textContent = 'Building the plan…';
  try {
    const p = await getPlan(planParams(host.view()), ac.signal);
    plan = p;
    void host.map().getSource<GeoJSONSource>('plan')?.setData(p);
    showSummary(p);
    $('plan-areas').replaceChildren(...p.features.map(areaRow));
    // a selection that no longer exists (the plan changed) is dropped
    if (host.view().plan.area !== null && !selectedArea()) host.setView({ ...host.view(), plan: { ...host.view().plan, area: null } });
    drawMarkers();
    updateSelectionLayers();
    showProfile();
    setDownloads();
    version += 1;
    document.body.dataset.planVersion = String(version);
  } catch (e) {
    if (ac.signal.aborted) return;
    $('plan-summary').textContent = e instanceof ApiError ? `The server said: ${e.message}` : `Cannot reach the server: ${String(e)}`;
  } finally {
    if (abort === ac) document.body.dataset.planLoading = 'false';
  }
}

/** The plan as the page holds it (for tests). */
export const currentPlan = () => plan;
