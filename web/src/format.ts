/** Number, price and date formatting for the table, the filters and the detail view. */

export type PriceUnit = "yen" | "man";

const MAN = 10_000;
const yenFormat = new Intl.NumberFormat("ja-JP");
const manFormat = new Intl.NumberFormat("ja-JP", { maximumFractionDigits: 1 });

/** ¥2,918,000 or 291.8万円; an em dash for a missing price (応談). */
export function formatPrice(yen: number | null | undefined, unit: PriceUnit): string {
  if (yen === null || yen === undefined || !Number.isFinite(yen)) return "—";
  if (unit === "man") return `${manFormat.format(yen / MAN)}万円`;
  return `¥${yenFormat.format(Math.round(yen))}`;
}

/** The number a price input shows in `unit` ("" for none): 2918000 → "291.8" in 万円. */
export function priceToInput(yen: number | undefined, unit: PriceUnit): string {
  if (yen === undefined) return "";
  if (unit === "man") return String(Math.round((yen / MAN) * 10) / 10);
  return String(yen);
}

/**
 * Yen from what the user typed in `unit`: accepts full-width digits, commas, spaces, a
 * leading ¥ and a trailing 円 (yen) or 万円/万 (10,000 yen). Undefined for empty or unreadable input.
 */
export function inputToPrice(text: string, unit: PriceUnit): number | undefined {
  let value = text.normalize("NFKC").replace(/[,\s¥￥]/g, "");
  let factor = unit === "man" ? MAN : 1;
  if (/万円?$/.test(value)) {
    factor = MAN;
    value = value.replace(/万円?$/, "");
  } else if (value.endsWith("円")) {
    factor = 1; // "1500000円" is yen whatever the toggle says
    value = value.slice(0, -1);
  }
  if (!/^\d+(\.\d+)?$/.test(value)) return undefined;
  return Math.round(Number(value) * factor);
}

const kmFormat = new Intl.NumberFormat("en-US");

/** 27,000 km; an em dash when unknown. */
export function formatKm(km: number | null | undefined): string {
  if (km === null || km === undefined) return "—";
  return `${kmFormat.format(km)} km`;
}

/** A timestamp as local date and time, e.g. 2026-11-24 23:11. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "—";
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/** "5 min ago", "3 h ago", "2 days ago" relative to `now`. */
export function formatAgo(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return "never";
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return "—";
  const minutes = Math.max(0, Math.round((now.getTime() - then) / 60_000));
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/** "white" → "White", "cvt" → "CVT", "suv" → "SUV". */
export function label(value: string | null | undefined): string {
  if (!value) return "—";
  if (value === "cvt" || value === "suv") return value.toUpperCase();
  return value.charAt(0).toUpperCase() + value.slice(1);
}
