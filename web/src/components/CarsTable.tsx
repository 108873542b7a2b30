import type { KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import type { Car } from "../api";
import { formatDateTime, formatKm, vocabLabel } from "../format";
import i18n, { currentLanguage } from "../i18n";
import { formatPrice, formatYen, isForeign } from "../money";
import type { Money } from "../money";
import type { PrefectureNamer } from "../prefectures";
import type { Sort, SortColumn as Column } from "../urlState";
import { DealBadge } from "./DealBadge";
import { Thumb } from "./Thumb";

function SortHeader({
  column,
  sort,
  onSort,
  children,
  className,
}: {
  column: Column;
  sort: Sort;
  onSort: (column: Column) => void;
  children: React.ReactNode;
  className?: string;
}) {
  const direction = sort === column ? "ascending" : sort === `-${column}` ? "descending" : "none";
  return (
    <th scope="col" aria-sort={direction} className={className}>
      <button
        type="button"
        className="sort-button"
        onClick={() => onSort(column)}
        data-testid={`sort-${column}`}
      >
        {children}
        <span className={`sort-icon sort-${direction}`} aria-hidden="true">
          {direction === "ascending" ? "▲" : direction === "descending" ? "▼" : "↕"}
        </span>
      </button>
    </th>
  );
}

export function carName(car: Pick<Car, "make" | "make_ja" | "model" | "model_ja">): string {
  return `${car.make ?? car.make_ja ?? i18n.t("table.unknownMake")} ${car.model ?? car.model_ja ?? ""}`.trim();
}

/** A price in the chosen unit; a converted one with its yen under it, the price the site asks. */
export function Price({ yen, money, testId }: { yen: number | null; money: Money; testId?: string }) {
  return (
    <>
      <span data-testid={testId}>{formatPrice(yen, money)}</span>
      {isForeign(money.unit) && yen !== null && (
        <span className="price-yen" data-testid={testId && `${testId}-yen`}>
          {formatYen(yen, money.locale)}
        </span>
      )}
    </>
  );
}

function rowKeys(event: KeyboardEvent<HTMLTableRowElement>, open: () => void) {
  const row = event.currentTarget;
  if (event.target !== row) return; // keys inside the row's link are the link's
  if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    open();
  } else if (event.key === "ArrowDown" || event.key === "j") {
    event.preventDefault();
    (row.nextElementSibling as HTMLElement | null)?.focus();
  } else if (event.key === "ArrowUp" || event.key === "k") {
    event.preventDefault();
    (row.previousElementSibling as HTMLElement | null)?.focus();
  } else if (event.key === "Home") {
    event.preventDefault();
    (row.parentElement?.firstElementChild as HTMLElement | null)?.focus();
  } else if (event.key === "End") {
    event.preventDefault();
    (row.parentElement?.lastElementChild as HTMLElement | null)?.focus();
  }
}

export function CarsTable({
  cars,
  sort,
  money,
  prefecture,
  busy,
  selectedId,
  onSort,
  onOpen,
}: {
  cars: Car[];
  sort: Sort;
  money: Money;
  prefecture: PrefectureNamer;
  busy: boolean;
  selectedId: number | null;
  onSort: (column: Column) => void;
  onOpen: (car: Car) => void;
}) {
  const { t } = useTranslation();
  const language = currentLanguage();
  return (
    <div className="table-wrap">
      <table className="cars" aria-busy={busy} data-testid="cars-table">
        <caption className="visually-hidden">
          {t("table.caption")}
        </caption>
        <thead>
          <tr>
            <th scope="col" className="col-photo">
              <span className="visually-hidden">{t("table.photo")}</span>
            </th>
            <th scope="col">{t("table.car")}</th>
            <SortHeader column="year" sort={sort} onSort={onSort} className="num">
              {t("table.year")}
            </SortHeader>
            <SortHeader column="mileage" sort={sort} onSort={onSort} className="num">
              {t("table.mileage")}
            </SortHeader>
            <SortHeader column="price" sort={sort} onSort={onSort} className="num">
              {t("table.total")}
            </SortHeader>
            <SortHeader column="deal" sort={sort} onSort={onSort}>
              {t("table.deal")}
            </SortHeader>
            <th scope="col" className="num">
              {t("table.body")}
            </th>
            <th scope="col">{t("table.color")}</th>
            <th scope="col">{t("table.prefecture")}</th>
            <SortHeader column="updated" sort={sort} onSort={onSort}>
              {t("table.updated")}
            </SortHeader>
            <th scope="col">
              <span className="visually-hidden">{t("table.listing")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {cars.map((car) => {
            const name = carName(car);
            const ja = [car.make_ja, car.model_ja].filter(Boolean).join(" ");
            return (
              <tr
                key={car.id}
                tabIndex={0}
                className={selectedId === car.id ? "selected" : undefined}
                aria-label={`${name}${car.year ? `, ${car.year}` : ""}, ${formatPrice(
                  car.total_price_jpy ?? car.price_jpy,
                  money,
                )}`}
                data-testid="car-row"
                data-car-id={car.id}
                onClick={(e) => {
                  if ((e.target as HTMLElement).closest("a")) return;
                  onOpen(car);
                }}
                onKeyDown={(e) => rowKeys(e, () => onOpen(car))}
              >
                <td className="col-photo">
                  <Thumb src={car.image_url} alt={name} />
                </td>
                <td className="col-car">
                  <span className="car-name" data-testid="car-name">
                    {name}
                  </span>
                  {ja && (
                    <span className="car-ja" lang="ja">
                      {ja}
                    </span>
                  )}
                  {car.grade && <span className="car-grade">{car.grade}</span>}
                </td>
                <td className="num col-year" data-label={t("table.year")}>
                  {car.year ?? "—"}
                </td>
                <td className="num col-mileage" data-label={t("table.mileage")}>
                  {formatKm(car.mileage_km)}
                </td>
                <td className="num col-total" data-label={t("table.totalShort")}>
                  <strong>
                    <Price yen={car.total_price_jpy} money={money} testId="car-total" />
                  </strong>
                </td>
                <td className="col-deal" data-label={t("table.deal")}>
                  <DealBadge car={car} money={money} />
                </td>
                <td className="num col-body" data-label={t("table.bodyShort")}>
                  <Price yen={car.price_jpy} money={money} />
                </td>
                <td className="col-color" data-label={t("table.color")}>
                  {car.color && (
                    <span className={`swatch swatch-${car.color}`} aria-hidden="true" />
                  )}
                  {car.color_ja && language === "ja" ? car.color_ja : vocabLabel("colors", car.color)}
                  {car.color_ja && language !== "ja" && (
                    <span className="hint" lang="ja">
                      {" "}
                      {car.color_ja}
                    </span>
                  )}
                </td>
                <td className="col-pref" data-label={t("table.prefecture")} data-testid="car-prefecture">
                  {prefecture(car.prefecture, car.prefecture_en)}
                </td>
                <td className="col-updated" data-label={t("table.updated")}>
                  {formatDateTime(car.updated_at)}
                </td>
                <td className="col-link">
                  <a
                    href={car.url}
                    target="_blank"
                    rel="noopener noreferrer"
                    tabIndex={-1}
                    title={t("table.openListing")}
                  >
                    carsensor ↗
                  </a>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
