import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Rates, Reference, SavedSearch } from "./api";
import { ApiError, NetworkError } from "./api";
import { loadLanguage, setLanguage } from "./i18n";
import { moneyFor } from "./money";
import type { PriceUnit } from "./money";
import { prefectureNamer } from "./prefectures";
import {
  countdown,
  defaultName,
  filterPhrases,
  findSaved,
  NAME_MAX_LENGTH,
  savedFilters,
  searchErrorMessage,
  searchPath,
} from "./searches";
import { parseView } from "./urlState";

beforeAll(() => Promise.all([loadLanguage("ru"), loadLanguage("ja")]));
afterEach(() => setLanguage("en"));

const RATES: Rates = { yen_per: { RUB: 1.8, USD: 150, EUR: 160 }, as_of: "2026-12-01", source: "settings" };
const REFERENCE: Reference = {
  prefectures: [{ ja: "大阪府", en: "Osaka", ru: "Осака" }],
  rates: RATES,
} as Reference;
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, " ");

/** The phrases of a link's filters, in `language`, prices in `unit`. */
function phrases(search: string, language: "en" | "ru" | "ja" = "en", unit: PriceUnit = "yen"): string[] {
  const { filters } = parseView(search);
  return filterPhrases(filters, moneyFor(unit, language, RATES), prefectureNamer(REFERENCE, language)).map(plain);
}

function saved(id: number, name: string, filters: Record<string, unknown>): SavedSearch {
  return {
    id,
    name,
    filters,
    language: "ru",
    currency: "JPY",
    created_at: "2026-12-01T10:00:00Z",
    last_alert_at: null,
  };
}

describe("the filters in words", () => {
  it("say make and model together, a range's ends together, the rest as the chips do", () => {
    expect(
      phrases(
        "?make=Toyota&model=Prius&q=hybrid&year_min=2015&year_max=2020&price_min=1000000" +
          "&price_max=2000000&mileage_max=50000&color=white&transmission=cvt&prefecture=大阪府" +
          "&repair_history=false",
      ),
    ).toEqual([
      "Toyota Prius", "“hybrid”", "2015 – 2020", "¥1,000,000 – ¥2,000,000", "up to 50,000 km",
      "White", "CVT", "Osaka", "no repair history",
    ]); // prettier-ignore
  });

  it("say one end of a range on its own", async () => {
    expect(phrases("?make=Honda&year_max=2018&price_min=500000")).toEqual(["Honda", "to 2018", "from ¥500,000"]);
    await setLanguage("ru");
    expect(phrases("?make=Toyota&model=Prius&price_max=2000000", "ru")).toEqual(["Toyota Prius", "до 2 000 000 ¥"]);
    expect(phrases("?year_min=2015&price_max=2000000&prefecture=大阪府", "ru", "man")).toEqual([
      "с 2015", "до 200万円", "Осака",
    ]); // prettier-ignore
    expect(phrases("?price_max=1800000&mileage_max=30000", "ru", "rub")).toEqual(["до 1 000 000 ₽", "до 30 000 км"]);
    await setLanguage("ja");
    expect(phrases("?price_min=1000000&prefecture=大阪府", "ja")).toEqual(["￥1,000,000以上", "大阪府"]);
  });

  it("say the deal bands asked for, in the app's language", async () => {
    expect(phrases("?make=Toyota&deal=good,great")).toEqual(["Toyota", "Great deal or Good deal"]);
    await setLanguage("ru");
    expect(phrases("?deal=great,good", "ru")).toEqual(["Отличная цена или Хорошая цена"]);
    await setLanguage("ja");
    expect(phrases("?deal=fair,overpriced", "ja")).toEqual(["相場並みまたは割高"]);
  });

  it("name a search after them, in the app's language", async () => {
    const name = (search: string, language: "en" | "ru" = "en") =>
      plain(defaultName(parseView(search).filters, moneyFor("yen", language, RATES), prefectureNamer(REFERENCE, language)));
    expect(name("?make=Toyota&model=Prius&price_max=2000000")).toBe("Toyota Prius · up to ¥2,000,000");
    expect(name("")).toBe("All cars");
    await setLanguage("ru");
    expect(name("?make=Toyota&model=Prius&price_max=2000000", "ru")).toBe("Toyota Prius · до 2 000 000 ¥");
    expect(name("", "ru")).toBe("Все машины");
    // Cut to the API's 200 characters, by code points as Python counts them.
    const long = name(`?make=${"M".repeat(64)}&model=${"m".repeat(128)}&q=${"😀".repeat(50)}`, "ru");
    expect(Array.from(long)).toHaveLength(NAME_MAX_LENGTH);
    expect(long.endsWith("…")).toBe(true);
  });
});

