import type { KeyboardEvent } from "react";
import type { Car } from "../api";
import { formatDateTime, formatKm, formatPrice, label } from "../format";
import type { PriceUnit } from "../format";
import type { Sort, SortColumn as Column } from "../urlState";
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
  return `${car.make ?? car.make_ja ?? "Unknown"} ${car.model ?? car.model_ja ?? ""}`.trim();
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
  unit,
  busy,
  selectedId,
  onSort,
  onOpen,
}: {
  cars: Car[];
  sort: Sort;
  unit: PriceUnit;
  busy: boolean;
  selectedId: number | null;
  onSort: (column: Column) => void;
  onOpen: (car: Car) => void;
}) {
  return (
    <div className="table-wrap">
      <table className="cars" aria-busy={busy} data-testid="cars-table">
        <caption className="visually-hidden">
          Cars. Use the arrow keys to move between rows and Enter to open one.
        </caption>
        <thead>
          <tr>
            <th scope="col" className="col-photo">
              <span className="visually-hidden">Photo</span>
            </th>
            <th scope="col">Car</th>
            <SortHeader column="year" sort={sort} onSort={onSort} className="num">
              Year
            </SortHeader>
            <SortHeader column="mileage" sort={sort} onSort={onSort} className="num">
              Mileage
            </SortHeader>
            <SortHeader column="price" sort={sort} onSort={onSort} className="num">
              Total price
            </SortHeader>
            <th scope="col" className="num">
              Body price
            </th>
            <th scope="col">Colour</th>
            <th scope="col">Prefecture</th>
            <SortHeader column="updated" sort={sort} onSort={onSort}>
              Updated
            </SortHeader>
            <th scope="col">
              <span className="visually-hidden">Listing</span>
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
                  unit,
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
                <td className="num col-year" data-label="Year">
                  {car.year ?? "—"}
                </td>
                <td className="num col-mileage" data-label="Mileage">
                  {formatKm(car.mileage_km)}
                </td>
                <td className="num col-total" data-label="Total" data-testid="car-total">
                  <strong>{formatPrice(car.total_price_jpy, unit)}</strong>
                </td>
                <td className="num col-body" data-label="Body">
                  {formatPrice(car.price_jpy, unit)}
                </td>
                <td className="col-color" data-label="Colour">
                  {car.color && (
                    <span className={`swatch swatch-${car.color}`} aria-hidden="true" />
                  )}
                  {label(car.color)}
                  {car.color_ja && (
                    <span className="hint" lang="ja">
                      {" "}
                      {car.color_ja}
                    </span>
                  )}
                </td>
                <td className="col-pref" data-label="Prefecture" lang="ja">
                  {car.prefecture ?? "—"}
                </td>
                <td className="col-updated" data-label="Updated">
                  {formatDateTime(car.updated_at)}
                </td>
                <td className="col-link">
                  <a
                    href={car.url}
                    target="_blank"
                    rel="noopener noreferrer"
                    tabIndex={-1}
                    title="Open the listing on carsensor.net"
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
