import { describe, expect, it } from "vitest";
import type { MarketStats } from "./api";
import { BOX, jitter, layout, linear, nearest, niceTicks, yearTicks } from "./marketChart";

function stats(changes: Partial<MarketStats> = {}): MarketStats {
  return {
    make: "Toyota",
    model: "Prius",
    model_ja: "プリウス",
    count: 3,
    median_jpy: 1_500_000,
    p25_jpy: 1_200_000,
    p75_jpy: 1_800_000,
    median_days_on_market: 20,
    by_year: [
      { year: 2016, count: 1, median_jpy: 1_000_000, p25_jpy: 900_000, p75_jpy: 1_100_000, market_median_jpy: 1_050_000 },
      { year: 2018, count: 1, median_jpy: 1_500_000, p25_jpy: 1_400_000, p75_jpy: 1_600_000, market_median_jpy: null },
      { year: 2019, count: 1, median_jpy: 2_000_000, p25_jpy: 1_900_000, p75_jpy: 2_100_000, market_median_jpy: 1_950_000 },
    ],
    by_mileage: [],
    points: [
      { id: 1, year: 2016, mileage_km: 80_000, total_price_jpy: 1_000_000, market_price_jpy: 1_050_000, deal: "fair" },
      { id: 2, year: 2018, mileage_km: 40_000, total_price_jpy: 1_500_000, market_price_jpy: null, deal: null },
      { id: 3, year: 2019, mileage_km: 10_000, total_price_jpy: 2_000_000, market_price_jpy: 1_950_000, deal: "fair" },
    ],
    points_total: 3,
    ...changes,
  };
}

describe("scales", () => {
  it("map a domain onto a range linearly, an empty domain to the middle", () => {
    const x = linear(2010, 2020, 0, 100);
    expect([x(2010), x(2015), x(2020), x(2025)]).toEqual([0, 50, 100, 150]);
    const y = linear(0, 1_000_000, 200, 0); // prices grow upwards
    expect(y(250_000)).toBe(150);
    expect(linear(5, 5, 10, 30)(5)).toBe(20);
  });

  it("tick prices at round steps that cover the data", () => {
    expect(niceTicks(1_180_000, 4_020_000, 5)).toEqual([1e6, 2e6, 3e6, 4e6, 5e6]);
    expect(niceTicks(1_180_000, 2_020_000, 5)).toEqual([1e6, 1.2e6, 1.4e6, 1.6e6, 1.8e6, 2e6, 2.2e6]);
    expect(niceTicks(380_000, 690_000, 5)).toEqual([300_000, 400_000, 500_000, 600_000, 700_000]);
    expect(niceTicks(2_000_000, 2_000_000, 5)).toEqual([1_500_000, 2_000_000, 2_500_000]); // one price: centred
  });

  it("tick every year, or every 2nd, 5th… when there are many", () => {
    expect(yearTicks(2016, 2019)).toEqual([2016, 2017, 2018, 2019]);
    expect(yearTicks(2008, 2021)).toEqual([2008, 2010, 2012, 2014, 2016, 2018, 2020]);
    expect(yearTicks(1985, 2024)).toEqual([1985, 1990, 1995, 2000, 2005, 2010, 2015, 2020]);
    expect(yearTicks(2019, 2019)).toEqual([2019]);
  });

  it("spread a year's dots over ±0.3 years, each listing always at the same place", () => {
    const offsets = Array.from({ length: 5000 }, (_, id) => jitter(id));
    expect(Math.min(...offsets)).toBeGreaterThanOrEqual(-0.3);
    expect(Math.max(...offsets)).toBeLessThanOrEqual(0.3);
    expect(Math.max(...offsets) - Math.min(...offsets)).toBeGreaterThan(0.55); // spread, not bunched
    expect(jitter(1234)).toBe(jitter(1234));
  });
});

describe("the chart's layout", () => {
  const car = { id: 3, year: 2019, total_price_jpy: 2_000_000 };

  it("puts a dot per point inside the plot, and the car where its listing's dot is", () => {
    const chart = layout(stats(), car);
    expect(chart.dots).toHaveLength(3);
    for (const dot of chart.dots) {
      expect(dot.x).toBeGreaterThan(BOX.left);
      expect(dot.x).toBeLessThan(BOX.width - BOX.right);
      expect(dot.y).toBeGreaterThanOrEqual(BOX.top);
      expect(dot.y).toBeLessThanOrEqual(BOX.height - BOX.bottom);
    }
    expect(chart.car).toEqual({ x: chart.dots[2].x, y: chart.dots[2].y });
    expect(chart.dots[0].y).toBeGreaterThan(chart.dots[2].y); // cheaper is lower
    expect(chart.years).toEqual([2016, 2017, 2018, 2019]);
    expect(chart.prices[0]).toBeLessThanOrEqual(900_000);
    expect(chart.prices[chart.prices.length - 1]).toBeGreaterThanOrEqual(2_100_000);
  });

  it("draws the band over every year and breaks the curve where a year has no estimate", () => {
    const chart = layout(stats(), car);
    // The band: p75 from the first year to the last, back along p25, closed.
    expect(chart.band.startsWith("M")).toBe(true);
    expect(chart.band.endsWith("Z")).toBe(true);
    expect(chart.band.split("L")).toHaveLength(2 * 3 + 4);
    // The curve: 2016 on its own, then 2019 on its own (2018 has none), each drawn a little wide.
    const runs = chart.curve.split("M").filter(Boolean);
    expect(runs).toHaveLength(2);
    expect(runs.map((run) => run.split("L").length)).toEqual([3, 3]);
    expect(layout(stats({ by_year: [] }), car)).toMatchObject({ band: "", curve: "" });
  });

  it("fits a car missing from the points (spread out), and leaves out an unpriced one", () => {
    const away = layout(stats(), { id: 99, year: 2024, total_price_jpy: 5_000_000 });
    expect(away.years[away.years.length - 1]).toBe(2024);
    expect(away.car?.x).toBeLessThan(BOX.width - BOX.right);
    expect(away.car?.y).toBeGreaterThanOrEqual(BOX.top);
    expect(layout(stats(), { id: 99, year: 2024, total_price_jpy: null }).car).toBeNull();
  });

  it("has nothing to draw without listings", () => {
    const empty = layout(stats({ points: [], by_year: [], points_total: 0 }), { id: 1, year: null, total_price_jpy: null });
    expect(empty).toMatchObject({ dots: [], years: [], prices: [], car: null, band: "", curve: "" });
  });

  it("finds the dot under the pointer, the nearest within reach", () => {
    const dots = [
      { id: 1, index: 0, x: 100, y: 100 },
      { id: 2, index: 1, x: 104, y: 100 },
    ];
    expect(nearest(dots, 103, 101, 8)?.id).toBe(2);
    expect(nearest(dots, 99, 100, 8)?.id).toBe(1);
    expect(nearest(dots, 120, 100, 8)).toBeNull();
  });
});
