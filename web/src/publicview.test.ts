import { describe, expect, it } from 'vitest';

import { VIRIDIS } from './palette';
import { COUNT_BREAKS, ZERO, countColour, countedFilter, describeFilters, legendRows, monthName, parseMeta, suppressedFilter } from './publicview';

const meta = {
  rule: 'counts of 1 to 9 incidents are suppressed',
  totals: 'none',
  resolution: 8,
  months: ['2018-10', '2018-11'],
  period: { from: '2018-10', to: '2018-11' },
  licence: 'Open Government Licence v3.0',
  made_at: '2026-12-02T01:00:00Z',
  filters: { crime_types: [], offences: [] },
  study_region: { rule: 'occupied', cells: 12, bounds: [-1, 52, 0, 53] },
};

describe('the public page', () => {
  it('reads the metadata and refuses what is not a publication', () => {
    expect(parseMeta(meta).months).toEqual(['2018-10', '2018-11']);
    expect(() => parseMeta({ ...meta, resolution: 10 })).toThrow(/resolution/);
    expect(() => parseMeta({ ...meta, months: [] })).toThrow(/months/);
    expect(() => parseMeta(null)).toThrow(/document/);
    expect(parseMeta({ ...meta, study_region: { ...meta.study_region, bounds: null } }).study_region.bounds).toBeNull();
  });

  it('colours zero apart from the classes, which start at 10', () => {
    const e = countColour();
    expect(e.slice(0, 5)).toEqual(['step', ['get', 'count'], ZERO, 10, VIRIDIS[0]]);
    expect(e.length).toBe(5 + 2 * (COUNT_BREAKS.length - 1));
  });

  it('states the rule in the legend, classes in published steps of 5', () => {
    const rows = legendRows();
    expect(rows[0]).toEqual({ colour: ZERO, label: '0' });
    expect(rows[1]!.label).toBe('10');
    expect(rows[2]!.label).toBe('15');
    expect(rows[3]!.label).toBe('20–25');
    expect(rows.at(-2)!.label).toBe('100 or more');
    expect(rows.at(-1)).toEqual({ colour: 'hatch', label: '1–9: suppressed' });
  });

  it('filters one month, counted and suppressed apart', () => {
    expect(countedFilter('2018-10')).toEqual(['all', ['==', ['get', 'month'], '2018-10'], ['==', ['get', 'suppressed'], false]]);
    expect(suppressedFilter('2018-11')[2]).toEqual(['==', ['get', 'suppressed'], true]);
  });

  it('names months and filters', () => {
    expect(monthName('2018-10')).toBe('October 2018');
    expect(() => monthName('2018-13')).toThrow();
    expect(describeFilters(parseMeta(meta))).toBe('all recorded crime');
    expect(describeFilters(parseMeta({ ...meta, filters: { crime_types: ['Robbery'], offences: [] } }))).toBe('Robbery');
  });
});
