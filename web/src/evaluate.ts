// The "Evaluate" view: would the plan have worked, and did it? A backtest of the ways
// of ranking cells (methods, months of history, folds, budget) with its hit-rate and
// PAI curves, its per-method table and the plain-words recommendation; then the
// current plan's cells evaluated before and after (WDD with its interval). The
// filters are the map's own; the cells are at the plan's resolution.

import { ApiError, type Backtest, type Evaluation, backtestUrl, evaluateUrl, getBacktest, getEvaluation, getPlan } from './api';
import { $, el } from './dom';
import { type CurveKind, areaRows, curveChart, describeFolds, describeWdd, methodLabel, methodRows } from './evaluateview';
import {
  type EvaluateState,
  type MonthRange,
  type ViewState,
  MAX_EVAL_CELLS,
  MAX_FOLDS,
  MAX_TRAIN_MONTHS,
  METHODS,
  backtestParams,
  evaluateParams,
  evaluatePeriods,
  planParams,
} from './state';
import type { Meta } from './api';

/** What the view needs from the page. */
export interface EvaluateHost {
  view(): ViewState;
  /** Replaces the view and writes the URL; refreshes nothing. */
  setView(v: ViewState): void;
  meta(): Meta;
}

let host: EvaluateHost;
let backtest: Backtest | null = null;
let evaluation: Evaluation | null = null;
let abortBacktest: AbortController | null = null;
let abortEvaluation: AbortController | null = null;
let backtestVersion = 0;
let evaluationVersion = 0;

const NS = 'http://www.w3.org/2000/svg';
const CHART_W = 320;
const CHART_H = 180;

const evaluate = () => host.view().evaluate;

function setEvaluate(change: Partial<EvaluateState>) {
  const v = host.view();
  host.setView({ ...v, evaluate: { ...v.evaluate, ...change } });
}

const message = (e: unknown) => (e instanceof ApiError ? `The server said: ${e.message}` : `Cannot reach the server: ${String(e)}`);

// ---------------------------------------------------------------- controls

function showControls() {
  const e = evaluate();
  for (const m of METHODS) $<HTMLInputElement>(`eval-method-${m}`).checked = e.methods.includes(m);
  $<HTMLInputElement>('eval-train').value = String(e.trainMonths);
  $<HTMLInputElement>('eval-folds').value = String(e.folds);
  $<HTMLInputElement>('eval-cells').value = String(e.cells);
  const p = evaluatePeriods(host.view(), host.meta().last_month);
  for (const [id, v] of [
    ['eval-before-from', p?.before.from],
    ['eval-before-to', p?.before.to],
    ['eval-after-from', p?.after.from],
    ['eval-after-to', p?.after.to],
  ] as const) {
    $<HTMLInputElement>(id).value = v ?? '';
  }
}

function wholeNumber(id: string, max: number): number | null {
  const n = Number($<HTMLInputElement>(id).value);
  return Number.isInteger(n) && n >= 1 && n <= max ? n : null;
}

function readBacktestControls(): boolean {
  const methods = METHODS.filter((m) => $<HTMLInputElement>(`eval-method-${m}`).checked);
  const train = wholeNumber('eval-train', MAX_TRAIN_MONTHS);
  const folds = wholeNumber('eval-folds', MAX_FOLDS);
  const cells = wholeNumber('eval-cells', MAX_EVAL_CELLS);
  if (methods.length === 0 || train === null || folds === null || cells === null) {
    showProblem(
      'eval-problems',
      methods.length === 0 ? 'Choose at least one method.' : `Months of history (1–${MAX_TRAIN_MONTHS}), folds (1–${MAX_FOLDS}) and cells (1–${MAX_EVAL_CELLS}) are whole numbers.`,
    );
    return false;
  }
  setEvaluate({ methods, trainMonths: train, folds, cells });
  return true;
}

function readPeriodControls(): boolean {
  const v = (id: string) => $<HTMLInputElement>(id).value;
  const range = (from: string, to: string): MonthRange | null => (from !== '' && to !== '' && from <= to ? { from, to } : null);
  const before = range(v('eval-before-from'), v('eval-before-to'));
  const after = range(v('eval-after-from'), v('eval-after-to'));
  if (!before || !after || before.to >= after.from) {
    showProblem('eval-wdd-problems', 'Give both periods as months, the before period ending before the after period starts.');
    return false;
  }
  setEvaluate({ before, after });
  return true;
}

