/**
 * The view's state ⇄ the URL query string. Every filter, the sort, the page and the page size
 * live in the URL, so reload, back/forward and a pasted link restore the exact view. Defaults
 * are left out (a clean `/` is the default view). Malformed numbers, sorts and page sizes are
 * dropped on the way in, so a hand-edited link degrades to a wider search. Vocabulary values
 * (colour, body, …) are only normalised: the API owns the vocabularies and answers 422 for an
 * unknown one, which the cars page shows with a way to clear the filters.
 */

import type { CarsQuery } from "./api";
import { FILTER_FIELDS } from "./components/FilterBar";
import type { FilterField } from "./components/FilterBar";

/** A sort GET /api/cars takes (core/filters.py's Sort), from the generated types. */
export type Sort = NonNullable<CarsQuery["sort"]>;
/** A sortable column: a sort without its "-". */
export type SortColumn = Exclude<Sort, `-${string}`>;
// Every sort, for reading the URL: `satisfies` refuses a sort the API does not take and asks
// for one it gains.
const SORT_SET = {
  price: true, "-price": true, year: true, "-year": true,
  mileage: true, "-mileage": true, updated: true, "-updated": true,
  deal: true, "-deal": true, discount: true, "-discount": true,
} as const satisfies Record<Sort, true>; // prettier-ignore
export const SORTS = Object.keys(SORT_SET) as readonly Sort[];
export const DEFAULT_SORT: Sort = "-updated";
export const PAGE_SIZES = [20, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 20;

// GET /api/cars's query parameters that are not filters: the view's own, and is_active (the
// app lists the cars on sale).
type NotFilters = "sort" | "page" | "page_size" | "cursor" | "is_active";
// The vocabularies' values (colour, body, …) are string literals in the API's types; the URL
// may carry any string, which the API answers with a 422. A list's values are its field's
// (FILTER_FIELDS), checked against the API's where they are listed (deal.ts).
type Loose<T> = T extends string ? string : T extends readonly string[] ? string[] : T;

/**
 * The filters, as GET /api/cars takes them (the generated types of core/filters.py's
 * CarFilters): a filter the API gains is a key here after `make web-types`, and the compiler
 * then asks for its entry in FilterBar's FILTER_FIELDS, which is all this module reads.
 */
export type Filters = {
  [K in Exclude<keyof CarsQuery, NotFilters>]?: Loose<NonNullable<CarsQuery[K]>>;
};
export type FilterValue = NonNullable<Filters[keyof Filters]>;

export interface ViewState {
  filters: Filters;
  sort: Sort;
  page: number;
  pageSize: number;
}

export const DEFAULT_VIEW: ViewState = {
  filters: {},
  sort: DEFAULT_SORT,
  page: 1,
  pageSize: DEFAULT_PAGE_SIZE,
};

// The order of the keys in a URL (FILTER_FIELDS' order): stable, so equal views give equal links.
export const FILTER_KEYS = Object.keys(FILTER_FIELDS) as readonly (keyof Filters)[];

function parseInt10(raw: string | null, min: number, max: number): number | undefined {
  if (raw === null || !/^\d+$/.test(raw.trim())) return undefined;
  const value = Number(raw.trim());
  return value >= min && value <= max ? value : undefined;
}

/** A filter's value as the URL spells it, read as its field's kind says; undefined if malformed. */
export function parseValue(field: FilterField, raw: string): FilterValue | undefined {
  switch (field.kind) {
    case "int":
      return parseInt10(raw, field.min, field.max);
    case "flag":
      return raw === "true" ? true : raw === "false" ? false : undefined;
    case "text":
    case "vocabulary": {
      const text = raw.replace(/\0/g, "").trim();
      // The API lowercases vocabulary values (core/vocab.py's are lowercase): so do links.
      const value = field.kind === "text" ? text.slice(0, field.maxLength) : text.toLowerCase();
      return value || undefined;
    }
    case "list": {
      const named = new Set(raw.split(",").map((value) => value.trim().toLowerCase()));
      const values = field.values.filter((value) => named.has(value));
      return values.length ? values : undefined;
    }
  }
}

/** The filters in `params`, normalised; malformed numbers and flags are left out. */
export function parseFilters(params: URLSearchParams): Filters {
  const filters: Filters = {};
  const record = filters as Record<string, FilterValue>;
  for (const key of FILTER_KEYS) {
    const field = FILTER_FIELDS[key];
    // A list may also come as a repeated key (deal=great&deal=good), as the API takes it.
    const raw = field.kind === "list" ? params.getAll(key).join(",") : params.get(key);
    const value = raw === null ? undefined : parseValue(field, raw);
    if (value !== undefined) record[key] = value;
  }
  // A model only means something under its make; min above max would be a 422.
  if (filters.model && !filters.make) delete filters.model;
  for (const [low, high] of [
    ["year_min", "year_max"],
    ["price_min", "price_max"],
  ] as const) {
    const a = filters[low];
    const b = filters[high];
    if (a !== undefined && b !== undefined && a > b) {
      filters[low] = b;
      filters[high] = a;
    }
  }
  return filters;
}

/** The whole view in `search` (a location.search string or URLSearchParams). */
export function parseView(search: string | URLSearchParams): ViewState {
  const params = typeof search === "string" ? new URLSearchParams(search) : search;
  const sortRaw = params.get("sort");
  const known = sortRaw !== null && Object.hasOwn(SORT_SET, sortRaw);
  const sort = known ? (sortRaw as Sort) : DEFAULT_SORT;
  const pageSize = parseInt10(params.get("page_size"), 1, 100) ?? DEFAULT_PAGE_SIZE;
  const page = parseInt10(params.get("page"), 1, 100_000) ?? 1;
  return { filters: parseFilters(params), sort, page, pageSize };
}

/** The API query for `filters` (and optionally sort and page): only the keys that are set. */
export function filtersToParams(filters: Filters): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = filters[key];
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) {
      if (value.length) params.set(key, value.join(","));
    } else params.set(key, String(value));
  }
  return params;
}

