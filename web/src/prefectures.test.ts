import { describe, expect, it } from "vitest";
import type { Reference } from "./api";
import { prefectureNamer } from "./prefectures";

const REFERENCE: Reference = {
  prefectures: [
    { ja: "北海道", en: "Hokkaido", ru: "Хоккайдо" },
    { ja: "大阪府", en: "Osaka", ru: "Осака" },
  ],
  rates: { yen_per: {}, as_of: null, source: "settings" },
};

describe("prefectureNamer", () => {
  it("names a prefecture in the app's language", () => {
    expect(prefectureNamer(REFERENCE, "ru")("大阪府")).toBe("Осака");
    expect(prefectureNamer(REFERENCE, "en")("大阪府", "Osaka")).toBe("Osaka");
    expect(prefectureNamer(REFERENCE, "ja")("大阪府", "Osaka")).toBe("大阪府");
  });
  it("falls back to the car's English name, then the Japanese", () => {
    expect(prefectureNamer(null, "ru")("東京都", "Tokyo")).toBe("Tokyo");
    expect(prefectureNamer(REFERENCE, "en")("東京都")).toBe("東京都");
    expect(prefectureNamer(REFERENCE, "ru")(null)).toBe("—");
  });
});
