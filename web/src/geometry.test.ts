import { describe, expect, it } from 'vitest';

import { clusterExtent, distanceKm, extent, ringCentre } from './geometry';

/** A closed square ring centred on (lon, lat) with half-side d degrees. */
const square = (lon: number, lat: number, d = 0.001): [number, number][] => [
  [lon - d, lat - d],
  [lon + d, lat - d],
  [lon + d, lat + d],
  [lon - d, lat + d],
  [lon - d, lat - d],
];

/** Element-wise equality to 1e-9 (coordinates are sums of decimals). */
function expectClose(got: number[] | null, want: number[]) {
  expect(got).not.toBeNull();
  expect(got!.length).toBe(want.length);
  got!.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 9));
}

describe('geometry', () => {
  it('centres a closed ring on the mean of its distinct vertices', () => {
    // the closing vertex is not counted twice
    expect(ringCentre(square(-1.5, 53.8))).toEqual([-1.5, 53.8]);
    expect(ringCentre([[0, 0], [2, 0], [2, 2], [0, 2]])).toEqual([1, 1]);
  });

  it('measures great-circle distances', () => {
    // one degree of latitude is 111.2 km on the mean sphere (2π·6371.0088/360)
    expect(distanceKm([-1.5, 53], [-1.5, 54])).toBeCloseTo(111.195, 2);
    // Leeds to Sheffield, about 48 km
    expect(distanceKm([-1.5491, 53.8008], [-1.4701, 53.3811])).toBeGreaterThan(46);
    expect(distanceKm([-1.5491, 53.8008], [-1.4701, 53.3811])).toBeLessThan(48);
  });

  it('takes the extent of rings, or null for none', () => {
    expectClose(extent([square(0, 0), square(1, 2)]), [-0.001, -0.001, 1.001, 2.001]);
    expect(extent([])).toBeNull();
  });

  it('frames the top cell and its neighbours within the radius, not far-off cells', () => {
    const leeds = square(-1.55, 53.8);
    const nearby = square(-1.5, 53.82); // about 4 km away
    const sheffield = square(-1.47, 53.38); // about 47 km away
    expectClose(clusterExtent([leeds, sheffield, nearby]), [-1.551, 53.799, -1.499, 53.821]);
    expect(clusterExtent([])).toBeNull();
    // the top cell alone still frames something
    expectClose(clusterExtent([sheffield, leeds]), [-1.471, 53.379, -1.469, 53.381]);
  });
});
