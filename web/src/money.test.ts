import { beforeAll, describe, expect, it } from "vitest";
import type { AlertCurrency, Rates } from "./api";
import { loadLanguage } from "./i18n";
import {
  currencyOf,
  currencySymbol,
  formatPrice,
  formatYen,
  inputToPrice,
  moneyFor,
  priceToInput,
  rateOf,
  rateText,
} from "./money";
import type { PriceUnit } from "./money";

beforeAll(() => Promise.all([loadLanguage("ru"), loadLanguage("ja")]));

const RATES: Rates = { yen_per: { USD: 150, EUR: 160, RUB: 1.8 }, as_of: "2026-12-01", source: "settings" };
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, " ");
const money = (unit: PriceUnit, locale = "en", rates: Rates | null = RATES) => moneyFor(unit, locale, rates);

describe("formatPrice", () => {
  it("shows yen with separators", () => {
    expect(formatPrice(2_918_000, money("yen"))).toBe("¥2,918,000");
    expect(formatPrice(0, money("yen"))).toBe("¥0");
    expect(plain(formatPrice(2_918_000, money("yen", "ru")))).toBe("2 918 000 ¥");
    expect(formatPrice(2_918_000, money("yen", "ja"))).toBe("￥2,918,000");
  });
  it("shows 万円 with at most one decimal", () => {
    expect(formatPrice(2_918_000, money("man"))).toBe("291.8万円");
    expect(formatPrice(2_000_000, money("man"))).toBe("200万円");
    expect(formatPrice(123_456_789, money("man"))).toBe("12,345.7万円");
    expect(formatPrice(5_000, money("man"))).toBe("0.5万円");
    expect(plain(formatPrice(123_456_789, money("man", "ru")))).toBe("12 345,7万円");
  });
  it("converts to ₽, $ and € at yen_per, in whole units", () => {
    expect(plain(formatPrice(1_800_000, money("rub", "ru")))).toBe("1 000 000 ₽");
    expect(formatPrice(1_800_000, money("rub"))).toBe("₽1,000,000");
    expect(formatPrice(2_918_000, money("usd"))).toBe("$19,453"); // 19,453.33
    expect(plain(formatPrice(2_918_000, money("usd", "ru")))).toBe("19 453 $");
    expect(formatPrice(2_918_000, money("eur"))).toBe("€18,238"); // 18,237.5 rounds half up
    expect(formatPrice(2_918_000, money("rub", "ja"))).toBe("₽1,621,111");
  });
  it("stays in yen while a currency has no rate, never guessing one", () => {
    expect(money("rub", "en", null).unit).toBe("yen");
    expect(formatPrice(1_800_000, money("rub", "en", null))).toBe("¥1,800,000");
    const noEuro: Rates = { ...RATES, yen_per: { USD: 150 } };
    expect(formatPrice(1_600_000, money("eur", "en", noEuro))).toBe("¥1,600,000");
    expect(rateOf("usd", { ...RATES, yen_per: { USD: 0 } })).toBeNull();
    expect(rateOf("yen", RATES)).toBeNull();
    expect(rateOf("rub", RATES)).toBe(1.8);
  });
  it("shows a dash for a missing price (応談)", () => {
    expect(formatPrice(null, money("yen"))).toBe("—");
    expect(formatPrice(undefined, money("man"))).toBe("—");
    expect(formatPrice(Number.NaN, money("rub"))).toBe("—");
    expect(formatYen(null, "ru")).toBe("—");
  });
});

