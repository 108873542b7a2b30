import { useEffect, useRef, useState } from "react";
import type { CarDetail } from "../api";
import { ApiError } from "../api";
import { formatDateTime, formatKm, formatPrice, label } from "../format";
import type { PriceUnit } from "../format";
import { useApi } from "../hooks";
import { carName } from "./CarsTable";
import { PriceChart } from "./PriceChart";
import { Thumb } from "./Thumb";

function withJa(value: string | null, ja: string | null): React.ReactNode {
  if (!value && !ja) return "—";
  return (
    <>
      {value ? label(value) : ja}
      {value && ja && (
        <span className="hint" lang="ja">
          {" "}
          {ja}
        </span>
      )}
    </>
  );
}

function Gallery({ photos, alt }: { photos: string[]; alt: string }) {
  const [index, setIndex] = useState(0);
  const count = photos.length;
  if (count === 0) return <Thumb src={null} alt={alt} className="gallery-main" />;
  const go = (step: number) => setIndex((i) => (i + step + count) % count);
  return (
    <div
      className="gallery"
      tabIndex={0}
      aria-roledescription="carousel"
      aria-label={`Photos, ${index + 1} of ${count}. Left and right arrows to browse.`}
      onKeyDown={(e) => {
        if (e.key === "ArrowLeft") go(-1);
        if (e.key === "ArrowRight") go(1);
      }}
    >
      <div className="gallery-stage">
        <Thumb src={photos[index]} alt={`${alt}, photo ${index + 1}`} className="gallery-main" eager />
        {count > 1 && (
          <>
            <button type="button" className="gallery-nav prev" onClick={() => go(-1)} aria-label="Previous photo">
              ‹
            </button>
            <button type="button" className="gallery-nav next" onClick={() => go(1)} aria-label="Next photo">
              ›
            </button>
            <span className="gallery-count">
              {index + 1} / {count}
            </span>
          </>
        )}
      </div>
      {count > 1 && (
        <div className="gallery-strip">
          {photos.map((photo, i) => (
            <button
              type="button"
              key={photo}
              className={i === index ? "active" : undefined}
              onClick={() => setIndex(i)}
              aria-label={`Photo ${i + 1}`}
              tabIndex={-1}
            >
              <Thumb src={photo} alt="" className="gallery-thumb" />
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

// Values the crawler could not read (stored empty) or that carried a note: shown as the site wrote them.
const RAW_LABELS: Record<string, string> = {
  price_jpy: "Body price",
  total_price_jpy: "Total price",
  year: "Year",
  mileage_km: "Mileage",
  engine_cc: "Engine",
  seats: "Seats",
  doors: "Doors",
  repair_history: "Repair history",
};

export function CarDrawer({
  carId,
  unit,
  onClose,
}: {
  carId: number;
  unit: PriceUnit;
  onClose: () => void;
}) {
  const { data, error, loading, reload } = useApi<CarDetail>(`/api/cars/${carId}`);
  const car = data && data.id === carId ? data : null;
  const closeRef = useRef<HTMLButtonElement>(null);
  const panelRef = useRef<HTMLDivElement>(null);

  // Focus moves into the drawer, Escape closes it, and focus returns where it was.
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    closeRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
      if (e.key === "Tab" && panelRef.current) {
        const focusable = panelRef.current.querySelectorAll<HTMLElement>(
          'a[href], button:not([disabled]), [tabindex="0"]',
        );
        const first = focusable[0];
        const last = focusable[focusable.length - 1];
        if (e.shiftKey && document.activeElement === first) {
          e.preventDefault();
          last?.focus();
        } else if (!e.shiftKey && document.activeElement === last) {
          e.preventDefault();
          first?.focus();
        }
      }
    };
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("keydown", onKey);
      const row = document.querySelector<HTMLElement>(`tr[data-car-id="${carId}"]`);
      (row ?? before)?.focus?.();
    };
  }, [carId, onClose]);

  const name = car ? carName(car) : "Car";
  const photos = car ? (car.photos?.length ? car.photos : car.image_url ? [car.image_url] : []) : [];
  const fields: [string, React.ReactNode][] = car
    ? [
        ["Make", withJa(car.make, car.make_ja)],
        ["Model", withJa(car.model, car.model_ja)],
        ["Grade", car.grade ?? "—"],
        ["Year", car.year ?? "—"],
        ["Mileage", formatKm(car.mileage_km)],
        ["Total price", formatPrice(car.total_price_jpy, unit)],
        ["Body price", formatPrice(car.price_jpy, unit)],
        ["Body type", withJa(car.body_type, car.body_type_ja)],
        ["Colour", withJa(car.color, car.color_ja)],
        ["Gearbox", withJa(car.transmission, car.transmission_ja)],
        ["Fuel", withJa(car.fuel, car.fuel_ja)],
        ["Engine", car.engine_cc ? `${car.engine_cc.toLocaleString("en-US")} cc` : "—"],
        ["Drive", car.drive ?? "—"],
        ["Seats", car.seats ?? "—"],
        ["Doors", car.doors ?? "—"],
        ["Repair history", car.repair_history === null ? "—" : car.repair_history ? "Yes (修復歴あり)" : "None (修復歴なし)"],
        ["Inspection (車検)", car.inspection ?? "—"],
        ["Location", [car.prefecture, car.city].filter(Boolean).join(" ") || "—"],
        [
          "Shop",
          car.shop_url ? (
            <a href={car.shop_url} target="_blank" rel="noopener noreferrer">
              {car.shop_name ?? car.shop_url} ↗
            </a>
          ) : (
            (car.shop_name ?? "—")
          ),
        ],
        ["Listing ID", car.external_id],
        ["Status", car.is_active ? "Active" : "No longer listed"],
        ["First seen", formatDateTime(car.first_seen_at)],
        ["Last seen", formatDateTime(car.last_seen_at)],
        ["Updated", formatDateTime(car.updated_at)],
        ...Object.entries(car.raw_values ?? {}).map(
          ([field, text]): [string, React.ReactNode] => [
            `${RAW_LABELS[field] ?? field} as listed`,
            <span lang="ja">{text}</span>,
          ],
        ),
      ]
    : [];

  return (
    <div className="drawer-layer">
      <div className="drawer-backdrop" onClick={onClose} aria-hidden="true" />
      <aside
        className="drawer"
        role="dialog"
        aria-modal="true"
        aria-labelledby="drawer-title"
        ref={panelRef}
        data-testid="car-drawer"
      >
        <div className="drawer-head">
          <div>
            <h2 id="drawer-title">{name}</h2>
            {car && (
              <p className="muted" lang="ja">
                {[car.make_ja, car.model_ja, car.grade].filter(Boolean).join(" ")}
              </p>
            )}
          </div>
          <button ref={closeRef} type="button" className="btn btn-ghost close" onClick={onClose} aria-label="Close details" data-testid="drawer-close">
            ✕
          </button>
        </div>
        {error && !car ? (
          <div className="state-card" role="alert">
            <h3>{error instanceof ApiError && error.status === 404 ? "This car does not exist" : "The car could not be loaded"}</h3>
            <p>{error.message}</p>
            {!(error instanceof ApiError && error.status === 404) && (
              <button className="btn" onClick={reload}>
                Try again
              </button>
            )}
          </div>
        ) : !car || loading ? (
          <div className="drawer-loading" role="status">
            <span className="spinner" aria-hidden="true" /> Loading…
          </div>
        ) : (
          <div className="drawer-body">
            <Gallery key={car.id} photos={photos} alt={name} />
            <div className="drawer-prices">
              <div>
                <span className="muted">Total</span>
                <strong className="big-price">{formatPrice(car.total_price_jpy, unit)}</strong>
              </div>
              <div>
                <span className="muted">Body</span>
                <strong>{formatPrice(car.price_jpy, unit)}</strong>
              </div>
              <a className="btn btn-primary" href={car.url} target="_blank" rel="noopener noreferrer">
                Open on carsensor ↗
              </a>
            </div>
            <h3>Price history</h3>
            <PriceChart history={car.price_history} unit={unit} />
            <h3>Details</h3>
            <dl className="fields">
              {fields.map(([key, value]) => (
                <div key={key}>
                  <dt>{key}</dt>
                  <dd>{value}</dd>
                </div>
              ))}
            </dl>
          </div>
        )}
      </aside>
    </div>
  );
}
