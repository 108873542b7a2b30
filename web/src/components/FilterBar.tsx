/**
 * The filter bar, and FILTER_FIELDS: the one table of the filters on the web's side. Each
 * entry says how its URL value is read (urlState.ts reads nothing else), how the control
 * shows it, and its chip above the table. The filters themselves, and their types, come from
 * the API (urlState's `Filters`, generated from core/filters.py's CarFilters): a filter the API
 * gains makes the compiler ask for its entry here, and an entry with no such filter is refused.
 */

import type { ParseKeys } from "i18next";
import type { ComponentType } from "react";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { FacetValue, Facets, Rates } from "../api";
import { dealClass, dealLabel, DEALS } from "../deal";
import { formatAnyOf, formatKm, vocabLabel } from "../format";
import type { Vocabulary } from "../format";
import i18n from "../i18n";
import { formatPrice, formatYen, inputToPrice, PRICE_UNITS, priceToInput, UNIT_SYMBOL } from "../money";
import type { Money, PriceUnit } from "../money";
import type { PrefectureNamer } from "../prefectures";
import type { FilterValue, Filters } from "../urlState";
import { RateNote } from "./RateNote";

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
  /** The unit the user chose; `money` shows prices in it once its rate is known. */
  unit: PriceUnit;
  money: Money;
  rates: Rates | null;
  onUnit: (unit: PriceUnit) => void;
  prefecture: PrefectureNamer;
  onChange: Change;
}

/** The facets that are plain value lists (the makes nest their models). */
type FacetList = Exclude<keyof Facets, "makes">;

// A filter's label is its message filter.<key> (locales/*.json): the compiler asks for one when
// the API gains a filter.
interface Shown<V> {
  /** The control's data-testid; by default filter-<key>, with dashes for underscores. */
  testId?: string;
  /** The text of the filter's chip; by default the value (named, for a vocabulary). */
  chip?: (value: V, money: Money) => string;
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
  facet: Vocabulary;
}
/** A whole number from min to max (CarFilters' ge and le); anything else is dropped. */
export interface IntField extends Shown<number> {
  kind: "int";
  min: number;
  max: number;
}
/** true or false, anything else is dropped. Shown as a select of the two `choices` (messages). */
export interface FlagField extends Shown<boolean> {
  kind: "flag";
  choices: { false: ParseKeys; true: ParseKeys };
}
/**
 * Any of a fixed list of values (the API takes a list): comma-separated in the URL
 * (deal=great,good), in the list's order; values not in it are dropped. Shown as a checkbox each.
 */
export interface ListField extends Shown<readonly string[]> {
  kind: "list";
  values: readonly string[];
  /** A value's name, in the app's language. */
  name(value: string): string;
  /** The class of a value's name (a deal band's colour). */
  tone?(value: string): string;
}
export type FilterField = TextField | VocabularyField | IntField | FlagField | ListField;

// The kinds a filter of the API's type can have: a number is an int, a boolean a flag, a list
// a list.
type FieldFor<V> = [V] extends [number]
  ? IntField
  : [V] extends [boolean]
    ? FlagField
    : [V] extends [readonly string[]]
      ? ListField
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

const asIs = (value: string) => value;

function options(
  facet: FacetValue[] | undefined,
  all: FacetValue[] | undefined,
  selected: string | undefined,
  show: (value: string) => string,
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
  anyLabel,
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
  const { t } = useTranslation();
  return (
    <label className="field">
      <span>{name}</span>
      <select
        value={value === undefined ? "" : String(value)}
        onChange={(e) => onChange(e.target.value)}
        data-testid={testId}
        disabled={disabled}
      >
        <option value="">{anyLabel ?? t("filters.any")}</option>
        {children}
      </select>
    </label>
  );
}

/**
 * The price range in yen (in 万円 when the boxes are in yen), as a check on what was typed and
 * what the API is asked for: "≤ ¥3,000,000".
 */
