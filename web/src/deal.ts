/**
 * Deal ratings: a listing's total price against its estimated market price, in core/market.py's
 * bands (great ≤ 85 % of the market price, good ≤ 95 %, fair ≤ 105 %, high ≤ 115 %, overpriced
 * above). The API sends the band (`deal`), the ratio (`deal_ratio`, total ÷ market) and the
 * market price; this module names them.
 */
import type { CarsQuery } from "./api";
import { numberFormat } from "./format";
import { t } from "./i18n";
import { formatPrice } from "./money";
import type { Money } from "./money";

/** A deal band, from the generated types of the API's `deal` filter. */
export type Deal = NonNullable<CarsQuery["deal"]>[number];
// Best first. `satisfies` refuses a band the API does not have and asks for one it gains.
const DEAL_SET = {
  great: true, good: true, fair: true, high: true, overpriced: true,
} as const satisfies Record<Deal, true>; // prettier-ignore
export const DEALS = Object.keys(DEAL_SET) as readonly Deal[];

export function isDeal(value: unknown): value is Deal {
  return typeof value === "string" && Object.hasOwn(DEAL_SET, value);
}

/** The classes of a deal's pill (styles.css colours each band; its dots on the chart too). */
export function dealClass(deal: Deal): string {
  return `deal deal-${deal}`;
}

/** "Great deal", "Отличная цена", "お買い得". */
export function dealLabel(deal: Deal): string {
  return t(`deal.band.${deal}`);
}

/**
 * The price against the market price in words, from the ratio total ÷ market: "12% below the
 * market", "8% above the market", "at the market price" (within half a percent).
 */
export function vsMarket(ratio: number, locale: string): string {
  const percent = Math.round((ratio - 1) * 100);
  if (percent === 0) return t("deal.atMarket", { lng: locale });
  const amount = numberFormat(locale, { style: "percent" }).format(Math.abs(percent) / 100);
  return t(percent < 0 ? "deal.below" : "deal.above", { percent: amount, lng: locale });
}

/** A pill's tooltip: "Market price ¥1,350,000 · 12% below the market". */
export function dealTitle(marketYen: number, ratio: number, money: Money): string {
  return t("deal.title", { market: formatPrice(marketYen, money), vs: vsMarket(ratio, money.locale), lng: money.locale });
}
