import { describe, expect, it } from "vitest";
import { formatAgo, formatKm, formatPrice, inputToPrice, label, priceToInput } from "./format";

describe("formatPrice", () => {
  it("shows yen with separators", () => {
    expect(formatPrice(2_918_000, "yen")).toBe("¥2,918,000");
    expect(formatPrice(0, "yen")).toBe("¥0");
  });
  it("shows 万円 with at most one decimal", () => {
    expect(formatPrice(2_918_000, "man")).toBe("291.8万円");
    expect(formatPrice(2_000_000, "man")).toBe("200万円");
    expect(formatPrice(123_456_789, "man")).toBe("12,345.7万円");
    expect(formatPrice(5_000, "man")).toBe("0.5万円");
  });
  it("shows a dash for a missing price (応談)", () => {
    expect(formatPrice(null, "yen")).toBe("—");
    expect(formatPrice(undefined, "man")).toBe("—");
    expect(formatPrice(Number.NaN, "yen")).toBe("—");
  });
});

describe("price inputs", () => {
  it("round-trips through the input in both units", () => {
    expect(priceToInput(2_918_000, "yen")).toBe("2918000");
    expect(priceToInput(2_918_000, "man")).toBe("291.8");
    expect(priceToInput(undefined, "man")).toBe("");
    expect(inputToPrice("291.8", "man")).toBe(2_918_000);
    expect(inputToPrice("2918000", "yen")).toBe(2_918_000);
  });
  it("reads what people type", () => {
    expect(inputToPrice("1,500,000", "yen")).toBe(1_500_000);
    expect(inputToPrice("¥1,500,000", "yen")).toBe(1_500_000);
    expect(inputToPrice("１５０", "man")).toBe(1_500_000); // full-width digits
    expect(inputToPrice("150万", "yen")).toBe(1_500_000); // 万 wins over the toggle
    expect(inputToPrice("150万円", "yen")).toBe(1_500_000);
    expect(inputToPrice("1500000円", "man")).toBe(1_500_000); // 円 alone means yen
  });
  it("rejects empty and garbled input", () => {
    expect(inputToPrice("", "yen")).toBeUndefined();
    expect(inputToPrice("  ", "man")).toBeUndefined();
    expect(inputToPrice("abc", "yen")).toBeUndefined();
    expect(inputToPrice("-5", "yen")).toBeUndefined();
    expect(inputToPrice("1.2.3", "man")).toBeUndefined();
  });
});

describe("other formats", () => {
  it("formats kilometres", () => {
    expect(formatKm(27_000)).toBe("27,000 km");
    expect(formatKm(null)).toBe("—");
  });
  it("formats ages", () => {
    const now = new Date("2026-01-10T12:00:00Z");
    expect(formatAgo("2026-01-10T11:59:50Z", now)).toBe("just now");
    expect(formatAgo("2026-01-10T11:30:00Z", now)).toBe("30 min ago");
    expect(formatAgo("2026-01-10T06:00:00Z", now)).toBe("6 h ago");
    expect(formatAgo("2026-01-05T12:00:00Z", now)).toBe("5 days ago");
    expect(formatAgo(null, now)).toBe("never");
  });
  it("labels vocabulary values", () => {
    expect(label("white")).toBe("White");
    expect(label("cvt")).toBe("CVT");
    expect(label("suv")).toBe("SUV");
    expect(label(null)).toBe("—");
  });
});
