import { useEffect, useRef, useState } from "react";
import type { FacetValue, Facets } from "../api";
import { formatPrice, inputToPrice, label, priceToInput } from "../format";
import type { PriceUnit } from "../format";
import { BODY_TYPES, COLORS, FUELS, TRANSMISSIONS } from "../urlState";
import type { Filters } from "../urlState";

type Change = (changes: Partial<Filters>, options?: { replace?: boolean }) => void;

/** A text box that commits after a pause in typing, on Enter and on blur. */
function DebouncedInput({
  value,
  onCommit,
  delay = 350,
  ...props
}: {
  value: string;
  onCommit: (value: string) => void;
  delay?: number;
} & Omit<React.InputHTMLAttributes<HTMLInputElement>, "value" | "onChange">) {
  const [text, setText] = useState(value);
  const committed = useRef(value);
  // The URL changed under us (back/forward, a cleared filter): show it.
  useEffect(() => {
    if (value !== committed.current) {
      committed.current = value;
      setText(value);
    }
  }, [value]);
  useEffect(() => {
    if (text === committed.current) return;
    const timer = window.setTimeout(() => {
      committed.current = text;
      onCommit(text);
    }, delay);
    return () => window.clearTimeout(timer);
  }, [text, delay, onCommit]);
  const flush = () => {
    if (text !== committed.current) {
      committed.current = text;
      onCommit(text);
    }
  };
  return (
    <input
      {...props}
      value={text}
      onChange={(e) => setText(e.target.value)}
      onBlur={flush}
      onKeyDown={(e) => {
        if (e.key === "Enter") flush();
      }}
    />
  );
}

function options(
  facet: FacetValue[] | undefined,
  all: readonly string[] | null,
  selected: string | undefined,
  show: (value: string) => string = label,
) {
  const counts = new Map((facet ?? []).map((f) => [f.value, f.count]));
  // Facet values first (they have matches), then the rest of the vocabulary, and always the
  // selected value, even when the other filters leave it no match.
  const values = [...counts.keys()];
  for (const value of all ?? []) if (!counts.has(value)) values.push(value);
  if (selected && !values.includes(selected)) values.unshift(selected);
  return values.map((value) => {
    const count = counts.get(value);
    return (
      <option key={value} value={value}>
        {show(value)}
        {/* Facets are counted under every filter, this one included: while a value is
            chosen, the others' counts are unknown rather than zero. */}
        {count !== undefined ? ` (${count})` : facet && !selected ? " (0)" : ""}
      </option>
    );
  });
}

const CURRENT_YEAR = new Date().getFullYear();
const YEARS = Array.from({ length: CURRENT_YEAR - 1989 }, (_, i) => CURRENT_YEAR - i);
const MILEAGES = [10_000, 30_000, 50_000, 70_000, 100_000, 150_000];

function Select({
  label: name,
  value,
  onChange,
  children,
  anyLabel = "Any",
  testId,
  disabled = false,
}: {
  label: string;
  value: string | number | undefined;
  onChange: (value: string) => void;
  children: React.ReactNode;
  anyLabel?: string;
  testId?: string;
  disabled?: boolean;
}) {
  return (
    <label className="field">
      <span>{name}</span>
      <select
        value={value === undefined ? "" : String(value)}
        onChange={(e) => onChange(e.target.value)}
        data-testid={testId}
        disabled={disabled}
      >
        <option value="">{anyLabel}</option>
        {children}
      </select>
    </label>
  );
}

/** The price range in the other unit, as a check on what was typed: "≤ ¥3,000,000". */
function priceHint(min: number | undefined, max: number | undefined, unit: PriceUnit): string {
  if (min !== undefined && max !== undefined) {
    return `${formatPrice(min, unit)} – ${formatPrice(max, unit)}`;
  }
  if (min !== undefined) return `≥ ${formatPrice(min, unit)}`;
  if (max !== undefined) return `≤ ${formatPrice(max, unit)}`;
  return "";
}

const toInt = (value: string) => (value === "" ? undefined : Number(value));

