/**
 * Numbers, distances, dates and times through Intl in the app's language (the `locale`
 * argument, by default the current one), and the labels of the API's vocabularies.
 * Prices are money.ts's.
 */
import { currentLanguage, t } from "./i18n";

// Intl formatters are slow to build and a table formats hundreds of values a render.
type Formatter = Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat | Intl.ListFormat;
const formatters = new Map<string, Formatter>();

function cached<F extends Formatter>(
  kind: string,
  locale: string,
  options: object,
  make: () => F,
): F {
  const key = `${kind}|${locale}|${JSON.stringify(options)}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = make();
    formatters.set(key, formatter);
  }
  return formatter as F;
}

export function numberFormat(locale: string, options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  return cached("n", locale, options, () => new Intl.NumberFormat(locale, options));
}

function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return cached("d", locale, options, () => new Intl.DateTimeFormat(locale, options));
}

/** 1,250 (en), 1 250 (ru), 1,250 (ja). */
export function formatNumber(value: number, locale: string = currentLanguage()): string {
  return numberFormat(locale).format(value);
}

/** 27,000 km (27 000 км in Russian); an em dash when unknown. */
export function formatKm(km: number | null | undefined, locale: string = currentLanguage()): string {
  if (km === null || km === undefined) return "—";
  return numberFormat(locale, { style: "unit", unit: "kilometer" }).format(km);
}

/** Any one of `items`: "A, B, or C"; "A, B или C"; "A、B、またはC". */
export function formatAnyOf(items: readonly string[], locale: string = currentLanguage()): string {
  return cached("l", locale, {}, () => new Intl.ListFormat(locale, { type: "disjunction" })).format(items);
}

function parseTime(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A timestamp as local date and time: Nov 24, 2026, 11:11 PM; 24 нояб. 2026 г., 23:11. */
export function formatDateTime(iso: string | null | undefined, locale: string = currentLanguage()): string {
  const date = parseTime(iso);
  if (!date) return "—";
  return dateFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

/**
 * A day: Dec 1, 2026; 1 дек. 2026 г.; 2026/12/01. A calendar date ("2026-12-01", a rate's
 * date) is that day wherever the browser is (read as UTC, shown in UTC); a timestamp is the
 * local day it fell on.
 */
export function formatDate(iso: string | null | undefined, locale: string = currentLanguage()): string {
  const date = parseTime(iso);
  if (!date || !iso) return "—";
  const calendarDate = /^\d{4}-\d{2}-\d{2}$/.test(iso);
  return dateFormat(locale, { dateStyle: "medium", ...(calendarDate && { timeZone: "UTC" }) }).format(date);
}

/** "5 minutes ago", "5 минут назад", "5 分前" relative to `now`; "just now" under a minute. */
export function formatAgo(
  iso: string | null | undefined,
  now: Date = new Date(),
  locale: string = currentLanguage(),
): string {
  if (!iso) return t("time.never", { lng: locale });
  const then = parseTime(iso);
  if (!then) return "—";
  const minutes = Math.max(0, Math.round((now.getTime() - then.getTime()) / 60_000));
  if (minutes < 1) return t("time.justNow", { lng: locale });
  const relative = cached("r", locale, {}, () => new Intl.RelativeTimeFormat(locale));
  if (minutes < 60) return relative.format(-minutes, "minute");
  const hours = Math.round(minutes / 60);
  if (hours < 48) return relative.format(-hours, "hour");
  return relative.format(-Math.round(hours / 24), "day");
}

/** "white" → "White", "cvt" → "CVT": a value no translation names, as the API spells it. */
export function label(value: string | null | undefined): string {
  if (!value) return "—";
  if (value === "cvt" || value === "suv") return value.toUpperCase();
  return value.charAt(0).toUpperCase() + value.slice(1);
}

/** The API's vocabularies (core/vocab.py) by their facet, each with its values' names in locales/*.json. */
export type Vocabulary = "colors" | "body_types" | "transmissions" | "fuels";

/** A vocabulary value in the app's language ("white" → Белый); label() for one it does not know. */
export function vocabLabel(kind: Vocabulary, value: string | null | undefined): string {
  if (!value) return "—";
  const names: Record<string, string> = t(`vocab.${kind}`, { returnObjects: true });
  return Object.hasOwn(names, value) ? names[value] : label(value);
}
