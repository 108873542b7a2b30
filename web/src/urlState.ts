/**
 * The view's state ⇄ the URL query string. Every filter, the sort, the page and the page size
 * live in the URL, so reload, back/forward and a pasted link restore the exact view. Defaults
 * are left out (a clean `/` is the default view), and values the API would reject (422) are
 * dropped on the way in, so a hand-edited link degrades to a wider search, not an error.
 */

export const SORTS = [
  "price", "-price", "year", "-year", "mileage", "-mileage", "updated", "-updated",
] as const; // prettier-ignore
export type Sort = (typeof SORTS)[number];
export const DEFAULT_SORT: Sort = "-updated";
export const PAGE_SIZES = [20, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 20;

// The vocabularies of core/vocab.py (the API answers 422 for anything else).
export const COLORS = [
  "white", "black", "gray", "silver", "red", "blue", "green", "yellow", "orange", "brown",
  "beige", "gold", "purple", "pink", "other",
] as const; // prettier-ignore
export const BODY_TYPES = [
  "sedan", "hatchback", "suv", "minivan", "wagon", "coupe", "convertible", "kei", "truck",
  "van", "other",
] as const; // prettier-ignore
export const TRANSMISSIONS = ["automatic", "cvt", "manual"] as const;
export const FUELS = ["gasoline", "diesel", "hybrid", "electric", "other"] as const;

export interface Filters {
  make?: string;
  model?: string;
  q?: string;
  year_min?: number;
  year_max?: number;
  price_min?: number;
  price_max?: number;
  mileage_max?: number;
  color?: string;
  body_type?: string;
  transmission?: string;
  fuel?: string;
  prefecture?: string;
  repair_history?: boolean;
}

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

// The order of the keys in a URL: stable, so equal views give equal links.
export const FILTER_KEYS = [
  "make", "model", "q", "year_min", "year_max", "price_min", "price_max", "mileage_max",
  "color", "body_type", "transmission", "fuel", "prefecture", "repair_history",
] as const satisfies readonly (keyof Filters)[]; // prettier-ignore

const TEXT_LIMITS: Partial<Record<keyof Filters, number>> = {
  make: 64,
  model: 128,
  q: 100,
  prefecture: 16,
};
const INT_RANGES: Partial<Record<keyof Filters, [number, number]>> = {
  year_min: [1900, 2100],
  year_max: [1900, 2100],
  price_min: [0, 10 ** 10],
  price_max: [0, 10 ** 10],
  mileage_max: [0, 10 ** 7],
};
const CHOICES: Partial<Record<keyof Filters, readonly string[]>> = {
  color: COLORS,
  body_type: BODY_TYPES,
  transmission: TRANSMISSIONS,
  fuel: FUELS,
};

function parseInt10(raw: string | null, min: number, max: number): number | undefined {
  if (raw === null || !/^\d+$/.test(raw.trim())) return undefined;
  const value = Number(raw.trim());
  return value >= min && value <= max ? value : undefined;
}

/** The filters in `params` that the API would accept. */
export function parseFilters(params: URLSearchParams): Filters {
  const filters: Filters = {};
  const record = filters as Record<string, unknown>;
  for (const key of FILTER_KEYS) {
    const raw = params.get(key);
    if (raw === null) continue;
    const range = INT_RANGES[key];
    const choices = CHOICES[key];
    const limit = TEXT_LIMITS[key];
    if (range) {
      const value = parseInt10(raw, range[0], range[1]);
      if (value !== undefined) record[key] = value;
    } else if (choices) {
      const value = raw.trim().toLowerCase();
      if (choices.includes(value)) record[key] = value;
    } else if (key === "repair_history") {
      if (raw === "true" || raw === "false") record[key] = raw === "true";
    } else if (limit) {
      const value = raw.replace(/\0/g, "").trim();
      if (value) record[key] = value.slice(0, limit);
    }
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
  const sort = (SORTS as readonly string[]).includes(sortRaw ?? "") ? (sortRaw as Sort) : DEFAULT_SORT;
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
    params.set(key, String(value));
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
    if (filters[key] === undefined || filters[key] === "") delete filters[key];
  }
  return { ...view, filters, page: 1 };
}

/** Clicking a sortable header: a new column starts in its natural order, the same one flips. */
export function nextSort(current: Sort, column: "price" | "year" | "mileage" | "updated"): Sort {
  if (current === column) return `-${column}` as Sort;
  if (current === `-${column}`) return column;
  // Cheapest, newest, lowest mileage and most recently updated first.
  return column === "year" || column === "updated" ? (`-${column}` as Sort) : column;
}

/** How many filters are set (the badge on the phone's "Filters" button). */
export function activeFilterCount(filters: Filters): number {
  return FILTER_KEYS.filter((key) => filters[key] !== undefined).length;
}
