/**
 * The geometry of a model's market chart (GET /api/market): each listing a dot of its total
 * price (y) against its year (x), the estimated curve (the median market price of each year)
 * and the middle half of each year's prices (p25–p75) as a band. Pure: the component draws it.
 */
import type { MarketStats } from "./api";

/** The chart's box in SVG user units (the canvas matches it, times the device's pixel ratio). */
export const BOX = { width: 520, height: 290, left: 76, right: 12, top: 22, bottom: 40 } as const;

// Each year's dots spread over ±SPREAD years so a year is a column, not one line; the band and
// the curve reach as far past the first and last year.
const SPREAD = 0.3;
const REACH = 0.4;

/** A linear map of [d0, d1] onto [r0, r1]; an empty domain maps to the middle of the range. */
export function linear(d0: number, d1: number, r0: number, r1: number): (value: number) => number {
  if (d0 === d1) return () => (r0 + r1) / 2;
  const k = (r1 - r0) / (d1 - d0);
  return (value) => r0 + (value - d0) * k;
}

/**
 * Round ticks covering [lo, hi] (widened to them): about `count` steps of 1, 2 or 5 × 10ⁿ.
 * [1,180,000, 4,020,000] → 1,000,000 … 5,000,000 by 1,000,000. A single value gets a tick either
 * side.
 */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / count || Math.abs(hi) / count || 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  let first = Math.floor(lo / step) * step;
  let last = Math.ceil(hi / step) * step;
  if (first === last) {
    first -= step;
    last += step;
  }
  const ticks: number[] = [];
  // Multiplied, not summed, so the steps do not drift.
  for (let i = 0; first + i * step <= last + step / 2; i++) ticks.push(first + i * step);
  return ticks;
}

/** The years to label from `min` to `max`: each, or every 2nd, 5th, 10th… when there are many. */
export function yearTicks(min: number, max: number): number[] {
  const step = [1, 2, 5, 10, 20, 50].find((s) => (max - min) / s <= 8) ?? 100;
  const ticks: number[] = [];
  for (let year = Math.ceil(min / step) * step; year <= max; year += step) ticks.push(year);
  return ticks.length ? ticks : [min];
}

/** A listing's offset from its year, in years: spread over ±SPREAD, the same every time. */
export function jitter(id: number): number {
  const hash = Math.imul(id ^ (id >>> 16), 0x45d9f3b) >>> 0; // Knuth-style integer mixing
  return ((hash % 1000) / 999 - 0.5) * 2 * SPREAD;
}

export interface Dot {
  id: number;
  x: number;
  y: number;
  /** Index into the API's points, for the tooltip. */
  index: number;
}

export interface Layout {
  x: (year: number) => number;
  y: (yen: number) => number;
  /** Years labelled on the x axis. */
  years: number[];
  /** Prices (yen) labelled on the y axis; the first and last are its ends. */
  prices: number[];
  dots: Dot[];
  /** Where the car's own dot is (where its listing's dot is, if it is one), if it is priced. */
  car: { x: number; y: number } | null;
  /** The p25–p75 area, an SVG path ("" with no year). */
  band: string;
  /** The estimated curve, an SVG path broken where a year has no estimate ("" with none). */
  curve: string;
}

/** The car the chart is drawn for: where its dot is, when it has a year and a total price. */
export interface Subject {
  id: number;
  year: number | null;
  total_price_jpy: number | null;
}

/** Where everything goes, for `stats` and the car they are drawn for. */
export function layout(stats: MarketStats, car: Subject): Layout {
  const priced = car.year !== null && car.total_price_jpy !== null;
  const own = priced ? [{ id: car.id, year: car.year as number, total_price_jpy: car.total_price_jpy as number }] : [];
  const years = [...stats.points, ...stats.by_year, ...own].map((p) => p.year);
  const prices = [
    ...stats.points.map((p) => p.total_price_jpy),
    ...stats.by_year.flatMap((y) => [y.p25_jpy, y.p75_jpy, ...(y.market_median_jpy === null ? [] : [y.market_median_jpy])]),
    ...own.map((c) => c.total_price_jpy),
  ];
  if (years.length === 0) {
    return { x: () => 0, y: () => 0, years: [], prices: [], dots: [], car: null, band: "", curve: "" };
  }
  const minYear = Math.min(...years);
  const maxYear = Math.max(...years);
  const priceTicks = niceTicks(Math.min(...prices), Math.max(...prices), 6);
  const x = linear(minYear - 0.5, maxYear + 0.5, BOX.left, BOX.width - BOX.right);
  const y = linear(priceTicks[0], priceTicks[priceTicks.length - 1], BOX.height - BOX.bottom, BOX.top);
  const point = (year: number, yen: number) => `${x(year).toFixed(1)},${y(yen).toFixed(1)}`;

  const rows = [...stats.by_year].sort((a, b) => a.year - b.year);
  let band = "";
  if (rows.length > 0) {
    const first = rows[0];
    const last = rows[rows.length - 1];
    const top = [point(first.year - REACH, first.p75_jpy), ...rows.map((r) => point(r.year, r.p75_jpy))];
    top.push(point(last.year + REACH, last.p75_jpy), point(last.year + REACH, last.p25_jpy));
    const bottom = rows.map((r) => point(r.year, r.p25_jpy)).reverse();
    band = `M${[...top, ...bottom, point(first.year - REACH, first.p25_jpy)].join("L")}Z`;
  }

  // Runs of consecutive estimated years; a year without one breaks the line.
  const runs: { year: number; yen: number }[][] = [];
  let run: { year: number; yen: number }[] = [];
  for (const row of rows) {
    if (row.market_median_jpy === null) {
      if (run.length) runs.push(run);
      run = [];
    } else run.push({ year: row.year, yen: row.market_median_jpy });
  }
  if (run.length) runs.push(run);
  const curve = runs
    .map((r) => {
      const ends = [
        { year: r[0].year - REACH, yen: r[0].yen },
        ...r,
        { year: r[r.length - 1].year + REACH, yen: r[r.length - 1].yen },
      ];
      return `M${ends.map((p) => point(p.year, p.yen)).join("L")}`;
    })
    .join("");

  const place = (p: { id: number; year: number; total_price_jpy: number }) => ({
    x: x(p.year + jitter(p.id)),
    y: y(p.total_price_jpy),
  });
  const dots = stats.points.map((p, index) => ({ id: p.id, index, ...place(p) }));
  return { x, y, years: yearTicks(minYear, maxYear), prices: priceTicks, dots, car: own.length ? place(own[0]) : null, band, curve };
}

/** The dot nearest (x, y) within `radius`, or null: what the pointer is on. */
export function nearest(dots: readonly Dot[], x: number, y: number, radius: number): Dot | null {
  let best: Dot | null = null;
  let bestDistance = radius * radius;
  for (const dot of dots) {
    const distance = (dot.x - x) ** 2 + (dot.y - y) ** 2;
    if (distance <= bestDistance) {
      best = dot;
      bestDistance = distance;
    }
  }
  return best;
}
