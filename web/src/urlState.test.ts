import { describe, expect, it } from "vitest";
import { FILTER_FIELDS } from "./components/FilterBar";
import type { FilterField } from "./components/FilterBar";
import {
  DEFAULT_VIEW,
  FILTER_KEYS,
  SORTS,
  activeFilterCount,
  nextSort,
  parseView,
  viewToApiParams,
  viewToSearch,
  withFilters,
} from "./urlState";
import type { FilterValue, Filters, ViewState } from "./urlState";

// A well-formed value of each kind, and what the URL may carry that is not one.
function sample(field: FilterField): FilterValue {
  switch (field.kind) {
    case "int":
      return field.max;
    case "flag":
      return true;
    case "vocabulary":
      return "other";
    case "text":
      return "東京 4WD";
    case "list":
      return [...field.values];
  }
}
const MALFORMED: Record<FilterField["kind"], string[]> = {
  int: ["abc", "-5", "1e5", "1.5", ""],
  flag: ["maybe", "1", "TRUE", ""],
  vocabulary: ["  ", ""],
  text: ["  ", "\0", ""],
  list: ["nonsense", " , ", ""],
};

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
        deal: ["great", "good"],
      },
      sort: "-discount",
      page: 3,
      pageSize: 50,
    };
    const search = viewToSearch(view);
    expect(parseView(`?${search}`)).toEqual(view);
    expect(parseView(new URLSearchParams(search))).toEqual(view);
  });

  it("reads and writes every filter of FilterBar's table, by its kind", () => {
    const filters: Filters = Object.fromEntries(
      FILTER_KEYS.map((key) => [key, sample(FILTER_FIELDS[key])]),
    );
    const view: ViewState = { ...DEFAULT_VIEW, filters };
    const search = viewToSearch(view);
    expect(parseView(search)).toEqual(view);
    expect([...new URLSearchParams(search).keys()]).toEqual(FILTER_KEYS);
    expect(activeFilterCount(filters)).toBe(FILTER_KEYS.length);
  });

  it("drops a malformed value of every filter", () => {
    for (const key of FILTER_KEYS) {
      for (const raw of MALFORMED[FILTER_FIELDS[key].kind]) {
        const view = parseView(new URLSearchParams({ [key]: raw }));
        expect(view, `${key}=${raw}`).toEqual(DEFAULT_VIEW);
      }
    }
  });

  it("drops numbers out of their field's range, keeps its bounds", () => {
    for (const key of FILTER_KEYS) {
      const field = FILTER_FIELDS[key];
      if (field.kind !== "int") continue;
      expect(parseView(`?${key}=${field.min}`).filters).toEqual({ [key]: field.min });
      expect(parseView(`?${key}=${field.max}`).filters).toEqual({ [key]: field.max });
      expect(parseView(`?${key}=${field.max + 1}`).filters).toEqual({});
    }
    expect(parseView("?year_min=1899&mileage_max=%2050000%20").filters).toEqual({
      mileage_max: 50_000,
    });
  });

  it("cuts text to its field's length and drops NULs", () => {
    for (const key of FILTER_KEYS) {
      const field = FILTER_FIELDS[key];
      if (field.kind !== "text") continue;
      const long = "x".repeat(field.maxLength + 5);
      const view = parseView(new URLSearchParams({ make: "Toyota", [key]: long }));
      expect(view.filters[key]).toBe("x".repeat(field.maxLength));
    }
    expect(parseView("?q=%00pri%00us%20").filters).toEqual({ q: "prius" });
  });

  it("keys a URL in the order links have always had (make, model, q, …)", () => {
    const known = [
      "make", "model", "q", "year_min", "year_max", "price_min", "price_max", "mileage_max",
      "color", "body_type", "transmission", "fuel", "prefecture", "repair_history",
    ]; // prettier-ignore
    expect(FILTER_KEYS.filter((key) => known.includes(key))).toEqual(known);
  });

  it("reads every sort the API takes, and no other", () => {
    for (const sort of SORTS) expect(parseView(`?sort=${sort}`).sort).toBe(sort);
    expect(SORTS).toContain(DEFAULT_VIEW.sort);
    for (const sort of ["cheapest", "PRICE", "-", "toString", "__proto__", "constructor"]) {
      expect(parseView(`?sort=${sort}`).sort).toBe(DEFAULT_VIEW.sort);
    }
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

  it("drops malformed numbers, sorts and flags instead of failing", () => {
    const view = parseView(
      "?year_min=abc&price_max=-5&sort=cheapest&page=0&page_size=1000" +
        "&mileage_max=1e5&repair_history=maybe&unknown=1&q=%20%20&color=%20",
    );
    expect(view).toEqual(DEFAULT_VIEW);
  });

  it("leaves vocabulary values to the API, which answers 422 for an unknown one", () => {
    const view = parseView("?color=plaid&body_type=pickup&transmission=dct&fuel=hydrogen");
    expect(view.filters).toEqual({
      color: "plaid",
      body_type: "pickup",
      transmission: "dct",
      fuel: "hydrogen",
    });
    expect(viewToApiParams(view).toString()).toBe(
      "color=plaid&body_type=pickup&transmission=dct&fuel=hydrogen&sort=-updated&page=1&page_size=20",
    );
  });

  it("normalises case of vocabulary values and swaps reversed ranges", () => {
    const view = parseView(
      "?color=WHITE&fuel=%20Hybrid%20&year_min=2022&year_max=2015&price_min=9&price_max=1",
    );
    expect(view.filters).toEqual({
      color: "white",
      fuel: "hybrid",
      year_min: 2015,
      year_max: 2022,
      price_min: 1,
      price_max: 9,
    });
  });

  it("reads a list filter comma-separated or repeated, in the list's order, known values only", () => {
    const deals = (search: string) => parseView(search).filters.deal;
    expect(deals("?deal=great,good")).toEqual(["great", "good"]);
    expect(deals("?deal=good%2Cgreat")).toEqual(["great", "good"]);
    expect(deals("?deal=GOOD&deal=%20overpriced%20&deal=cheap")).toEqual(["good", "overpriced"]);
    expect(deals("?deal=great,great")).toEqual(["great"]);
    expect(deals("?deal=cheap,")).toBeUndefined();
    const view: ViewState = { ...DEFAULT_VIEW, filters: { deal: ["great", "good"] } };
    expect(viewToSearch(view)).toBe("deal=great%2Cgood");
    expect(viewToApiParams(view).get("deal")).toBe("great,good");
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
    // The best deal (lowest price ÷ market) first; the most yen under the market first.
    expect(nextSort("-updated", "deal")).toBe("deal");
    expect(nextSort("deal", "deal")).toBe("-deal");
    expect(nextSort("-updated", "discount")).toBe("-discount");
    expect(nextSort("-discount", "discount")).toBe("discount");
  });

  it("ticking off a list's last value removes its key", () => {
    const dealt: ViewState = { ...base, filters: { deal: ["great"] } };
    expect(withFilters(dealt, { deal: [] }).filters).toEqual({});
    expect(withFilters(dealt, { deal: ["great", "good"] }).filters).toEqual({ deal: ["great", "good"] });
  });

  it("counts active filters", () => {
    expect(activeFilterCount({})).toBe(0);
    expect(activeFilterCount({ make: "Toyota", repair_history: false })).toBe(2);
  });
});
