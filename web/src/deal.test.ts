import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { dealClass, dealLabel, DEALS, dealTitle, isDeal, vsMarket } from "./deal";
import { loadLanguage, setLanguage } from "./i18n";
import { moneyFor } from "./money";

beforeAll(() => Promise.all([loadLanguage("ru"), loadLanguage("ja")]));
afterEach(() => setLanguage("en"));

const RATES = { yen_per: { RUB: 1.8, USD: 150, EUR: 160 }, as_of: "2026-12-01", source: "settings" } as const;
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, " ");

describe("deal bands", () => {
  it("are the API's, best first", () => {
    expect(DEALS).toEqual(["great", "good", "fair", "high", "overpriced"]);
    expect(DEALS.every(isDeal)).toBe(true);
    for (const other of [null, "", "GREAT", "cheap", "toString", "__proto__"]) expect(isDeal(other)).toBe(false);
  });

  it("each have a pill class of their own", () => {
    expect(DEALS.map(dealClass)).toEqual([
      "deal deal-great", "deal deal-good", "deal deal-fair", "deal deal-high", "deal deal-overpriced",
    ]); // prettier-ignore
  });

  it("are named in the app's language", async () => {
    expect(DEALS.map(dealLabel)).toEqual(["Great deal", "Good deal", "Fair price", "High price", "Overpriced"]);
    await setLanguage("ru");
    expect(DEALS.map(dealLabel)).toEqual([
      "Отличная цена", "Хорошая цена", "Цена по рынку", "Выше рынка", "Завышенная цена",
    ]); // prettier-ignore
    await setLanguage("ja");
    expect(DEALS.map(dealLabel)).toEqual(["お買い得", "割安", "相場並み", "やや割高", "割高"]);
  });
});

describe("the price against the market", () => {
  it("says how far under or over, in whole percent", () => {
    expect(vsMarket(0.88, "en")).toBe("12% below the market");
    expect(vsMarket(1.08, "en")).toBe("8% above the market");
    expect(vsMarket(0.996, "en")).toBe("at the market price");
    expect(plain(vsMarket(0.85, "ru"))).toBe("на 15 % ниже рынка");
    expect(vsMarket(1.2, "ja")).toBe("相場より20%高い");
  });

  it("titles a pill with the market price, in the chosen currency", () => {
    expect(dealTitle(1_350_000, 0.88, moneyFor("yen", "en", null))).toBe("Market price ¥1,350,000 · 12% below the market");
    expect(plain(dealTitle(1_800_000, 1.1, moneyFor("rub", "ru", RATES)))).toBe(
      "Рыночная цена 1 000 000 ₽ · на 10 % выше рынка",
    );
    expect(dealTitle(1_350_000, 1, moneyFor("man", "ja", null))).toBe("相場 135万円・相場並み");
  });
});