/** The URL query string of a view, without the leading "?"; "" for the default view. */
export function viewToSearch(view: ViewState): string {
  const params = filtersToParams(view.filters);
  if (view.sort !== DEFAULT_SORT) params.set("sort", view.sort);
  if (view.page !== 1) params.set("page", String(view.page));
  if (view.pageSize !== DEFAULT_PAGE_SIZE) params.set("page_size", String(view.pageSize));
  return params.toString();
}

/** The API query of a view: its filters, sort, page and page size, always explicit. */
export function viewToApiParams(view: ViewState): URLSearchParams {
  const params = filtersToParams(view.filters);
  params.set("sort", view.sort);
  params.set("page", String(view.page));
  params.set("page_size", String(view.pageSize));
  return params;
}

/** The view after changing some filters: back to page 1; a new make clears the model. */
export function withFilters(view: ViewState, changes: Partial<Filters>): ViewState {
  const filters: Filters = { ...view.filters, ...changes };
  if ("make" in changes && changes.make !== view.filters.make && !("model" in changes)) {
    delete filters.model;
  }
  for (const key of Object.keys(filters) as (keyof Filters)[]) {
    const value = filters[key];
    if (value === undefined || value === "" || (Array.isArray(value) && !value.length)) delete filters[key];
  }
  return { ...view, filters, page: 1 };
}

/** Clicking a sortable header: a new column starts in its natural order, the same one flips. */
export function nextSort(current: Sort, column: SortColumn): Sort {
  if (current === column) return `-${column}` as Sort;
  if (current === `-${column}`) return column;
  // Cheapest, newest, lowest mileage, most recently updated, best deal and most under the
  // market first.
  return column === "year" || column === "updated" || column === "discount" ? (`-${column}` as Sort) : column;
}

/** How many filters are set (the badge on the phone's "Filters" button). */
export function activeFilterCount(filters: Filters): number {
  return FILTER_KEYS.filter((key) => filters[key] !== undefined).length;
}
