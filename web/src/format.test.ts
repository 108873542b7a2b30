import { beforeAll, describe, expect, it } from "vitest";
import { formatAgo, formatAnyOf, formatDate, formatDateTime, formatKm, formatNumber, label, vocabLabel } from "./format";
import { loadLanguage, setLanguage } from "./i18n";

beforeAll(() => Promise.all([loadLanguage("ru"), loadLanguage("ja")]));

// Intl writes a no-break space (U+00A0) or a narrow one (U+202F) where Russian and times put one.
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, " ");

describe("numbers and distances", () => {
  it("group digits as the locale does", () => {
    expect(formatNumber(1_250, "en")).toBe("1,250");
    expect(plain(formatNumber(1_250, "ru"))).toBe("1 250");
    expect(formatNumber(1_250, "ja")).toBe("1,250");
  });
  it("formats kilometres", () => {
    expect(formatKm(27_000, "en")).toBe("27,000 km");
    expect(plain(formatKm(27_000, "ru"))).toBe("27 000 км");
    expect(formatKm(null, "ru")).toBe("—");
  });
});

describe("lists", () => {
  it("say any one of them as the locale does", () => {
    expect(formatAnyOf(["Great deal", "Good deal"], "en")).toBe("Great deal or Good deal");
    expect(formatAnyOf(["A", "B", "C"], "ru")).toBe("A, B или C");
    expect(formatAnyOf(["お買い得", "割安"], "ja")).toBe("お買い得または割安");
    expect(formatAnyOf(["Fair price"], "en")).toBe("Fair price");
  });
});

describe("dates", () => {
  it("shows a timestamp in the locale", () => {
    const at = new Date(2026, 10, 24, 23, 11).toISOString(); // local 2026-11-24 23:11
    expect(plain(formatDateTime(at, "en"))).toBe("Nov 24, 2026, 11:11 PM");
    expect(formatDateTime(at, "ru")).toBe("24 нояб. 2026 г., 23:11");
    expect(formatDateTime(at, "ja")).toBe("2026/11/24 23:11");
    expect(formatDateTime(null, "en")).toBe("—");
    expect(formatDateTime("not a date", "en")).toBe("—");
  });
  it("shows a calendar date as that day in any time zone", () => {
    expect(formatDate("2026-12-01", "en")).toBe("Dec 1, 2026");
    expect(formatDate("2026-12-01", "ru")).toBe("1 дек. 2026 г.");
    expect(formatDate("2026-12-01", "ja")).toBe("2026/12/01");
  });
  it("formats ages through Intl, with the app's words under a minute and for none", () => {
    const now = new Date("2026-01-10T12:00:00Z");
    expect(formatAgo("2026-01-10T11:59:50Z", now, "en")).toBe("just now");
    expect(formatAgo("2026-01-10T11:30:00Z", now, "en")).toBe("30 minutes ago");
    expect(formatAgo("2026-01-10T06:00:00Z", now, "en")).toBe("6 hours ago");
    expect(formatAgo("2026-01-05T12:00:00Z", now, "en")).toBe("5 days ago");
    expect(formatAgo(null, now, "en")).toBe("never");
    expect(formatAgo("2026-01-10T11:59:50Z", now, "ru")).toBe("только что");
    expect(formatAgo("2026-01-10T11:59:00Z", now, "ru")).toBe("1 минуту назад");
    expect(formatAgo("2026-01-10T11:58:00Z", now, "ru")).toBe("2 минуты назад");
    expect(formatAgo("2026-01-10T11:30:00Z", now, "ru")).toBe("30 минут назад");
    expect(formatAgo("2026-01-10T11:30:00Z", now, "ja")).toBe("30 分前");
    expect(formatAgo(null, now, "ja")).toBe("なし");
  });
});

describe("vocabulary labels", () => {
  it("name the API's values in the app's language", async () => {
    expect(vocabLabel("colors", "white")).toBe("White");
    expect(vocabLabel("transmissions", "cvt")).toBe("CVT");
    expect(vocabLabel("body_types", "suv")).toBe("SUV");
    await setLanguage("ru");
    try {
      expect(vocabLabel("colors", "white")).toBe("Белый");
      expect(vocabLabel("fuels", "hybrid")).toBe("Гибрид");
      // A value the vocabulary does not have (a hand-edited link) is shown as spelled.
      expect(vocabLabel("colors", "teal")).toBe("Teal");
      expect(vocabLabel("colors", null)).toBe("—");
    } finally {
      await setLanguage("en");
    }
  });
  it("label() capitalises, CVT and SUV upper-case", () => {
    expect(label("white")).toBe("White");
    expect(label("cvt")).toBe("CVT");
    expect(label("suv")).toBe("SUV");
    expect(label(null)).toBe("—");
  });
});
