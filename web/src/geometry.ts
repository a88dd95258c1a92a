// Small geometry for placing the map: cell centres, extents and the first view.

type Ring = [number, number][];

/** The centre of a cell's hexagon: the mean of its distinct vertices. */
export function ringCentre(ring: Ring): [number, number] {
  const pts = ring.length > 1 && ring[0]![0] === ring.at(-1)![0] && ring[0]![1] === ring.at(-1)![1] ? ring.slice(0, -1) : ring;
  let x = 0;
  let y = 0;
  for (const [lon, lat] of pts) {
    x += lon;
    y += lat;
  }
  return [x / pts.length, y / pts.length];
}

/** Great-circle distance in kilometres. */
export function distanceKm(a: [number, number], b: [number, number]): number {
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLon = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.sqrt(h));
}

/** `[west, south, east, north]` of the rings, or null for none. */
export function extent(rings: Ring[]): [number, number, number, number] | null {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (const ring of rings)
    for (const [lon, lat] of ring) {
      w = Math.min(w, lon);
      s = Math.min(s, lat);
      e = Math.max(e, lon);
      n = Math.max(n, lat);
    }
  return w <= e ? [w, s, e, n] : null;
}

/**
 * The first view when the URL names none: the top-ranked cell and the other listed
 * cells within `radiusKm` of it — the main hotspot cluster — rather than the whole
 * data extent, which for a force is too far out to read cells. Null for no cells.
 */
export function clusterExtent(rings: Ring[], radiusKm = 12): [number, number, number, number] | null {
  const first = rings[0];
  if (first === undefined) return null;
  const anchor = ringCentre(first);
  return extent(rings.filter((r) => distanceKm(anchor, ringCentre(r)) <= radiusKm));
}