function showProblem(id: string, text: string | null) {
  const p = $(id);
  p.hidden = text === null;
  p.textContent = text ?? '';
}

export function initEvaluate(h: EvaluateHost) {
  host = h;
  $<HTMLFormElement>('eval-form').addEventListener('submit', (e) => e.preventDefault());
  $<HTMLFormElement>('eval-form').addEventListener('change', () => {
    if (readBacktestControls()) void refreshBacktest();
  });
  $<HTMLFormElement>('eval-wdd-form').addEventListener('submit', (e) => e.preventDefault());
  $<HTMLFormElement>('eval-wdd-form').addEventListener('change', () => {
    if (readPeriodControls()) void refreshEvaluation();
  });
  showControls();
}

// ---------------------------------------------------------------- the backtest

function svg(tag: string, attrs: Record<string, string>, text?: string): SVGElement {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A curve chart: the methods' lines over axes labelled with their tops. */
function curveSvg(b: Backtest, kind: CurveKind): SVGSVGElement {
  const pad = { left: 36, bottom: 28, top: 8, right: 8 };
  const chart = curveChart(b.means, kind, CHART_W, CHART_H);
  const root = svg('svg', {
    viewBox: `0 0 ${CHART_W + pad.left + pad.right} ${CHART_H + pad.top + pad.bottom}`,
    class: 'curves',
    role: 'img',
    'aria-label': `${kind === 'hit_rate' ? 'Hit rate' : 'PAI'} against the share of the area, one line per method`,
  }) as SVGSVGElement;
  const g = svg('g', { transform: `translate(${pad.left},${pad.top})` });
  g.append(svg('path', { d: `M0,0V${CHART_H}H${CHART_W}`, class: 'axis' }));
  const yTop = kind === 'hit_rate' ? `${chart.yMax} %` : String(chart.yMax);
  g.append(svg('text', { x: '-4', y: '10', 'text-anchor': 'end', class: 'tick' }, yTop));
  g.append(svg('text', { x: '-4', y: String(CHART_H), 'text-anchor': 'end', class: 'tick' }, '0'));
  g.append(svg('text', { x: String(CHART_W), y: String(CHART_H + 14), 'text-anchor': 'end', class: 'tick' }, `${chart.xMax} %`));
  g.append(svg('text', { x: String(CHART_W / 2), y: String(CHART_H + 26), 'text-anchor': 'middle', class: 'axis-label' }, 'share of the area'));
  for (const line of chart.lines) {
    const path = svg('path', { d: line.d, class: 'curve', stroke: line.colour, 'data-method': line.method });
    path.append(svg('title', {}, methodLabel(line.method)));
    g.append(path);
  }
  root.append(g);
  return root;
}

function showBacktest(b: Backtest) {
  $('eval-recommendation').textContent = b.recommendation ?? 'No method has a PAI on these folds (no test incidents): nothing to recommend.';
  $('eval-folds-text').textContent = describeFolds(b);
  $('eval-hit-chart').replaceChildren(curveSvg(b, 'hit_rate'));
  $('eval-pai-chart').replaceChildren(curveSvg(b, 'pai'));
  const legend = $('eval-legend');
  legend.replaceChildren(
    ...curveChart(b.means, 'pai', 1, 1).lines.map((l) => {
      const swatch = el('span', { className: 'swatch' });
      swatch.style.background = l.colour;
      return el('li', {}, swatch, methodLabel(l.method));
    }),
  );
  $('eval-table-body').replaceChildren(
    ...methodRows(b).map((r) => {
      const tr = el('tr');
      tr.dataset.method = r.method;
      for (const v of [r.label, r.hitRate, r.areaShare, r.pai, r.pei, r.harm, r.ties]) tr.append(el('td', { text: v }));
      return tr;
    }),
  );
  $('eval-table').hidden = false;
  $('eval-caveats').replaceChildren(...b.caveats.map((c) => el('li', { text: c })));
}

function withFormat(params: URLSearchParams, format: string): URLSearchParams {
  const q = new URLSearchParams(params);
  q.set('format', format);
  return q;
}

function setBacktestDownloads(params: URLSearchParams | null) {
  for (const [id, url, name] of [
    ['eval-download-json', params && backtestUrl(params), 'hexspot-backtest.json'],
    ['eval-download-csv', params && backtestUrl(withFormat(params, 'csv')), 'hexspot-backtest.csv'],
    ['eval-download-png', params && `/api/v1/backtest/curves.png?${params.toString()}`, 'hexspot-backtest-curves.png'],
  ] as const) {
    const a = $<HTMLAnchorElement>(id);
    a.hidden = url === null;
    if (url !== null) {
      a.href = url;
      a.download = name;
    }
  }
}

async function refreshBacktest() {
  abortBacktest?.abort();
  const ac = new AbortController();
  abortBacktest = ac;
  document.body.dataset.backtestLoading = 'true';
  $('eval-recommendation').textContent = 'Running the backtest…';
  const params = backtestParams(host.view());
  try {
    backtest = await getBacktest(params, ac.signal);
    showProblem('eval-problems', null);
    showBacktest(backtest);
    setBacktestDownloads(params);
    backtestVersion += 1;
    document.body.dataset.backtestVersion = String(backtestVersion);
  } catch (e) {
    if (ac.signal.aborted) return;
    backtest = null;
    $('eval-recommendation').textContent = '';
    $('eval-table').hidden = true;
    $('eval-hit-chart').replaceChildren();
    $('eval-pai-chart').replaceChildren();
    setBacktestDownloads(null);
    showProblem('eval-problems', message(e));
  } finally {
    if (abortBacktest === ac) document.body.dataset.backtestLoading = 'false';
  }
}

// ---------------------------------------------------------------- before and after

function showEvaluation(e: Evaluation) {
  $('eval-ba-body').replaceChildren(
    ...areaRows(e).map((r) => {
      const tr = el('tr');
      tr.dataset.area = r.area;
      for (const v of [r.label, String(r.cells), String(r.before), String(r.after), r.change]) tr.append(el('td', { text: v }));
      return tr;
    }),
  );
  $('eval-ba').hidden = false;
  const w = describeWdd(e.hexspot.test);
  $('eval-wdd').textContent = `${w.estimate}; ${w.interval}. ${w.verdict}`;
}

async function refreshEvaluation() {
  abortEvaluation?.abort();
  const ac = new AbortController();
  abortEvaluation = ac;
  document.body.dataset.evaluationLoading = 'true';
  $('eval-wdd').textContent = 'Counting before and after…';
  const v = host.view();
  const periods = evaluatePeriods(v, host.meta().last_month);
  try {
    if (!periods) throw new Error('the data hold no months: import some first');
    // the treated area: the cells of the plan the Plan view shows for this view
    const plan = await getPlan(planParams(v), ac.signal);
    const cells = plan.features.flatMap((f) => f.properties.cells);
    $('eval-plan-text').textContent = `The treated area: the ${cells.length} cells of the current patrol plan (Plan tab: ${v.plan.budget.kind === 'cells' ? `${v.plan.budget.cells} cells` : `${v.plan.budget.km2} km²`} by ${v.plan.rankBy}, res ${v.plan.res}).`;
    if (cells.length === 0) throw new Error('the plan holds no cells: nothing to evaluate');
    const params = evaluateParams(v, cells, periods);
    evaluation = await getEvaluation(params, ac.signal);
    showProblem('eval-wdd-problems', null);
    showEvaluation(evaluation);
    const a = $<HTMLAnchorElement>('eval-download-evaluation');
    a.href = evaluateUrl(params);
    a.download = 'hexspot-evaluate.geojson';
    a.hidden = false;
    evaluationVersion += 1;
    document.body.dataset.evaluationVersion = String(evaluationVersion);
  } catch (e) {
    if (ac.signal.aborted) return;
    evaluation = null;
    $('eval-wdd').textContent = '';
    $('eval-ba').hidden = true;
    $<HTMLAnchorElement>('eval-download-evaluation').hidden = true;
    showProblem('eval-wdd-problems', message(e));
  } finally {
    if (abortEvaluation === ac) document.body.dataset.evaluationLoading = 'false';
  }
}

/** Runs the backtest and the evaluation for the current view (when the view is open). */
export async function refreshEvaluate() {
  if (host.view().panel !== 'evaluate') return;
  showControls();
  await Promise.all([refreshBacktest(), refreshEvaluation()]);
}

/** The answers shown (for tests). */
export const currentBacktest = () => backtest;
export const currentEvaluation = () => evaluation;
