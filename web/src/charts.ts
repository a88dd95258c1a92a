// Small SVG charts shared by the views: monthly bars with gap months hatched (an area's
// profile, a cell's trend) and a cell's slice bars marked hot and cold (the Trends view).

import type { ComparisonMeta } from './api';
import { barPath, describeMonthly, gapPath, monthlyBars } from './areaview';
import type { SliceBar } from './trendsview';

const NS = 'http://www.w3.org/2000/svg';

function svgRoot(width: number, height: number, label: string): SVGSVGElement {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('class', 'bars');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('preserveAspectRatio', 'none');
  return svg;
}

/**
 * Monthly bars (`count: null` months hatched as gaps, not zeros) in `width` × `height`;
 * bars are classed by period (`current`, `previous`, `other`). `hatchId` names the
 * hatching pattern, unique on the page. Returns the SVG, the tallest bar's value and
 * whether there were gaps.
 */
export function monthlySvg(
  monthly: { month: string; count: number | null }[],
  width: number,
  height: number,
  periods: ComparisonMeta['periods'] | null,
  hatchId: string,
): { svg: SVGSVGElement; max: number; gaps: boolean } {
  const { max, bars } = monthlyBars(monthly, width, height, periods);
  const svg = svgRoot(width, height, describeMonthly(monthly));
  const gaps = gapPath(bars, height);
  if (gaps !== '') {
    // hatching: a diagonal line every 4 px
    const pattern = document.createElementNS(NS, 'pattern');
    pattern.setAttribute('id', hatchId);
    pattern.setAttribute('patternUnits', 'userSpaceOnUse');
    pattern.setAttribute('width', '4');
    pattern.setAttribute('height', '4');
    const line = document.createElementNS(NS, 'path');
    line.setAttribute('d', 'M0,4L4,0');
    pattern.append(line);
    const defs = document.createElementNS(NS, 'defs');
    defs.append(pattern);
    svg.append(defs);
    const path = document.createElementNS(NS, 'path');
    path.setAttribute('d', gaps);
    path.setAttribute('class', 'gap');
    path.setAttribute('fill', `url(#${hatchId})`);
    svg.append(path);
  }
  for (const period of ['other', 'previous', 'current'] as const) {
    const d = barPath(bars.filter((b) => b.period === period));
    if (d === '') continue;
    const path = document.createElementNS(NS, 'path');
    path.setAttribute('d', d);
    path.setAttribute('class', period);
    svg.append(path);
  }
  return { svg, max, gaps: gaps !== '' };
}

/** A cell's slice bars, one `rect.bar` a slice classed `hot`, `cold` or `none`, each with its label as a tooltip. */
export function sliceSvg(bars: SliceBar[], width: number, height: number, label: string): SVGSVGElement {
  const svg = svgRoot(width, height, label);
  for (const b of bars) {
    const r = document.createElementNS(NS, 'rect');
    r.setAttribute('class', `bar ${b.state}`);
    r.setAttribute('x', b.x.toFixed(1));
    // an empty slice still shows a sliver, so hot and cold empty slices are seen
    const h = Math.max(b.height, 1.5);
    r.setAttribute('y', (height - h).toFixed(1));
    r.setAttribute('width', b.width.toFixed(1));
    r.setAttribute('height', h.toFixed(1));
    const title = document.createElementNS(NS, 'title');
    title.textContent = b.label;
    r.append(title);
    svg.append(r);
  }
  return svg;
}
