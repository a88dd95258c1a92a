// The public page: only the published product — its vector tiles coloured by count,
// suppressed cells hatched, one month at a time — and the rule, licence and time it
// was made, as the publication states them. It asks nothing of the analyst API.

import 'maplibre-gl/dist/maplibre-gl.css';
import './style.css';

import { AttributionControl, Map as MapLibre, NavigationControl, ScaleControl, setWorkerUrl } from 'maplibre-gl';
import type { FilterSpecification, LayerSpecification, StyleSpecification } from '@maplibre/maplibre-gl-style-spec';

import { $, option } from './dom';
import { SUPPRESSED, countColour, countedFilter, describeFilters, legendRows, monthName, parseMeta, suppressedFilter, type PublicMeta } from './publicview';

setWorkerUrl(new URL('maplibre-gl-worker.mjs', import.meta.url).href);

const HATCH = 'suppressed-hatch';

/** Diagonal grey lines on light grey, 8 × 8 pixels, for suppressed cells. */
function hatch(): ImageData {
  const n = 8;
  const data = new Uint8ClampedArray(n * n * 4);
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      const line = (x + y) % n < 2;
      const v = line ? 110 : 222;
      data.set([v, v, v, 255], (y * n + x) * 4);
    }
  return new ImageData(data, n, n);
}

function layers(month: string): LayerSpecification[] {
  return [
    { id: 'background', type: 'background', paint: { 'background-color': '#f7f6f2' } },
    {
      id: 'counted',
      type: 'fill',
      source: 'published',
      'source-layer': 'cells',
      filter: countedFilter(month) as FilterSpecification,
      paint: { 'fill-color': countColour() as never, 'fill-opacity': 0.85, 'fill-outline-color': '#ffffff' },
    },
    {
      id: 'suppressed',
      type: 'fill',
      source: 'published',
      'source-layer': 'cells',
      filter: suppressedFilter(month) as FilterSpecification,
      paint: { 'fill-color': SUPPRESSED, 'fill-pattern': HATCH, 'fill-opacity': 0.85 },
    },
  ];
}

function style(meta: PublicMeta, month: string): StyleSpecification {
  return {
    version: 8,
    sources: {
      published: {
        type: 'vector',
        tiles: [`${location.origin}/public/v1/tiles/{z}/{x}/{y}`],
        minzoom: 6,
        maxzoom: 14,
        attribution: meta.licence,
      },
    },
    layers: layers(month),
  };
}

function showLegend() {
  const ul = $('legend');
  ul.replaceChildren(
    ...legendRows().map((r) => {
      const li = document.createElement('li');
      const sw = document.createElement('span');
      sw.className = r.colour === 'hatch' ? 'swatch hatch' : 'swatch';
      if (r.colour !== 'hatch') sw.style.background = r.colour;
      li.append(sw, ` ${r.label}`);
      return li;
    }),
  );
}

async function start() {
  const res = await fetch('/public/v1/publication.json');
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { message?: string };
    $('summary').textContent = body.message ?? `The publication could not be loaded (${res.status}).`;
    return;
  }
  const meta = parseMeta(await res.json());
  const select = $<HTMLSelectElement>('month');
  for (const m of meta.months) select.append(option(m, monthName(m)));
  const first = meta.months[meta.months.length - 1]!;
  select.value = first;
  $('summary').textContent =
    `${describeFilters(meta)}, ${monthName(meta.period.from)} to ${monthName(meta.period.to)}, ` +
    `per H3 resolution-${meta.resolution} cell and month`;
  $('rule').textContent = `Rule: ${meta.rule}. Totals: ${meta.totals}.`;
  $('region').textContent = `Cells: ${meta.study_region.rule} (${meta.study_region.cells} cells).`;
  $('made').textContent = `Made ${meta.made_at}.`;
  $('licence').textContent = meta.licence;
  showLegend();
  const b = meta.study_region.bounds;
  const map = new MapLibre({
    container: 'map',
    style: style(meta, first),
    ...(b ? { bounds: [b[0], b[1], b[2], b[3]] as [number, number, number, number], fitBoundsOptions: { padding: 20 } } : { center: [-1.5491, 53.8008] as [number, number], zoom: 9 }),
    attributionControl: false,
    dragRotate: false,
    maxPitch: 0,
  });
  map.addImage(HATCH, hatch());
  map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-right');
  map.addControl(new AttributionControl({ compact: false }), 'bottom-right');
  select.addEventListener('change', () => {
    map.setFilter('counted', countedFilter(select.value) as FilterSpecification);
    map.setFilter('suppressed', suppressedFilter(select.value) as FilterSpecification);
  });
  map.on('error', (e) => {
    const n = $('notice');
    n.hidden = false;
    n.textContent = `The map could not load: ${e.error?.message ?? 'unknown error'}`;
  });
}

void start();
