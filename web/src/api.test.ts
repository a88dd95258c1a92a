import { describe, expect, it } from 'vitest';
import { firstCsvValue } from './api';

describe('firstCsvValue', () => {
  const head = 'rank,cell,density_km2,lon,lat,res,bandwidth_m,measure,crime_types';
  it("reads the first row's value of a column (the kde CSV: largest density first)", () => {
    expect(firstCsvValue(`${head}\n1,89195cb665bffff,4201.011757707875,-1.131069,52.634083,9,400,count,Violence and sexual offences\n2,89`, 'density_km2')).toBe(
      4201.011757707875,
    );
    expect(firstCsvValue(`${head}\r\n1,89195cb665bffff,12.5,-1.1,52.6,9,400,count,"a, b"\r\n`, 'density_km2')).toBe(12.5);
  });

  it('null when there is no row, an error when there is no such column', () => {
    expect(firstCsvValue(`${head}\n`, 'density_km2')).toBeNull();
    expect(firstCsvValue('', 'density_km2')).toBeNull();
    expect(() => firstCsvValue(`${head}\n1,a,2`, 'count')).toThrow(/no column count/);
  });
});
