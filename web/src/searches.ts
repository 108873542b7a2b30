/**
 * Saved searches and their Telegram alerts, on the web's side: a saved search's filters read
 * back the way a link is read, the words that name filters (the name a search is offered under,
 * and how the list describes one), what to tell the user when a call fails, and the link
 * code's countdown.
 */
import type { SavedSearch } from "./api";
import { ApiError, NetworkError } from "./api";
import { chipText, FILTER_FIELDS, filterLabel } from "./components/FilterBar";
import { formatKm } from "./format";
import { t } from "./i18n";
import { formatPrice } from "./money";
import type { Money } from "./money";
import type { PrefectureNamer } from "./prefectures";
import { FILTER_KEYS, filtersToParams, parseFilters } from "./urlState";
import type { Filters } from "./urlState";

/** SavedSearchIn's name: 1 to 200 characters (code points, as Python counts them). */
export const NAME_MAX_LENGTH = 200;
/** How often GET /api/me is asked whether the bot has linked the chat, while a code is shown. */
export const LINK_POLL_MS = 3_000;

/** The filters a search was saved with, read as a link's are (keys the app does not know drop). */
export function savedFilters(saved: SavedSearch["filters"]): Filters {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(saved)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      params.set(key, String(value));
    } else if (Array.isArray(value)) {
      params.set(key, value.join(",")); // a list (deal), as a link writes it
    }
  }
  return parseFilters(params);
}

/** The cars page with exactly `filters` ("/" for none): what "Open" shows. */
export function searchPath(filters: Filters): string {
  const query = filtersToParams(filters).toString();
  return query ? `/?${query}` : "/";
}

/** The saved search asking exactly what `filters` ask, if there is one. */
export function findSaved(searches: readonly SavedSearch[], filters: Filters): SavedSearch | undefined {
  const path = searchPath(filters);
  return searches.find((search) => searchPath(savedFilters(search.filters)) === path);
}

/**
 * The filters in words, in FILTER_FIELDS' order: "Toyota Prius", "2015 – 2020", "до 2 000 000 ¥",
 * "до 50 000 км", "Белый", "Осака"… Make and model, and each range's two ends, make one phrase;
 * the other filters are said as their chips above the table say them.
 */
export function filterPhrases(filters: Filters, money: Money, prefecture: PrefectureNamer): string[] {
  const { make, model, year_min, year_max, price_min, price_max, mileage_max } = filters;
  const price = (yen: number) => formatPrice(yen, money);
  // Said with their partner: the model with its make, a range's upper end with its lower end.
  const together = new Set<keyof Filters>(["model"]);
  if (year_min !== undefined) together.add("year_max");
  if (price_min !== undefined) together.add("price_max");
  const phrases: string[] = [];
  for (const key of FILTER_KEYS) {
    if (filters[key] === undefined || together.has(key)) continue;
    if (key === "make") phrases.push(model ? `${make} ${model}` : String(make));
    else if (key === "year_min" && year_max !== undefined) {
      phrases.push(t("saved.phrase.range", { from: year_min, to: year_max }));
    } else if (key === "price_min" && price_min !== undefined) {
      phrases.push(
        price_max === undefined
          ? t("saved.phrase.from", { value: price(price_min) })
          : t("saved.phrase.range", { from: price(price_min), to: price(price_max) }),
      );
    } else if (key === "price_max" && price_max !== undefined) {
      phrases.push(t("saved.phrase.upTo", { value: price(price_max) }));
    } else if (key === "mileage_max") phrases.push(t("saved.phrase.upTo", { value: formatKm(mileage_max, money.locale) }));
    else phrases.push(chipText(key, filters, money, prefecture));
  }
  return phrases;
}

/** The name a search is offered under: its filters in words, cut to NAME_MAX_LENGTH. */
export function defaultName(filters: Filters, money: Money, prefecture: PrefectureNamer): string {
  const phrases = filterPhrases(filters, money, prefecture);
  const chars = Array.from(phrases.length > 0 ? phrases.join(" · ") : t("saved.allCars"));
  return chars.length > NAME_MAX_LENGTH ? `${chars.slice(0, NAME_MAX_LENGTH - 1).join("")}…` : chars.join("");
}

/** The field a 422 names (ApiError's message is "field: what is wrong"), in the app's words. */
function fieldName(field: string): string {
  if (Object.hasOwn(FILTER_FIELDS, field)) return filterLabel(field as keyof Filters);
  return field === "name" ? t("saveSearch.name") : field;
}

/**
 * What to tell the user when a saved-search or Telegram call failed; `failed` says what did not
 * happen. A 409 on saving is the limit: `savedCount` (how many the user has, when known) says it.
 */
export function searchErrorMessage(error: unknown, failed: string, savedCount: number | null = null): string {
  if (error instanceof NetworkError) return t("errors.tryLater", { message: error.message });
  if (!(error instanceof ApiError)) return t("errors.sentence", { text: failed });
  if (error.status === 409 && savedCount !== null) return t("saved.limit", { count: savedCount });
  if (error.status === 404) return t("saved.gone");
  const named = /^(\w+): (.+)$/s.exec(error.message);
  if (error.status === 422 && named) return t("saved.rejected", { field: fieldName(named[1]), detail: named[2] });
  return t("errors.server", { failed, detail: error.message });
}

/** "9:05": what is left of a link code, in whole seconds rounded up; "0:00" once it is past. */
export function countdown(msLeft: number): string {
  const seconds = Math.max(0, Math.ceil(msLeft / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}
