import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { moneyFor } from "../money";
import type { PriceUnit } from "../money";
import { prefectureNamer } from "../prefectures";
import { parseView } from "../urlState";
import { chipText, FILTER_FIELDS, FilterBar } from "./FilterBar";

const RATES = { yen_per: { RUB: 1.8, USD: 150, EUR: 160 }, as_of: "2026-12-01", source: "settings" } as const;

describe("FilterBar's table of filters", () => {
  const chips = (search: string, unit: PriceUnit = "yen") => {
    const { filters } = parseView(search);
    const keys = Object.keys(filters) as (keyof typeof filters)[];
    const prefecture = prefectureNamer(null, "en");
    return keys.map((key) => chipText(key, filters, moneyFor(unit, "en", RATES), prefecture));
  };

  it("says each active filter on its chip", () => {
    expect(
      chips(
        "?make=Toyota&model=Aqua&q=hybrid&year_min=2015&year_max=2022&price_min=1000000" +
          "&price_max=3500000&mileage_max=50000&color=white&body_type=suv&transmission=cvt" +
          "&fuel=hybrid&prefecture=東京都&repair_history=false",
      ),
    ).toEqual([
      "Toyota", "Aqua", "“hybrid”", "from 2015", "to 2022", "≥ ¥1,000,000", "≤ ¥3,500,000",
      "≤ 50,000 km", "White", "SUV", "CVT", "Hybrid", "東京都", "no repair history",
    ]); // prettier-ignore
    expect(chips("?price_max=3500000&repair_history=true", "man")).toEqual(["≤ 350万円", "repaired"]);
    expect(chips("?price_min=1800000", "rub")).toEqual(["≥ ₽1,000,000"]); // the yen filter, in rubles
  });

  it("a list's chip names its values, any of them", () => {
    expect(chips("?deal=good,great")).toEqual(["Great deal or Good deal"]);
    expect(chips("?deal=overpriced")).toEqual(["Overpriced"]);
  });

  it("a text filter's chip is its value as typed, a vocabulary's is labelled", () => {
    expect(chips("?prefecture=%20北海道%20&color=RED")).toEqual(["Red", "北海道"]);
  });

  it("an unset filter has no chip text", () => {
    expect(chipText("color", {}, moneyFor("yen", "en", null), prefectureNamer(null, "en"))).toBe("");
  });

  it("the bar shows a control for every filter, the search box first", () => {
    const html = renderToStaticMarkup(
      createElement(FilterBar, {
        filters: parseView("?make=Toyota&repair_history=true&deal=great").filters,
        makeFacets: null,
        facets: null,
        vocabulary: null,
        unit: "yen",
        money: moneyFor("yen", "en", null),
        rates: null,
        onUnit: () => undefined,
        prefecture: prefectureNamer(null, "en"),
        onChange: () => undefined,
        open: false,
      }),
    );
    const ids = [...html.matchAll(/data-testid="([^"]+)"/g)].map((m) => m[1]);
    const known = [
      "filter-q", "filter-make", "filter-model", "filter-year-min", "filter-year-max",
      "unit-yen", "unit-man", "unit-rub", "unit-usd", "unit-eur", "filter-price-min", "filter-price-max", "filter-mileage",
      "filter-color", "filter-body", "filter-transmission", "filter-fuel", "filter-prefecture",
      "filter-repair", "filter-deal", "filter-deal-great", "filter-deal-good", "filter-deal-fair",
      "filter-deal-high", "filter-deal-overpriced",
    ]; // prettier-ignore
    expect(ids.filter((id) => known.includes(id))).toEqual(known);
    // A field without a control of its own gets its kind's, under its test id.
    for (const [key, field] of Object.entries(FILTER_FIELDS)) {
      if (field.Control === undefined) {
        expect(ids).toContain(field.testId ?? `filter-${key.replace(/_/g, "-")}`);
      }
    }
    expect(html).toContain('<option value="Toyota" selected="">Toyota</option>');
    expect(html).toContain('<option value="true" selected="">Repaired (修復歴あり)</option>');
    // A checkbox per deal band, the band's name in its colour; the chosen one ticked.
    expect(html).toMatch(/<input type="checkbox" data-testid="filter-deal-great" checked=""\/><span class="deal deal-great">Great deal<\/span>/);
    expect(html).toMatch(/<input type="checkbox" data-testid="filter-deal-good"\/>/);
  });
});