describe("a saved search's filters", () => {
  it("are read as a link's: numbers, flags, unknown keys dropped, a model without its make too", () => {
    expect(
      savedFilters({ make: "Toyota", model: "Prius", price_max: 2_000_000, repair_history: false, sort: "price", x: [1] }),
    ).toEqual({ make: "Toyota", model: "Prius", price_max: 2_000_000, repair_history: false });
    expect(savedFilters({ model: "Prius", color: "WHITE" })).toEqual({ color: "white" });
    // A list, as the API keeps it (a JSON array), is the link's comma-separated one.
    expect(savedFilters({ make: "Toyota", deal: ["good", "great", "cheap"] })).toEqual({
      make: "Toyota",
      deal: ["great", "good"],
    });
  });

  it("open the cars page with exactly those filters", () => {
    expect(searchPath(savedFilters({ price_max: 2_000_000, make: "Toyota", prefecture: "大阪府" }))).toBe(
      "/?make=Toyota&price_max=2000000&prefecture=%E5%A4%A7%E9%98%AA%E5%BA%9C",
    );
    expect(searchPath({})).toBe("/");
  });

  it("are found among the saved ones when the same filters are asked again", () => {
    const list = [saved(2, "Fit", { make: "Honda", model: "Fit" }), saved(1, "Prius", { make: "Toyota", price_max: 2e6 })];
    expect(findSaved(list, parseView("?price_max=2000000&make=Toyota").filters)?.id).toBe(1);
    expect(findSaved(list, parseView("?make=Toyota").filters)).toBeUndefined();
  });
});

describe("what a failed call tells the user", () => {
  it("names the limit with the count, in Russian plurals", async () => {
    const limit = new ApiError(409, "at most 50 saved searches; delete one first");
    expect(searchErrorMessage(limit, "The search was not saved", 50)).toBe(
      "You already have 50 saved searches, the most allowed. Delete one you no longer need, then save again.",
    );
    await setLanguage("ru");
    const ru = (count: number) => searchErrorMessage(limit, "Поиск не сохранён", count);
    expect(ru(50)).toBe("У вас уже 50 сохранённых поисков — это предел. Удалите ненужный и сохраните снова.");
    expect(ru(21)).toMatch(/^У вас уже 21 сохранённый поиск —/);
    expect(ru(22)).toMatch(/^У вас уже 22 сохранённых поиска —/);
    // Without the count (the list did not load), the server's own words under the app's.
    expect(searchErrorMessage(limit, "Поиск не сохранён")).toBe(
      "Поиск не сохранён: at most 50 saved searches; delete one first",
    );
  });

  it("names the field a 422 refused, in the app's words", async () => {
    await setLanguage("ru");
    const refused = new ApiError(422, "color: Input should be 'white', 'black'");
    expect(searchErrorMessage(refused, "Поиск не сохранён")).toBe(
      "Сервер не принял поле «Цвет»: Input should be 'white', 'black'",
    );
    expect(searchErrorMessage(new ApiError(422, "name: String should have at least 1 character"), "x")).toBe(
      "Сервер не принял поле «Название»: String should have at least 1 character",
    );
  });

  it("says the network, a search already gone, or the server's answer", async () => {
    await setLanguage("ru");
    expect(searchErrorMessage(new NetworkError("Сервер недоступен"), "Поиск не удалён")).toBe(
      "Сервер недоступен. Повторите чуть позже.",
    );
    expect(searchErrorMessage(new ApiError(404, "No such saved search"), "Поиск не удалён")).toMatch(/^Этого поиска уже нет/);
    expect(searchErrorMessage(new ApiError(500, "boom"), "Не удалось получить код")).toBe("Не удалось получить код: boom");
  });
});

describe("the link code's countdown", () => {
  it("shows minutes and seconds left, rounded up, never below zero", () => {
    expect(countdown(600_000)).toBe("10:00");
    expect(countdown(545_001)).toBe("9:06");
    expect(countdown(5_000)).toBe("0:05");
    expect(countdown(1)).toBe("0:01");
    expect(countdown(-3_000)).toBe("0:00");
  });
});