function priceHint(min: number | undefined, max: number | undefined, money: Money): string {
  const show = (yen: number) =>
    money.unit === "yen" ? formatPrice(yen, { ...money, unit: "man", yenPerUnit: 10_000 }) : formatYen(yen, money.locale);
  if (min !== undefined && max !== undefined) return `${show(min)} – ${show(max)}`;
  if (min !== undefined) return `≥ ${show(min)}`;
  if (max !== undefined) return `≤ ${show(max)}`;
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
  const { t } = useTranslation();
  // Written with replaceState: typing is not a history entry per pause.
  const commit = useStable((value) =>
    onChange({ q: value.trim() || undefined }, { replace: true }),
  );
  return (
    <label className="field field-search">
      <span>{t("filter.q")}</span>
      <DebouncedInput
        type="search"
        placeholder={t("filters.searchPlaceholder")}
        aria-keyshortcuts="/"
        title={t("filters.searchTitle")}
        value={filters.q ?? ""}
        onCommit={commit}
        maxLength={FIELDS.q.maxLength}
        data-testid="filter-q"
      />
    </label>
  );
}

function MakeSelect({ filters, makeFacets, onChange }: ControlProps) {
  const { t } = useTranslation();
  return (
    <Select
      label={t("filter.make")}
      value={filters.make}
      onChange={(v) => onChange({ make: v || undefined })}
      testId="filter-make"
    >
      {options(makeFacets?.makes, undefined, filters.make, asIs)}
    </Select>
  );
}

function ModelSelect({ filters, makeFacets, onChange }: ControlProps) {
  const { t } = useTranslation();
  const models = makeFacets?.makes?.find((m) => m.value === filters.make)?.models;
  return (
    <Select
      label={t("filter.model")}
      value={filters.model}
      onChange={(v) => onChange({ model: v || undefined })}
      anyLabel={filters.make ? undefined : t("filters.pickMake")}
      testId="filter-model"
      disabled={!filters.make}
    >
      {filters.make && options(models, undefined, filters.model, asIs)}
    </Select>
  );
}

const CURRENT_YEAR = new Date().getFullYear();
const YEARS = Array.from({ length: CURRENT_YEAR - 1989 }, (_, i) => CURRENT_YEAR - i);
const MILEAGES = [10_000, 30_000, 50_000, 70_000, 100_000, 150_000];

function YearRange({ filters, onChange }: ControlProps) {
  const { t } = useTranslation();
  const years = YEARS.map((y) => (
    <option key={y} value={y}>
      {y}
    </option>
  ));
  return (
    <div className="field-pair">
      <Select
        label={t("filter.year_min")}
        value={filters.year_min}
        onChange={(v) => onChange({ year_min: toInt(v) })}
        testId="filter-year-min"
      >
        {years}
      </Select>
      <Select
        label={t("filter.year_max")}
        value={filters.year_max}
        onChange={(v) => onChange({ year_max: toInt(v) })}
        testId="filter-year-max"
      >
        {years}
      </Select>
    </div>
  );
}

function PriceRange({ filters, unit, money, onUnit, onChange }: ControlProps) {
  const { t } = useTranslation();
  // The boxes are in the unit prices are shown in; the URL and the API keep yen.
  const commitMin = useStable((value) => onChange({ price_min: inputToPrice(value, money) }));
  const commitMax = useStable((value) => onChange({ price_max: inputToPrice(value, money) }));
  const symbol = UNIT_SYMBOL[money.unit];
  // A new unit or rate redraws the boxes from the URL's yen.
  const shown = `${money.unit}-${money.yenPerUnit}-${money.locale}`;
  return (
    <fieldset className="field price-range">
      <legend>
        <span>{t("filters.price", { unit: symbol })}</span>
        <span className="unit-toggle" role="group" aria-label={t("filters.currency")}>
          {PRICE_UNITS.map((choice) => (
            <button
              key={choice}
              type="button"
              aria-pressed={unit === choice}
              onClick={() => onUnit(choice)}
              data-testid={`unit-${choice}`}
            >
              {UNIT_SYMBOL[choice]}
            </button>
          ))}
        </span>
      </legend>
      <div className="field-pair">
        <DebouncedInput
          key={`min-${shown}`}
          inputMode="decimal"
          placeholder={t("filters.min")}
          aria-label={t("filters.priceIn", { label: t("filter.price_min"), unit: symbol })}
          value={priceToInput(filters.price_min, money)}
          onCommit={commitMin}
          delay={600}
          data-testid="filter-price-min"
        />
        <DebouncedInput
          key={`max-${shown}`}
          inputMode="decimal"
          placeholder={t("filters.max")}
          aria-label={t("filters.priceIn", { label: t("filter.price_max"), unit: symbol })}
          value={priceToInput(filters.price_max, money)}
          onCommit={commitMax}
          delay={600}
          data-testid="filter-price-max"
        />
      </div>
    </fieldset>
  );
}

