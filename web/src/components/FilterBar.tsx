/**
 * The filter bar, and FILTER_FIELDS: the one table of the filters on the web's side. Each
 * entry says how its URL value is read (urlState.ts reads nothing else), how the control
 * shows it, and its chip above the table. The filters themselves, and their types, come from
 * the API (urlState's `Filters`, generated from core/filters.py's CarFilters): a filter the API
 * gains makes the compiler ask for its entry here, and an entry with no such filter is refused.
 */

import type { ComponentType } from "react";
import { useEffect, useRef, useState } from "react";
import type { FacetValue, Facets } from "../api";
import { formatKm, formatPrice, inputToPrice, label, priceToInput } from "../format";
import type { PriceUnit } from "../format";
import type { FilterValue, Filters } from "../urlState";

type Change = (changes: Partial<Filters>, options?: { replace?: boolean }) => void;

/** What every control gets: the filters, a way to change them, the values to offer. */
export interface ControlProps {
  filters: Filters;
  /** Counted without the make and model filters: the makes (and their models) to offer. */
  makeFacets: Facets | null;
  /** Counted under every filter. */
  facets: Facets | null;
  /** The facets under no filter: the colours, bodies, gearboxes and fuels to offer. */
  vocabulary: Facets | null;
  unit: PriceUnit;
  onUnit: (unit: PriceUnit) => void;
  onChange: Change;
}

/** The facets that are plain value lists (the makes nest their models). */
type FacetList = Exclude<keyof Facets, "makes">;

interface Shown<V> {
  /** The control's label. */
  label: string;
  /** The control's data-testid; by default filter-<key>, with dashes for underscores. */
  testId?: string;
  /** The text of the filter's chip; by default the value (label()'d for a vocabulary). */
  chip?: (value: V, unit: PriceUnit) => string;
  /**
   * The control, where the kind's own will not do; null where another field's control shows
   * this one too (the upper end of a range).
   */
  Control?: ComponentType<ControlProps> | null;
}

/**
 * Free text: NULs dropped, trimmed, cut to maxLength (CarFilters' max_length). Shown as a
 * select of the facet's values when there is a facet, else as a text box.
 */
export interface TextField extends Shown<string> {
  kind: "text";
  maxLength: number;
  facet?: FacetList;
}
/**
 * One of the API's vocabularies (core/vocab.py): trimmed and lowercased, any other value is
 * left to the API (a 422). Shown as a select of the values the cars have.
 */
export interface VocabularyField extends Shown<string> {
  kind: "vocabulary";
  facet: FacetList;
}
/** A whole number from min to max (CarFilters' ge and le); anything else is dropped. */
export interface IntField extends Shown<number> {
  kind: "int";
  min: number;
  max: number;
}
/** true or false, anything else is dropped. Shown as a select of the two `choices`. */
export interface FlagField extends Shown<boolean> {
  kind: "flag";
  choices: { false: string; true: string };
}
export type FilterField = TextField | VocabularyField | IntField | FlagField;

// The kinds a filter of the API's type can have: a number is an int, a boolean a flag.
type FieldFor<V> = [V] extends [number]
  ? IntField
  : [V] extends [boolean]
    ? FlagField
    : TextField | VocabularyField;
