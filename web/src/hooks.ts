import { useCallback, useEffect, useMemo, useState } from "react";
import { api } from "./api";
import type { Rates, Reference } from "./api";
import { currentLanguage } from "./i18n";
import { moneyFor, PRICE_UNITS } from "./money";
import type { Money, PriceUnit } from "./money";
import { prefectureNamer } from "./prefectures";
import type { PrefectureNamer } from "./prefectures";

export interface Remote<T> {
  data: T | null;
  error: Error | null;
  loading: boolean;
  reload: () => void;
}

/**
 * GET `path` as JSON whenever it changes (null: nothing to fetch). The previous data stays
 * while the next loads, so the table never blanks; a superseded request is aborted. `loading`
 * is true from the very render in which `path` changes (it compares what was loaded with
 * what is asked), so no frame shows old rows as current.
 */
export function useApi<T>(path: string | null): Remote<T> {
  const [attempt, setAttempt] = useState(0);
  const key = path === null ? null : `${attempt}:${path}`;
  const [result, setResult] = useState<{ key: string | null; data: T | null; error: Error | null }>(
    { key: null, data: null, error: null },
  );

  useEffect(() => {
    if (path === null || key === null) return;
    const controller = new AbortController();
    api
      .json<T>(path, controller.signal)
      .then((data) => setResult({ key, data, error: null }))
      .catch((caught: unknown) => {
        if (controller.signal.aborted) return;
        const error = caught instanceof Error ? caught : new Error(String(caught));
        setResult((previous) => ({ key, data: previous.data, error }));
      });
    return () => controller.abort();
  }, [path, key]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return {
    data: result.data,
    error: result.error,
    loading: key !== null && result.key !== key,
    reload,
  };
}

const UNIT_KEY = "carsensor.price_unit";

function isPriceUnit(value: string | null): value is PriceUnit {
  return (PRICE_UNITS as readonly (string | null)[]).includes(value);
}

/** The ¥ / 万円 / ₽ / $ / € display preference, kept per browser like the language. */
export function usePriceUnit(): [PriceUnit, (unit: PriceUnit) => void] {
  const [unit, setUnit] = useState<PriceUnit>(() => {
    try {
      const stored = localStorage.getItem(UNIT_KEY);
      return isPriceUnit(stored) ? stored : "yen";
    } catch {
      return "yen";
    }
  });
  const set = useCallback((next: PriceUnit) => {
    setUnit(next);
    try {
      localStorage.setItem(UNIT_KEY, next);
    } catch {
      // private mode: the choice lasts for this page
    }
  }, []);
  return [unit, set];
}

export interface Display {
  /** The unit the user chose; `money` shows prices in it once its rate is known. */
  unit: PriceUnit;
  setUnit: (unit: PriceUnit) => void;
  rates: Rates | null;
  money: Money;
  prefecture: PrefectureNamer;
}

/**
 * How a page shows prices and prefectures: in the user's unit at GET /api/reference's rates,
 * prefectures named in the app's language. The page works on without the reference (names
 * from the cars, prices in yen) if it fails to load.
 */
export function useDisplay(): Display {
  const language = currentLanguage();
  const [unit, setUnit] = usePriceUnit();
  const reference = useApi<Reference>("/api/reference").data;
  const rates = reference?.rates ?? null;
  const money = useMemo(() => moneyFor(unit, language, rates), [unit, language, rates]);
  const prefecture = useMemo(() => prefectureNamer(reference, language), [reference, language]);
  return { unit, setUnit, rates, money, prefecture };
}
