/**
 * The app's languages: i18next (react-i18next re-renders the components on a change) over one
 * JSON file of messages per language, src/locales/{en,ru,ja}.json, with the same keys. The
 * language is the one the user picked (kept in localStorage), else the first of the browser's
 * languages the app speaks, else English. Numbers and dates are formatted by Intl in it.
 */
import i18n from "i18next";
import type { Resource } from "i18next";
import { initReactI18next } from "react-i18next";
import en from "./locales/en.json";

export const LANGUAGES = ["ru", "en", "ja"] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language in its own words, for the switcher (never translated). */
export const LANGUAGE_NAMES: Record<Language, string> = { ru: "Русский", en: "English", ja: "日本語" };

const LANGUAGE_KEY = "carsensor.language";

export function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);
}

/** The stored choice if it is one of ours, else the first preferred tag we speak ("ru-RU" → ru). */
export function pickLanguage(stored: string | null, preferred: readonly string[]): Language {
  if (isLanguage(stored)) return stored;
  for (const tag of preferred) {
    const base = tag.toLowerCase().split(/[-_]/)[0];
    if (isLanguage(base)) return base;
  }
  return "en";
}

function storedLanguage(): string | null {
  try {
    return localStorage.getItem(LANGUAGE_KEY);
  } catch {
    return null; // no storage (private mode, tests): the browser's languages decide
  }
}

function browserLanguages(): readonly string[] {
  if (typeof navigator === "undefined") return [];
  return navigator.languages?.length ? navigator.languages : [navigator.language];
}

// <html lang> and the title follow the language: screen readers, and the browser's choice of
// CJK glyphs, read the lang attribute.
i18n.on("languageChanged", (language: string) => {
  if (typeof document === "undefined") return;
  document.documentElement.lang = language;
  document.title = i18n.t("app.brand");
});

// English is in the main bundle (the fallback of a missing message); Russian and Japanese are
// chunks of their own, fetched only by those who use them.
const LOADERS: Record<Exclude<Language, "en">, () => Promise<{ default: Resource[string][string] }>> = {
  ru: () => import("./locales/ru.json"),
  ja: () => import("./locales/ja.json"),
};

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en } },
  lng: "en",
  fallbackLng: "en",
  supportedLngs: LANGUAGES,
  partialBundledLanguages: true,
  initAsync: false, // English is ready at once: no Suspense
  interpolation: { escapeValue: false }, // React escapes what it renders
});

/** Fetch the messages of `language` (once). */
export async function loadLanguage(language: Language): Promise<void> {
  if (language === "en" || i18n.hasResourceBundle(language, "translation")) return;
  i18n.addResourceBundle(language, "translation", (await LOADERS[language]()).default);
}

// The language asked for last: a slower chunk asked for before it must not win.
let wanted: Language = "en";

/** Switch to `language` once its messages are in. */
async function switchTo(language: Language): Promise<void> {
  wanted = language;
  await loadLanguage(language);
  if (wanted === language) await i18n.changeLanguage(language);
}

/**
 * Settled when the starting language is in use: main.tsx renders after it. Its chunk failing to
 * load leaves the app in English rather than blank.
 */
export const ready: Promise<void> = switchTo(pickLanguage(storedLanguage(), browserLanguages())).catch(
  () => undefined,
);

/** The language in use, also the locale Intl formats in. */
export function currentLanguage(): Language {
  return isLanguage(i18n.language) ? i18n.language : "en";
}

/** Switch the app to `language` and remember it for this browser. */
export async function setLanguage(language: Language): Promise<void> {
  await switchTo(language);
  try {
    localStorage.setItem(LANGUAGE_KEY, language);
  } catch {
    // private mode: the choice lasts for this page
  }
}

/** The translation function of the current language, for code outside components. */
export const t = i18n.t;

export default i18n;