function MileageSelect({ filters, onChange }: ControlProps) {
  const { t } = useTranslation();
  return (
    <Select
      label={t("filter.mileage_max")}
      value={filters.mileage_max}
      onChange={(v) => onChange({ mileage_max: toInt(v) })}
      testId="filter-mileage"
    >
      {[...new Set([...MILEAGES, ...(filters.mileage_max ? [filters.mileage_max] : [])])]
        .sort((a, b) => a - b)
        .map((km) => (
          <option key={km} value={km}>
            {t("filters.atMostKm", { km: formatKm(km) })}
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
  make: { kind: "text", maxLength: 64, Control: MakeSelect },
  model: { kind: "text", maxLength: 128, Control: ModelSelect },
  q: { kind: "text", maxLength: 100, Control: SearchBox, chip: (q) => i18n.t("filters.chip.q", { q }) },
  year_min: {
    kind: "int", min: 1900, max: 2100, Control: YearRange,
    chip: (year) => i18n.t("filters.chip.from", { year }),
  },
  year_max: {
    kind: "int", min: 1900, max: 2100, Control: null,
    chip: (year) => i18n.t("filters.chip.to", { year }),
  },
  price_min: {
    kind: "int", min: 0, max: 10 ** 10, Control: PriceRange,
    chip: (yen, money) => i18n.t("filters.chip.atLeast", { value: formatPrice(yen, money) }),
  },
  price_max: {
    kind: "int", min: 0, max: 10 ** 10, Control: null,
    chip: (yen, money) => i18n.t("filters.chip.atMost", { value: formatPrice(yen, money) }),
  },
  mileage_max: {
    kind: "int", min: 0, max: 10 ** 7, Control: MileageSelect,
    chip: (km) => i18n.t("filters.chip.atMost", { value: formatKm(km) }),
  },
  color: { kind: "vocabulary", facet: "colors" },
  body_type: { kind: "vocabulary", facet: "body_types", testId: "filter-body" },
  transmission: { kind: "vocabulary", facet: "transmissions" },
  fuel: { kind: "vocabulary", facet: "fuels" },
  prefecture: { kind: "text", maxLength: 16, facet: "prefectures" },
  repair_history: {
    kind: "flag", testId: "filter-repair",
    choices: { false: "filters.notRepaired", true: "filters.repaired" },
    chip: (repaired) => i18n.t(repaired ? "filters.chip.repaired" : "filters.chip.notRepaired"),
  },
  drive: { kind: "text", maxLength: 16 },
  deal: { kind: "list", values: DEALS, name: dealLabel, tone: dealClass },
} satisfies FieldTable; // prettier-ignore
export const FILTER_FIELDS: FieldTable = FIELDS;

// The bar shows the search box first, then the table's order (the URL keeps make, model, q).
const BAR_ORDER = [
  "q",
  ...(Object.keys(FILTER_FIELDS) as (keyof Filters)[]).filter((name) => name !== "q"),
] satisfies (keyof Filters)[];

/** A filter's label, in the app's language. */
export function filterLabel(name: keyof Filters): string {
  return i18n.t(`filter.${name}`);
}

/**
 * The text of an active filter's chip: "“prius”", "from 2018", "≥ ¥1,000,000", "White"… A
 * prefecture's is its name in the app's language.
 */
export function chipText(name: keyof Filters, filters: Filters, money: Money, prefecture: PrefectureNamer): string {
  const value = filters[name];
  if (value === undefined) return "";
  const field = FILTER_FIELDS[name];
  // The table's types say which type of value each kind has.
  switch (field.kind) {
    case "int":
      return field.chip ? field.chip(value as number, money) : String(value);
    case "flag":
      return field.chip ? field.chip(value as boolean, money) : i18n.t(field.choices[value ? "true" : "false"]);
    case "vocabulary":
      return field.chip ? field.chip(value as string, money) : vocabLabel(field.facet, value as string);
    case "text":
      if (field.chip) return field.chip(value as string, money);
      return field.facet === "prefectures" ? prefecture(value as string) : String(value);
    case "list":
      return field.chip ? field.chip(value as string[], money) : formatAnyOf((value as string[]).map(field.name));
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
      <span>{filterLabel(name)}</span>
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

/** A list filter: a checkbox per value; none ticked is no filter. */
function ListChecks({ name, field, filters, onChange }: FieldProps<ListField>) {
  const chosen = (filters[name] as string[] | undefined) ?? [];
  const toggle = (value: string, on: boolean) => {
    const next = field.values.filter((v) => (v === value ? on : chosen.includes(v)));
    onChange({ [name]: next.length ? next : undefined });
  };
  const testId = testIdOf(name, field);
  return (
    <fieldset className="field checks" data-testid={testId}>
      <legend>{filterLabel(name)}</legend>
      {field.values.map((value) => (
        <label key={value}>
          <input
            type="checkbox"
            checked={chosen.includes(value)}
            onChange={(e) => toggle(value, e.target.checked)}
            data-testid={`${testId}-${value}`}
          />
          <span className={field.tone?.(value)}>{field.name(value)}</span>
        </label>
      ))}
    </fieldset>
  );
}

/** The control of a field without a Control of its own, by its kind. */
function KindControl(props: FieldProps<FilterField>) {
  const { t } = useTranslation();
  const { name, field, filters, facets, vocabulary, prefecture, onChange } = props;
  const value = filters[name];
  const text = value as string | undefined; // a text or vocabulary field's value
  // null: the filter is cleared.
  const set = (next: FilterValue | null) => onChange({ [name]: next ?? undefined });
  const testId = testIdOf(name, field);
  switch (field.kind) {
    case "vocabulary":
      return (
        <Select label={filterLabel(name)} value={text} onChange={(v) => set(v || null)} testId={testId}>
          {options(facets?.[field.facet], vocabulary?.[field.facet], text, (v) => vocabLabel(field.facet, v))}
        </Select>
      );
    case "flag":
      return (
        <Select
          label={filterLabel(name)}
          value={value === undefined ? undefined : String(value)}
          onChange={(v) => set(v === "" ? null : v === "true")}
          testId={testId}
        >
          <option value="false">{t(field.choices.false)}</option>
          <option value="true">{t(field.choices.true)}</option>
        </Select>
      );
    case "text":
      if (field.facet) {
        // Prefectures: the Japanese name is the value (the API filters by it), shown in the app's language.
        const show = field.facet === "prefectures" ? (v: string) => prefecture(v) : asIs;
        return (
          <Select label={filterLabel(name)} value={text} onChange={(v) => set(v || null)} testId={testId}>
            {options(facets?.[field.facet], undefined, text, show)}
          </Select>
        );
      }
      return <TextBox {...props} field={field} />;
    case "int":
      return <TextBox {...props} field={field} />;
    case "list":
      return <ListChecks {...props} field={field} />;
  }
}

export function FilterBar({ open, ...props }: ControlProps & { open: boolean }) {
  const { t } = useTranslation();
  const { filters, unit, money, rates } = props;
  return (
    <section className={`filters${open ? " filters-open" : ""}`} aria-label={t("filters.region")} id="filters">
      {BAR_ORDER.map((name) => {
        const field = FILTER_FIELDS[name];
        if (field.Control === null) return null; // shown by its partner's control
        if (field.Control) return <field.Control key={name} {...props} />;
        return <KindControl key={name} name={name} field={field} {...props} />;
      })}
      <p className="price-hint" aria-live="polite">
        {priceHint(filters.price_min, filters.price_max, money)}
      </p>
      <RateNote chosen={unit} money={money} rates={rates} />
    </section>
  );
}
