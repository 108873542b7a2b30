import { beforeAll, describe, expect, it } from "vitest";
import type { CarsQuery } from "./api";
import i18n, { LANGUAGES, loadLanguage, pickLanguage } from "./i18n";
import en from "./locales/en.json";
import ja from "./locales/ja.json";
import ru from "./locales/ru.json";

type Messages = { [key: string]: string | Messages };
const MESSAGES: Record<string, Messages> = { en, ru, ja };
const PLURAL = /_(zero|one|two|few|many|other)$/;

/** Every key of `messages` as a dotted path. */
function keys(messages: Messages, prefix = ""): string[] {
  return Object.entries(messages).flatMap(([key, value]) =>
    typeof value === "string" ? [prefix + key] : keys(value, `${prefix}${key}.`),
  );
}

// The vocabularies named in English are the API's, every one of them (compile time: tsc).
type Names<V> = Record<NonNullable<V> & string, string>;
const VOCABULARIES: {
  colors: Names<CarsQuery["color"]>;
  body_types: Names<CarsQuery["body_type"]>;
  transmissions: Names<CarsQuery["transmission"]>;
  fuels: Names<CarsQuery["fuel"]>;
} = en.vocab;

describe("the messages", () => {
  it("have the same keys in every language, but for plural forms", () => {
    const base = (language: string) => [...new Set(keys(MESSAGES[language]).map((k) => k.replace(PLURAL, "")))].sort();
    for (const language of LANGUAGES) expect(base(language), language).toEqual(base("en"));
  });

  it("have exactly the plural forms each language's rules use", () => {
    for (const language of LANGUAGES) {
      const categories = new Intl.PluralRules(language).resolvedOptions().pluralCategories;
      const forms = new Map<string, string[]>();
      for (const key of keys(MESSAGES[language])) {
        const match = PLURAL.exec(key);
        if (match) forms.set(key.slice(0, match.index), [...(forms.get(key.slice(0, match.index)) ?? []), match[1]]);
      }
      expect(forms.size, language).toBeGreaterThan(0);
      for (const [key, found] of forms) expect(found.sort(), `${language}: ${key}`).toEqual([...categories].sort());
    }
  });

  it("name every value of the API's vocabularies", () => {
    expect(Object.keys(VOCABULARIES.transmissions).sort()).toEqual(["automatic", "cvt", "manual"]);
    for (const language of LANGUAGES) {
      const vocab = MESSAGES[language].vocab as Messages;
      for (const [kind, names] of Object.entries(VOCABULARIES)) {
        expect(Object.keys(vocab[kind]).sort(), `${language}: ${kind}`).toEqual(Object.keys(names).sort());
      }
    }
  });

  it("keep the placeholders of the English, and its markup", () => {
    const text = (messages: Messages, key: string) =>
      key.split(".").reduce<string | Messages>((node, part) => (node as Messages)[part], messages) as string;
    // {{count}} aside: a plural form may say "one" in words instead of the number.
    const slots = (message: string) =>
      [...message.matchAll(/{{\s*(\w+)|<(\w+)>/g)].map((m) => m[1] ?? `<${m[2]}>`).filter((slot) => slot !== "count").sort();
    const english = new Map(keys(en).map((key) => [key.replace(PLURAL, ""), text(en, key)]));
    for (const language of ["ru", "ja"]) {
      for (const key of keys(MESSAGES[language])) {
        const wanted = slots(english.get(key.replace(PLURAL, "")) ?? "");
        expect(slots(text(MESSAGES[language], key)), `${language}: ${key}`).toEqual(wanted);
      }
    }
  });
});

describe("the language", () => {
  it("is the stored choice, else the first browser language the app speaks, else English", () => {
    expect(pickLanguage("ja", ["ru-RU"])).toBe("ja");
    expect(pickLanguage(null, ["ru-RU", "en-US"])).toBe("ru");
    expect(pickLanguage(null, ["de-DE", "ja", "ru"])).toBe("ja");
    expect(pickLanguage("de", ["fr-FR", "EN-gb"])).toBe("en");
    expect(pickLanguage(null, ["zh_CN"])).toBe("en");
    expect(pickLanguage(null, [])).toBe("en");
  });
});

describe("Russian plurals", () => {
  beforeAll(() => Promise.all([loadLanguage("ru"), loadLanguage("ja")]));

  it("follow Intl.PluralRules: 1 машина, 2 машины, 5 машин, 21 машина", () => {
    const cars = (count: number) => i18n.t("cars.count", { count, lng: "ru" }).replace(/[\u00a0\u202f]/g, " ");
    expect(cars(1)).toBe("1 машина");
    expect(cars(2)).toBe("2 машины");
    expect(cars(4)).toBe("4 машины");
    expect(cars(5)).toBe("5 машин");
    expect(cars(11)).toBe("11 машин");
    expect(cars(21)).toBe("21 машина");
    expect(cars(1500)).toBe("1 500 машин");
    expect(i18n.t("cars.count", { count: 1500, lng: "en" })).toBe("1,500 cars");
    expect(i18n.t("cars.count", { count: 1, lng: "en" })).toBe("1 car");
    expect(i18n.t("cars.count", { count: 45, lng: "ja" })).toBe("45台");
  });
});