export function FilterBar({
  filters,
  makeFacets,
  facets,
  unit,
  onUnit,
  onChange,
  open,
}: {
  filters: Filters;
  makeFacets: Facets | null;
  facets: Facets | null;
  unit: PriceUnit;
  onUnit: (unit: PriceUnit) => void;
  onChange: Change;
  open: boolean;
}) {
  const makes = makeFacets?.makes;
  const models = makes?.find((m) => m.value === filters.make)?.models;
  const commitText = useRef<(value: string) => void>(() => undefined);
  commitText.current = (value: string) => onChange({ q: value.trim() || undefined }, { replace: true });
  const stableCommitText = useRef((value: string) => commitText.current(value)).current;
  const commitMin = useRef<(value: string) => void>(() => undefined);
  commitMin.current = (value: string) => onChange({ price_min: inputToPrice(value, unit) });
  const stableMin = useRef((value: string) => commitMin.current(value)).current;
  const commitMax = useRef<(value: string) => void>(() => undefined);
  commitMax.current = (value: string) => onChange({ price_max: inputToPrice(value, unit) });
  const stableMax = useRef((value: string) => commitMax.current(value)).current;
  const unitLabel = unit === "man" ? "万円" : "¥";

  return (
    <section className={`filters${open ? " filters-open" : ""}`} aria-label="Filters" id="filters">
      <label className="field field-search">
        <span>Search</span>
        <DebouncedInput
          type="search"
          placeholder="Make, model or grade — English or 日本語"
          aria-keyshortcuts="/"
          title="Press / to search"
          value={filters.q ?? ""}
          onCommit={stableCommitText}
          maxLength={100}
          data-testid="filter-q"
        />
      </label>
      <Select
        label="Make"
        value={filters.make}
        onChange={(v) => onChange({ make: v || undefined })}
        testId="filter-make"
      >
        {options(makes, null, filters.make, (v) => v)}
      </Select>
      <Select
        label="Model"
        value={filters.model}
        onChange={(v) => onChange({ model: v || undefined })}
        anyLabel={filters.make ? "Any" : "Pick a make first"}
        testId="filter-model"
        disabled={!filters.make}
      >
        {filters.make && options(models, null, filters.model, (v) => v)}
      </Select>
      <div className="field-pair">
        <Select
          label="Year from"
          value={filters.year_min}
          onChange={(v) => onChange({ year_min: toInt(v) })}
          testId="filter-year-min"
        >
          {YEARS.map((y) => (
            <option key={y} value={y}>
              {y}
            </option>
          ))}
        </Select>
        <Select
          label="to"
          value={filters.year_max}
          onChange={(v) => onChange({ year_max: toInt(v) })}
          testId="filter-year-max"
        >
          {YEARS.map((y) => (
            <option key={y} value={y}>
              {y}
            </option>
          ))}
        </Select>
      </div>
      <fieldset className="field price-range">
        <legend>
          <span>Price ({unitLabel}, total)</span>
          <span className="unit-toggle" role="group" aria-label="Price unit">
            <button
              type="button"
              aria-pressed={unit === "yen"}
              onClick={() => onUnit("yen")}
              data-testid="unit-yen"
            >
              ¥
            </button>
            <button
              type="button"
              aria-pressed={unit === "man"}
              onClick={() => onUnit("man")}
              data-testid="unit-man"
            >
              万円
            </button>
          </span>
        </legend>
        <div className="field-pair">
          <DebouncedInput
            key={`min-${unit}`}
            inputMode="decimal"
            placeholder="min"
            aria-label={`Minimum price in ${unitLabel}`}
            value={priceToInput(filters.price_min, unit)}
            onCommit={stableMin}
            delay={600}
            data-testid="filter-price-min"
          />
          <DebouncedInput
            key={`max-${unit}`}
            inputMode="decimal"
            placeholder="max"
            aria-label={`Maximum price in ${unitLabel}`}
            value={priceToInput(filters.price_max, unit)}
            onCommit={stableMax}
            delay={600}
            data-testid="filter-price-max"
          />
        </div>
      </fieldset>
      <Select
        label="Max mileage"
        value={filters.mileage_max}
        onChange={(v) => onChange({ mileage_max: toInt(v) })}
        testId="filter-mileage"
      >
        {[...new Set([...MILEAGES, ...(filters.mileage_max ? [filters.mileage_max] : [])])]
          .sort((a, b) => a - b)
          .map((km) => (
            <option key={km} value={km}>
              ≤ {km.toLocaleString("en-US")} km
            </option>
          ))}
      </Select>
      <Select
        label="Colour"
        value={filters.color}
        onChange={(v) => onChange({ color: v || undefined })}
        testId="filter-color"
      >
        {options(facets?.colors, COLORS, filters.color)}
      </Select>
      <Select
        label="Body"
        value={filters.body_type}
        onChange={(v) => onChange({ body_type: v || undefined })}
        testId="filter-body"
      >
        {options(facets?.body_types, BODY_TYPES, filters.body_type)}
      </Select>
      <Select
        label="Gearbox"
        value={filters.transmission}
        onChange={(v) => onChange({ transmission: v || undefined })}
        testId="filter-transmission"
      >
        {options(facets?.transmissions, TRANSMISSIONS, filters.transmission)}
      </Select>
      <Select
        label="Fuel"
        value={filters.fuel}
        onChange={(v) => onChange({ fuel: v || undefined })}
        testId="filter-fuel"
      >
        {options(facets?.fuels, FUELS, filters.fuel)}
      </Select>
      <Select
        label="Prefecture"
        value={filters.prefecture}
        onChange={(v) => onChange({ prefecture: v || undefined })}
        testId="filter-prefecture"
      >
        {options(facets?.prefectures, null, filters.prefecture, (v) => v)}
      </Select>
      <Select
        label="Repair history"
        value={filters.repair_history === undefined ? undefined : String(filters.repair_history)}
        onChange={(v) => onChange({ repair_history: v === "" ? undefined : v === "true" })}
        testId="filter-repair"
      >
        <option value="false">None (修復歴なし)</option>
        <option value="true">Repaired (修復歴あり)</option>
      </Select>
      <p className="price-hint" aria-live="polite">
        {priceHint(filters.price_min, filters.price_max, unit === "man" ? "yen" : "man")}
      </p>
    </section>
  );
}
