/**
 * Prices: the API gives yen; the app shows them in ¥ or 万円, or converted to ₽, $ or € at the
 * rate GET /api/reference gives (`yen_per[X]`: the yen one unit of X costs, so X = yen /
 * yen_per[X]). Filters stay in yen (the API filters by yen): a price typed in ₽ is converted to
 * yen on the way in, and a filter's yen to ₽ on the way out.
 */
import type { AlertCurrency, Rates } from "./api";
import { formatDate, numberFormat } from "./format";
import { t } from "./i18n";

export const PRICE_UNITS = ["yen", "man", "rub", "usd", "eur"] as const;
export type PriceUnit = (typeof PRICE_UNITS)[number];
type Foreign = Exclude<PriceUnit, "yen" | "man">;

/** How each unit is written on its button and in a price box's label. */
export const UNIT_SYMBOL: Record<PriceUnit, string> = { yen: "¥", man: "万円", rub: "₽", usd: "$", eur: "€" };
/** The ISO 4217 code of a foreign unit: Intl's currency, and the key of the API's rates. */
const CURRENCY: Record<Foreign, Exclude<AlertCurrency, "JPY">> = { rub: "RUB", usd: "USD", eur: "EUR" };
const MAN = 10_000;

/** The currency of alerts for prices shown in `unit`: ¥ and 万円 are both yen. */
export function currencyOf(unit: PriceUnit): AlertCurrency {
  return isForeign(unit) ? CURRENCY[unit] : "JPY";
}

/** "¥", "₽", "$", "€": how the app writes an alert currency. */
export function currencySymbol(currency: AlertCurrency): string {
  const unit = PRICE_UNITS.find((u) => currencyOf(u) === currency) ?? "yen";
  return UNIT_SYMBOL[unit];
}

/** How prices are shown: in `unit`, by Intl in `locale`. */
export interface Money {
  /** The unit chosen, or yen while a chosen currency has no rate (never a guessed rate). */
  unit: PriceUnit;
  locale: string;
  /** The yen one unit of `unit` stands for: 1 for ¥, 10,000 for 万円, the rate for a currency. */
  yenPerUnit: number;
}

export function isForeign(unit: PriceUnit): unit is Foreign {
  return unit !== "yen" && unit !== "man";
}

/** The rate of `unit` in `rates` (yen for one unit); null for ¥ and 万円, or when there is none. */
export function rateOf(unit: PriceUnit, rates: Rates | null): number | null {
  if (!isForeign(unit)) return null;
  const rate = rates?.yen_per[CURRENCY[unit]];
  return rate !== undefined && Number.isFinite(rate) && rate > 0 ? rate : null;
}

/** How to show prices in the unit `chosen`, given the rates known so far. */
export function moneyFor(chosen: PriceUnit, locale: string, rates: Rates | null): Money {
  if (!isForeign(chosen)) return { unit: chosen, locale, yenPerUnit: chosen === "man" ? MAN : 1 };
  const rate = rateOf(chosen, rates);
  return rate === null ? { unit: "yen", locale, yenPerUnit: 1 } : { unit: chosen, locale, yenPerUnit: rate };
}

function currencyFormat(locale: string, currency: string, digits: number): Intl.NumberFormat {
  return numberFormat(locale, {
    style: "currency",
    currency,
    currencyDisplay: "narrowSymbol", // ₽ and $, not RUB and US$
    minimumFractionDigits: 0,
    maximumFractionDigits: digits,
  });
}

/**
 * ¥2,918,000 or 291.8万円, or the price converted: 16 211 ₽ (ru), $19,453 (en), in whole units;
 * an em dash for a missing price (応談).
 */
export function formatPrice(yen: number | null | undefined, money: Money): string {
  if (yen === null || yen === undefined || !Number.isFinite(yen)) return "—";
  const { unit, locale, yenPerUnit } = money;
  if (unit === "man") return `${numberFormat(locale, { maximumFractionDigits: 1 }).format(yen / MAN)}万円`;
  if (unit === "yen") return currencyFormat(locale, "JPY", 0).format(Math.round(yen));
  return currencyFormat(locale, CURRENCY[unit], 0).format(yen / yenPerUnit);
}

/** A change of price with its sign: "−¥100,000", "+¥50,000" (a dash for none). */
export function formatChange(yen: number | null | undefined, money: Money): string {
  if (yen === null || yen === undefined || !Number.isFinite(yen)) return "—";
  return `${yen < 0 ? "−" : "+"}${formatPrice(Math.abs(yen), money)}`;
}

/** The price in yen, in `locale`: shown beside a converted one. */
export function formatYen(yen: number | null | undefined, locale: string): string {
  return formatPrice(yen, { unit: "yen", locale, yenPerUnit: 1 });
}

// Digits a price box shows: whole yen and whole currency units, 万円 to one decimal.
const INPUT_DIGITS: Record<PriceUnit, number> = { yen: 0, man: 1, rub: 0, usd: 0, eur: 0 };

/** What a price box shows for a filter of `yen` ("" for none): 2918000 → "291.8" in 万円, "291,8" in ru. */
export function priceToInput(yen: number | undefined, money: Money): string {
  if (yen === undefined) return "";
  return numberFormat(money.locale, { useGrouping: false, maximumFractionDigits: INPUT_DIGITS[money.unit] }).format(
    yen / money.yenPerUnit,
  );
}

/** Whether `locale` writes "1,5" for one and a half (ru), where "," can't group thousands. */
function decimalComma(locale: string): boolean {
  return numberFormat(locale).formatToParts(1.5).some((part) => part.type === "decimal" && part.value === ",");
}

/**
 * Yen from what the user typed in the money's unit: full-width digits, spaces, thousands
 * separators ("," in en and ja; the decimal comma in ru), the unit's own symbol. A ¥ or 円
 * means yen and 万 or 万円 ten thousand yen, whatever the unit. Undefined for empty or
 * unreadable input, another currency's symbol included.
 */
export function inputToPrice(text: string, money: Money): number | undefined {
  let value = text.normalize("NFKC").replace(/\s/g, "");
  if (isForeign(money.unit)) value = value.replaceAll(UNIT_SYMBOL[money.unit], "");
  value = decimalComma(money.locale) ? value.replace(/,/g, ".") : value.replace(/,/g, "");
  let factor = money.yenPerUnit;
  if (/万円?$/.test(value)) {
    factor = MAN;
    value = value.replace(/万円?$/, "");
  } else if (/^¥|[¥円]$/.test(value)) {
    factor = 1; // "1500000円", "¥1500000" and "1500000 ¥" are yen whatever the unit
    value = value.replace(/^¥|[¥円]$/, "");
  }
  if (!/^\d+(\.\d+)?$/.test(value)) return undefined;
  return Math.round(Number(value) * factor);
}

/** "1 ₽ = 1,8 ¥ · 1 дек. 2026 г.": the rate a converted price used, and its date. */
export function rateText(money: Money, asOf: string | null): string {
  if (!isForeign(money.unit)) return "";
  const { locale } = money;
  const one = currencyFormat(locale, CURRENCY[money.unit], 0).format(1);
  const yen = currencyFormat(locale, "JPY", 2).format(money.yenPerUnit);
  return asOf
    ? t("money.rate", { one, yen, date: formatDate(asOf, locale), lng: locale })
    : t("money.rateUndated", { one, yen, lng: locale });
}
