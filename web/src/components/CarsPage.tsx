import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Car, CarPage, Facets, SavedSearch } from "../api";
import { api, ApiError, errorText, NetworkError } from "../api";
import { useApi, useDisplay } from "../hooks";
import { navigate } from "../router";
import {
  activeFilterCount,
  filtersToParams,
  nextSort,
  parseView,
  viewToApiParams,
  viewToSearch,
  withFilters,
} from "../urlState";
import type { Filters, ViewState } from "../urlState";
import { CarDrawer } from "./CarDrawer";
import { CarsTable } from "./CarsTable";
import { chipText, FilterBar, filterLabel } from "./FilterBar";
import { Pagination } from "./Pagination";
import { SavedNotice, SaveSearchForm } from "./SaveSearch";
import { SortSelect } from "./SortSelect";

function Skeleton({ rows }: { rows: number }) {
  const { t } = useTranslation();
  return (
    <div className="skeleton" role="status" aria-label={t("cars.loadingCars")}>
      {Array.from({ length: Math.min(rows, 8) }, (_, i) => (
        <div key={i} className="skeleton-row">
          <span className="sk sk-thumb" />
          <span className="sk sk-wide" />
          <span className="sk" />
          <span className="sk" />
          <span className="sk" />
        </div>
      ))}
    </div>
  );
}