type FieldTable = { readonly [K in keyof Filters]-?: FieldFor<NonNullable<Filters[K]>> };

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
  all: FacetValue[] | undefined,
  selected: string | undefined,
  show: (value: string) => string = label,
) {
  const counts = new Map((facet ?? []).map((f) => [f.value, f.count]));
  // Facet values first (they have matches), then the rest of `all` (every value the cars have),
  // and always the selected value, even when the other filters leave it no match.
  const values = [...counts.keys()];
  for (const { value } of all ?? []) if (!counts.has(value)) values.push(value);
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

/**
 * `commit` as a function that stays the same from render to render (DebouncedInput restarts
 * its timer on a new one) and always calls the latest `commit`.
 */
function useStable(commit: (value: string) => void): (value: string) => void {
  const latest = useRef(commit);
  latest.current = commit;
  return useRef((value: string) => latest.current(value)).current;
}

function SearchBox({ filters, onChange }: ControlProps) {
  // Written with replaceState: typing is not a history entry per pause.
  const commit = useStable((value) =>
    onChange({ q: value.trim() || undefined }, { replace: true }),
  );
  const field = FIELDS.q;
  return (
    <label className="field field-search">
      <span>{field.label}</span>
      <DebouncedInput
        type="search"
        placeholder="Make, model or grade — English or 日本語"
        aria-keyshortcuts="/"
        title="Press / to search"
        value={filters.q ?? ""}
        onCommit={commit}
        maxLength={field.maxLength}
        data-testid="filter-q"
      />
    </label>
  );
}

function MakeSelect({ filters, makeFacets, onChange }: ControlProps) {
  return (
    <Select
      label={FIELDS.make.label}
      value={filters.make}
      onChange={(v) => onChange({ make: v || undefined })}
      testId="filter-make"
    >
      {options(makeFacets?.makes, undefined, filters.make, (v) => v)}
    </Select>
  );
}

function ModelSelect({ filters, makeFacets, onChange }: ControlProps) {
  const models = makeFacets?.makes?.find((m) => m.value === filters.make)?.models;
  return (
    <Select
      label={FIELDS.model.label}
      value={filters.model}
      onChange={(v) => onChange({ model: v || undefined })}
      anyLabel={filters.make ? "Any" : "Pick a make first"}
      testId="filter-model"
      disabled={!filters.make}
    >
      {filters.make && options(models, undefined, filters.model, (v) => v)}
    </Select>
  );
}

const CURRENT_YEAR = new Date().getFullYear();
const YEARS = Array.from({ length: CURRENT_YEAR - 1989 }, (_, i) => CURRENT_YEAR - i);
const MILEAGES = [10_000, 30_000, 50_000, 70_000, 100_000, 150_000];

function YearRange({ filters, onChange }: ControlProps) {
  const years = YEARS.map((y) => (
    <option key={y} value={y}>
      {y}
    </option>
  ));
  return (
    <div className="field-pair">
      <Select
        label={FIELDS.year_min.label}
        value={filters.year_min}
        onChange={(v) => onChange({ year_min: toInt(v) })}
        testId="filter-year-min"
      >
        {years}
      </Select>
      <Select
        label={FIELDS.year_max.label}
        value={filters.year_max}
        onChange={(v) => onChange({ year_max: toInt(v) })}
        testId="filter-year-max"
      >
        {years}
      </Select>
    </div>
  );
}

function PriceRange({ filters, unit, onUnit, onChange }: ControlProps) {
  const commitMin = useStable((value) => onChange({ price_min: inputToPrice(value, unit) }));
  const commitMax = useStable((value) => onChange({ price_max: inputToPrice(value, unit) }));
  const unitLabel = unit === "man" ? "万円" : "¥";
  return (
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
          aria-label={`${FIELDS.price_min.label} in ${unitLabel}`}
          value={priceToInput(filters.price_min, unit)}
          onCommit={commitMin}
          delay={600}
          data-testid="filter-price-min"
        />
        <DebouncedInput
          key={`max-${unit}`}
          inputMode="decimal"
          placeholder="max"
          aria-label={`${FIELDS.price_max.label} in ${unitLabel}`}
          value={priceToInput(filters.price_max, unit)}
          onCommit={commitMax}
          delay={600}
          data-testid="filter-price-max"
        />
      </div>
    </fieldset>
  );
}

function MileageSelect({ filters, onChange }: ControlProps) {
  return (
    <Select
      label={FIELDS.mileage_max.label}
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
  );
}

/**
 * Every filter, in the order of the keys in a URL. The types come from the API: a filter
 * (CarFilters' field) without an entry, or an entry of a kind its type cannot have, does not
 * compile.
 */
const FIELDS = {
  make: { kind: "text", maxLength: 64, label: "Make", Control: MakeSelect },
  model: { kind: "text", maxLength: 128, label: "Model", Control: ModelSelect },
  q: { kind: "text", maxLength: 100, label: "Search", Control: SearchBox, chip: (q) => `“${q}”` },
  year_min: {
    kind: "int", min: 1900, max: 2100, label: "Year from", Control: YearRange,
    chip: (year) => `from ${year}`,
  },
  year_max: {
    kind: "int", min: 1900, max: 2100, label: "to", Control: null,
    chip: (year) => `to ${year}`,
  },
  price_min: {
    kind: "int", min: 0, max: 10 ** 10, label: "Minimum price", Control: PriceRange,
    chip: (yen, unit) => `≥ ${formatPrice(yen, unit)}`,
  },
  price_max: {
    kind: "int", min: 0, max: 10 ** 10, label: "Maximum price", Control: null,
    chip: (yen, unit) => `≤ ${formatPrice(yen, unit)}`,
  },
  mileage_max: {
    kind: "int", min: 0, max: 10 ** 7, label: "Max mileage", Control: MileageSelect,
    chip: (km) => `≤ ${formatKm(km)}`,
  },
  color: { kind: "vocabulary", facet: "colors", label: "Colour" },
  body_type: { kind: "vocabulary", facet: "body_types", label: "Body", testId: "filter-body" },
  transmission: { kind: "vocabulary", facet: "transmissions", label: "Gearbox" },
  fuel: { kind: "vocabulary", facet: "fuels", label: "Fuel" },
  prefecture: { kind: "text", maxLength: 16, facet: "prefectures", label: "Prefecture" },
  repair_history: {
    kind: "flag", label: "Repair history", testId: "filter-repair",
    choices: { false: "None (修復歴なし)", true: "Repaired (修復歴あり)" },
    chip: (repaired) => (repaired ? "repaired" : "no repair history"),
  },
  drive: { kind: "text", maxLength: 16, label: "Drive" },
} satisfies FieldTable; // prettier-ignore
export const FILTER_FIELDS: FieldTable = FIELDS;

// The bar shows the search box first, then the table's order (the URL keeps make, model, q).
const BAR_ORDER = [
  "q",
  ...(Object.keys(FILTER_FIELDS) as (keyof Filters)[]).filter((name) => name !== "q"),
] satisfies (keyof Filters)[];

/** The text of an active filter's chip: "“prius”", "from 2018", "≥ ¥1,000,000", "White"… */
export function chipText(name: keyof Filters, filters: Filters, unit: PriceUnit): string {
  const value = filters[name];
  if (value === undefined) return "";
  const field = FILTER_FIELDS[name];
  // The table's types say which type of value each kind has.
  switch (field.kind) {
    case "int":
      return field.chip ? field.chip(value as number, unit) : String(value);
    case "flag":
      return field.chip
        ? field.chip(value as boolean, unit)
        : field.choices[value ? "true" : "false"];
    case "vocabulary":
      return field.chip ? field.chip(value as string, unit) : label(value as string);
    case "text":
      return field.chip ? field.chip(value as string, unit) : String(value);
  }
}

type FieldProps<F extends FilterField> = ControlProps & { name: keyof Filters; field: F };

const testIdOf = (name: keyof Filters, field: FilterField) =>
  field.testId ?? `filter-${name.replace(/_/g, "-")}`;

/** A text or number filter without a list to offer: a text box, committed after a pause. */
function TextBox({ name, field, filters, onChange }: FieldProps<TextField | IntField>) {
  const commit = useStable((text) => {
    const trimmed = text.trim();
    const number = /^\d+$/.test(trimmed) ? Number(trimmed) : undefined;
    const value = field.kind === "int" ? number : trimmed || undefined;
    onChange({ [name]: value }, { replace: true });
  });
  const value = filters[name];
  return (
    <label className="field">
      <span>{field.label}</span>
      <DebouncedInput
        value={value === undefined ? "" : String(value)}
        onCommit={commit}
        inputMode={field.kind === "int" ? "numeric" : undefined}
        maxLength={field.kind === "text" ? field.maxLength : undefined}
        data-testid={testIdOf(name, field)}
      />
    </label>
  );
}

/** The control of a field without a Control of its own, by its kind. */
function KindControl(props: FieldProps<FilterField>) {
  const { name, field, filters, facets, vocabulary, onChange } = props;
  const value = filters[name];
  const text = value as string | undefined; // a text or vocabulary field's value
  // null: the filter is cleared.
  const set = (next: FilterValue | null) => onChange({ [name]: next ?? undefined });
  const testId = testIdOf(name, field);
  switch (field.kind) {
    case "vocabulary":
      return (
        <Select label={field.label} value={text} onChange={(v) => set(v || null)} testId={testId}>
          {options(facets?.[field.facet], vocabulary?.[field.facet], text)}
        </Select>
      );
    case "flag":
      return (
        <Select
          label={field.label}
          value={value === undefined ? undefined : String(value)}
          onChange={(v) => set(v === "" ? null : v === "true")}
          testId={testId}
        >
          <option value="false">{field.choices.false}</option>
          <option value="true">{field.choices.true}</option>
        </Select>
      );
    case "text":
      if (field.facet) {
        return (
          <Select label={field.label} value={text} onChange={(v) => set(v || null)} testId={testId}>
            {options(facets?.[field.facet], undefined, text, (v) => v)}
          </Select>
        );
      }
      return <TextBox {...props} field={field} />;
    case "int":
      return <TextBox {...props} field={field} />;
  }
}

export function FilterBar({ open, ...props }: ControlProps & { open: boolean }) {
  const { filters, unit } = props;
  return (
    <section className={`filters${open ? " filters-open" : ""}`} aria-label="Filters" id="filters">
      {BAR_ORDER.map((name) => {
        const field = FILTER_FIELDS[name];
        if (field.Control === null) return null; // shown by its partner's control
        if (field.Control) return <field.Control key={name} {...props} />;
        return <KindControl key={name} name={name} field={field} {...props} />;
      })}
      <p className="price-hint" aria-live="polite">
        {priceHint(filters.price_min, filters.price_max, unit === "man" ? "yen" : "man")}
      </p>
    </section>
  );
}