describe("price inputs", () => {
  it("round-trips through the input in every unit", () => {
    expect(priceToInput(2_918_000, money("yen"))).toBe("2918000");
    expect(priceToInput(2_918_000, money("man"))).toBe("291.8");
    expect(priceToInput(2_918_000, money("man", "ru"))).toBe("291,8");
    expect(priceToInput(undefined, money("man"))).toBe("");
    expect(inputToPrice("291.8", money("man"))).toBe(2_918_000);
    expect(inputToPrice("291,8", money("man", "ru"))).toBe(2_918_000);
    expect(inputToPrice("2918000", money("yen"))).toBe(2_918_000);
    // Rubles to yen and back: the API filters by yen, the box shows rubles.
    expect(inputToPrice("1 000 000", money("rub", "ru"))).toBe(1_800_000);
    expect(priceToInput(1_800_000, money("rub", "ru"))).toBe("1000000");
    expect(inputToPrice("10000", money("usd"))).toBe(1_500_000);
    expect(priceToInput(1_500_000, money("usd"))).toBe("10000");
    for (const typed of ["12345", "999999", "1"]) {
      const yen = inputToPrice(typed, money("rub", "ru"));
      expect(priceToInput(yen, money("rub", "ru"))).toBe(typed);
    }
  });
  it("reads what people type", () => {
    expect(inputToPrice("1,500,000", money("yen"))).toBe(1_500_000);
    expect(inputToPrice("¥1,500,000", money("yen"))).toBe(1_500_000);
    expect(inputToPrice("１５０", money("man"))).toBe(1_500_000); // full-width digits
    expect(inputToPrice("150万", money("yen"))).toBe(1_500_000); // 万 wins over the unit
    expect(inputToPrice("150万円", money("rub"))).toBe(1_500_000);
    expect(inputToPrice("1500000円", money("man"))).toBe(1_500_000); // 円 alone means yen
    expect(inputToPrice("￥1500000", money("usd"))).toBe(1_500_000); // so does ¥
    expect(inputToPrice("1 500 000 ¥", money("rub", "ru"))).toBe(1_500_000);
    expect(inputToPrice("1 000 000 ₽", money("rub", "ru"))).toBe(1_800_000);
    expect(inputToPrice("$10,000", money("usd"))).toBe(1_500_000);
    expect(inputToPrice("1,5", money("man", "ru"))).toBe(15_000); // the Russian decimal comma
  });
  it("rejects empty and garbled input, and another currency's amount", () => {
    expect(inputToPrice("", money("yen"))).toBeUndefined();
    expect(inputToPrice("  ", money("man"))).toBeUndefined();
    expect(inputToPrice("abc", money("yen"))).toBeUndefined();
    expect(inputToPrice("-5", money("yen"))).toBeUndefined();
    expect(inputToPrice("1.2.3", money("man"))).toBeUndefined();
    expect(inputToPrice("1,500,000", money("rub", "ru"))).toBeUndefined(); // ambiguous in Russian
    expect(inputToPrice("$100", money("rub", "ru"))).toBeUndefined();
  });
});

describe("rateText", () => {
  it("says the rate used and its date, in the locale", () => {
    expect(plain(rateText(money("rub", "ru"), "2026-12-01"))).toBe("1 ₽ = 1,8 ¥ · 1 дек. 2026 г.");
    expect(rateText(money("usd"), "2026-12-01")).toBe("$1 = ¥150 · Dec 1, 2026");
    expect(rateText(money("eur", "ja"), "2026-12-01")).toBe("€1 = ￥160 · 2026/12/01");
    expect(rateText(money("usd"), null)).toBe("$1 = ¥150");
    expect(rateText(money("man"), "2026-12-01")).toBe("");
  });
});

describe("the currency of alerts", () => {
  it("is yen for ¥ and 万円, the ISO code for the others, written as the unit's symbol", () => {
    expect(["yen", "man", "rub", "usd", "eur"].map((unit) => currencyOf(unit as PriceUnit))).toEqual([
      "JPY", "JPY", "RUB", "USD", "EUR",
    ]); // prettier-ignore
    expect(["JPY", "RUB", "USD", "EUR"].map((c) => currencySymbol(c as AlertCurrency))).toEqual(["¥", "₽", "$", "€"]);
  });
});