async function downloadCsv(view: ViewState): Promise<void> {
  const params = filtersToParams(view.filters);
  params.set("sort", view.sort);
  const response = await api.request(`/api/cars/export.csv?${params}`);
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, "");
  link.href = url;
  link.download = `cars-${stamp}.csv`;
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function CarsPage({ search, carId }: { search: string; carId: number | null }) {
  const { t } = useTranslation();
  const view = useMemo(() => parseView(search), [search]);
  const display = useDisplay();
  const { unit, setUnit, rates, money, prefecture } = display;
  const [filtersOpen, setFiltersOpen] = useState(false);
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<SavedSearch | null>(null);
  const saveButton = useRef<HTMLButtonElement>(null);

  // "/" jumps to the search box, as on most sites with a search.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
      if (target?.closest("input, select, textarea, [role=dialog]")) return;
      event.preventDefault();
      setFiltersOpen(true);
      window.setTimeout(() => document.querySelector<HTMLInputElement>("#filters input[type=search]")?.focus());
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  const cars = useApi<CarPage>(`/api/cars?${viewToApiParams(view)}`);
  // Makes and models are counted without the make/model filter (so the other makes stay
  // choosable); the other facets under every filter.
  const { make: _make, model: _model, ...otherFilters } = view.filters;
  void _make;
  void _model;
  const makeFacets = useApi<Facets>(`/api/cars/facets?${filtersToParams(otherFilters)}`);
  const facets = useApi<Facets>(`/api/cars/facets?${filtersToParams(view.filters)}`);
  // Under no filter: every colour, body, gearbox and fuel the cars have, for the lists.
  const vocabulary = useApi<Facets>("/api/cars/facets");

  const go = useCallback(
    (next: ViewState, options: { replace?: boolean; keepCar?: boolean } = {}) => {
      const query = viewToSearch(next);
      const path = options.keepCar && carId !== null ? `/cars/${carId}` : "/";
      navigate(query ? `${path}?${query}` : path, options);
    },
    [carId],
  );
  const change = useCallback(
    (changes: Partial<Filters>, options: { replace?: boolean } = {}) =>
      go(withFilters(view, changes), options),
    [go, view],
  );
  // A car's drawer over the table as it is.
  const carPath = useCallback(
    (id: number) => {
      const query = viewToSearch(view);
      return `/cars/${id}${query ? `?${query}` : ""}`;
    },
    [view],
  );
  const openCar = useCallback((car: Car) => navigate(carPath(car.id)), [carPath]);
  const closeCar = useCallback(() => go(view), [go, view]);

  const page = cars.data;
  const filterCount = activeFilterCount(view.filters);
  const error = cars.error;
  const firstLoad = page === null && cars.loading;

  let body: React.ReactNode;
  if (error && !cars.loading) {
    const unreachable = error instanceof NetworkError;
    const rejected = error instanceof ApiError && error.status === 422;
    body = (
      <div className="state-card" role="alert" data-testid="error-state">
        <h2>{t(unreachable ? "cars.unreachable" : rejected ? "cars.invalidFilters" : "cars.loadFailed")}</h2>
        <p>{errorText(error)}</p>
        <div className="state-actions">
          <button className="btn btn-primary" onClick={cars.reload}>
            {t("app.tryAgain")}
          </button>
          {filterCount > 0 && (
            <button className="btn" onClick={() => go({ ...view, filters: {}, page: 1 })}>
              {t("cars.clearFilters")}
            </button>
          )}
        </div>
      </div>
    );
  } else if (firstLoad || !page) {
    body = <Skeleton rows={view.pageSize} />;
  } else if (page.items.length === 0) {
    const pastEnd = page.total > 0 && view.page > 1;
    body = (
      <div className="state-card" data-testid="empty-state">
        <svg viewBox="0 0 64 40" width="72" aria-hidden="true" className="empty-icon">
          <path d="M8 28h48v-6l-6-2-7-8H21l-7 8-6 2z" fill="none" stroke="currentColor" strokeWidth="2.5" strokeLinejoin="round" />
          <circle cx="19" cy="29" r="4.5" fill="currentColor" />
          <circle cx="45" cy="29" r="4.5" fill="currentColor" />
        </svg>
        <h2>{pastEnd ? t("cars.pastEnd", { page: view.page }) : t("cars.noMatch")}</h2>
        <p>
          {pastEnd
            ? t("cars.fewerPages", { count: page.total })
            : t(filterCount > 0 ? "cars.widen" : "cars.noListings")}
        </p>
        <div className="state-actions">
          {pastEnd ? (
            <button className="btn btn-primary" onClick={() => go({ ...view, page: 1 })}>
              {t("cars.firstPage")}
            </button>
          ) : (
            filterCount > 0 && (
              <button className="btn btn-primary" onClick={() => go({ ...view, filters: {}, page: 1 })}>
                {t("cars.clearAllFilters")}
              </button>
            )
          )}
        </div>
      </div>
    );
  } else {
    body = (
      <CarsTable
        cars={page.items}
        sort={view.sort}
        money={money}
        prefecture={prefecture}
        busy={cars.loading}
        selectedId={carId}
        onSort={(column) => go({ ...view, sort: nextSort(view.sort, column), page: 1 })}
        onOpen={openCar}
      />
    );
  }

  return (
    <main className="cars-page">
      <div className="toolbar">
        <div className="title">
          <h1>{t("cars.title")}</h1>
          <span className="count" data-testid="total" aria-live="polite">
            {page ? t("cars.count", { count: page.total }) : ""}
          </span>
        </div>
        <div className="toolbar-actions">
          <SortSelect sort={view.sort} onSort={(sort) => go({ ...view, sort, page: 1 })} />
          <button
            type="button"
            className="btn filters-toggle"
            aria-expanded={filtersOpen}
            aria-controls="filters"
            onClick={() => setFiltersOpen((open) => !open)}
          >
            {filterCount > 0 ? t("cars.filtersCount", { count: filterCount }) : t("cars.filters")}
          </button>
          <button
            type="button"
            className="btn"
            ref={saveButton}
            aria-expanded={saving}
            data-testid="save-search"
            onClick={() => {
              setSaved(null);
              setSaving((open) => !open);
            }}
          >
            {t("saveSearch.title")}
          </button>
          <button
            type="button"
            className="btn"
            disabled={exporting || !page || page.total === 0}
            data-testid="export"
            onClick={async () => {
              setExporting(true);
              setExportError(null);
              try {
                await downloadCsv(view);
              } catch (caught) {
                setExportError(caught instanceof Error ? errorText(caught) : t("cars.exportFailedPlain"));
              } finally {
                setExporting(false);
              }
            }}
          >
            {t(exporting ? "cars.exporting" : "cars.export")}
          </button>
        </div>
      </div>
      {exportError && (
        <p className="form-error" role="alert">
          {t("cars.exportFailed", { reason: exportError })}
        </p>
      )}
      {saving && (
        <SaveSearchForm
          // A new set of filters offers a new name.
          key={filtersToParams(view.filters).toString()}
          filters={view.filters}
          display={display}
          onCancel={() => {
            setSaving(false);
            saveButton.current?.focus(); // back where the form was opened from
          }}
          onSaved={(search) => {
            setSaving(false);
            setSaved(search);
          }}
        />
      )}
      <div aria-live="polite" className="notice-slot">
        {saved && <SavedNotice search={saved} onDismiss={() => setSaved(null)} />}
      </div>
      <FilterBar
        filters={view.filters}
        makeFacets={makeFacets.data}
        facets={facets.data}
        vocabulary={vocabulary.data}
        unit={unit}
        money={money}
        rates={rates}
        onUnit={setUnit}
        prefecture={prefecture}
        onChange={change}
        open={filtersOpen}
      />
      {filterCount > 0 && (
        <ul className="chips" aria-label={t("cars.activeFilters")}>
          {(Object.keys(view.filters) as (keyof Filters)[]).map((key) => {
            const text = chipText(key, view.filters, money, prefecture);
            return (
              <li key={key}>
                <button
                  type="button"
                  className="chip"
                  onClick={() => change({ [key]: undefined })}
                  aria-label={t("cars.removeFilter", { name: filterLabel(key), value: text })}
                >
                  {text} <span aria-hidden="true">✕</span>
                </button>
              </li>
            );
          })}
          <li>
            <button type="button" className="chip chip-clear" onClick={() => go({ ...view, filters: {}, page: 1 })}>
              {t("cars.clearAll")}
            </button>
          </li>
        </ul>
      )}
      <div className={`results${cars.loading && page ? " is-loading" : ""}`}>
        {cars.loading && page && <div className="progress" role="progressbar" aria-label={t("cars.loading")} />}
        {body}
      </div>
      {page && page.total > 0 && (
        <Pagination
          page={view.page}
          pageSize={view.pageSize}
          total={page.total}
          onPage={(p) => {
            go({ ...view, page: p });
            window.scrollTo({ top: 0 });
          }}
          onPageSize={(size) => go({ ...view, pageSize: size, page: 1 })}
        />
      )}
      {carId !== null && (
        <CarDrawer
          key={carId}
          carId={carId}
          chosen={unit}
          money={money}
          rates={rates}
          prefecture={prefecture}
          carPath={carPath}
          onClose={closeCar}
        />
      )}
    </main>
  );
}
