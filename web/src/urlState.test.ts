import { describe, expect, it } from "vitest";
import {
  DEFAULT_VIEW,
  activeFilterCount,
  nextSort,
  parseView,
  viewToApiParams,
  viewToSearch,
  withFilters,
} from "./urlState";
import type { ViewState } from "./urlState";

describe("URL ⇄ view", () => {
  it("the default view is a clean URL", () => {
    expect(viewToSearch(DEFAULT_VIEW)).toBe("");
    expect(parseView("")).toEqual(DEFAULT_VIEW);
  });

  it("round-trips every filter, the sort, the page and the page size", () => {
    const view: ViewState = {
      filters: {
        make: "Toyota",
        model: "Land Cruiser Prado",
        q: "ハイブリッド Z",
        year_min: 2015,
        year_max: 2022,
        price_min: 1_000_000,
        price_max: 3_500_000,
        mileage_max: 50_000,
        color: "white",
        body_type: "suv",
        transmission: "automatic",
        fuel: "hybrid",
        prefecture: "東京都",
        repair_history: false,
      },
      sort: "price",
      page: 3,
      pageSize: 50,
    };
    const search = viewToSearch(view);
    expect(parseView(`?${search}`)).toEqual(view);
    expect(parseView(new URLSearchParams(search))).toEqual(view);
  });

  it("writes keys in a stable order, so equal views give equal links", () => {
    const a = viewToSearch({ ...DEFAULT_VIEW, filters: { color: "red", make: "Honda" } });
    const b = viewToSearch({ ...DEFAULT_VIEW, filters: { make: "Honda", color: "red" } });
    expect(a).toBe(b);
    expect(a).toBe("make=Honda&color=red");
  });

  it("encodes Japanese and spaces", () => {
    const search = viewToSearch({ ...DEFAULT_VIEW, filters: { prefecture: "東京都", q: "a b&c" } });
    expect(search).toBe("q=a+b%26c&prefecture=%E6%9D%B1%E4%BA%AC%E9%83%BD");
  });

  it("drops what the API would reject instead of failing", () => {
    const view = parseView(
      "?year_min=abc&price_max=-5&color=plaid&sort=cheapest&page=0&page_size=1000" +
        "&mileage_max=1e5&repair_history=maybe&unknown=1&q=%20%20",
    );
    expect(view).toEqual(DEFAULT_VIEW);
  });

  it("normalises case of vocabulary values and swaps reversed ranges", () => {
    const view = parseView("?color=WHITE&year_min=2022&year_max=2015&price_min=9&price_max=1");
    expect(view.filters).toEqual({
      color: "white",
      year_min: 2015,
      year_max: 2022,
      price_min: 1,
      price_max: 9,
    });
  });

  it("drops a model without a make", () => {
    expect(parseView("?model=Prius").filters).toEqual({});
  });

  it("always sends sort and paging to the API", () => {
    expect(viewToApiParams(DEFAULT_VIEW).toString()).toBe("sort=-updated&page=1&page_size=20");
  });
});

describe("changing the view", () => {
  const base: ViewState = { ...DEFAULT_VIEW, filters: { make: "Toyota", model: "Prius" }, page: 4 };

  it("a filter change goes back to page 1", () => {
    expect(withFilters(base, { color: "red" })).toEqual({
      ...base,
      filters: { make: "Toyota", model: "Prius", color: "red" },
      page: 1,
    });
  });

  it("a new make clears the model; removing a filter removes its key", () => {
    expect(withFilters(base, { make: "Honda" }).filters).toEqual({ make: "Honda" });
    expect(withFilters(base, { make: undefined }).filters).toEqual({});
    expect(withFilters(base, { model: undefined }).filters).toEqual({ make: "Toyota" });
    expect(withFilters(base, { make: "Toyota" }).filters).toEqual(base.filters);
  });

  it("headers sort in their natural order first, then flip", () => {
    expect(nextSort("-updated", "price")).toBe("price");
    expect(nextSort("price", "price")).toBe("-price");
    expect(nextSort("-price", "price")).toBe("price");
    expect(nextSort("price", "year")).toBe("-year");
    expect(nextSort("-year", "year")).toBe("year");
    expect(nextSort("price", "mileage")).toBe("mileage");
    expect(nextSort("-updated", "updated")).toBe("updated");
  });

  it("counts active filters", () => {
    expect(activeFilterCount({})).toBe(0);
    expect(activeFilterCount({ make: "Toyota", repair_history: false })).toBe(2);
  });
});
