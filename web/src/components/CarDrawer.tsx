import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { CarDetail, Rates } from "../api";
import { ApiError, errorText } from "../api";
import { formatDateTime, formatKm, formatNumber, vocabLabel } from "../format";
import type { Vocabulary } from "../format";
import { useApi } from "../hooks";
import { currentLanguage } from "../i18n";
import type { Money, PriceUnit } from "../money";
import type { PrefectureNamer } from "../prefectures";
import { carName, Price } from "./CarsTable";
import { MarketSection } from "./MarketSection";
import { PriceChart } from "./PriceChart";
import { RateNote } from "./RateNote";
import { Thumb } from "./Thumb";

/**
 * A value in the app's words with the site's Japanese beside it: "Белый 白"; in Japanese, the
 * site's own word alone (it says more than the vocabulary's: パールホワイト, not 白).
 */
function withJa(value: string | null, ja: string | null, show: (value: string) => string): React.ReactNode {
  if (!value && !ja) return "—";
  if (ja && currentLanguage() === "ja") return ja;
  return (
    <>
      {value ? show(value) : ja}
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
  const { t } = useTranslation();
  const [index, setIndex] = useState(0);
  const count = photos.length;
  if (count === 0) return <Thumb src={null} alt={alt} className="gallery-main" />;
  const go = (step: number) => setIndex((i) => (i + step + count) % count);
  return (
    <div
      className="gallery"
      tabIndex={0}
      aria-roledescription="carousel"
      aria-label={t("drawer.photos", { index: index + 1, count })}
      onKeyDown={(e) => {
        if (e.key === "ArrowLeft") go(-1);
        if (e.key === "ArrowRight") go(1);
      }}
    >
      <div className="gallery-stage">
        <Thumb src={photos[index]} alt={t("drawer.photoOf", { name: alt, index: index + 1 })} className="gallery-main" eager />
        {count > 1 && (
          <>
            <button type="button" className="gallery-nav prev" onClick={() => go(-1)} aria-label={t("drawer.previousPhoto")}>
              ‹
            </button>
            <button type="button" className="gallery-nav next" onClick={() => go(1)} aria-label={t("drawer.nextPhoto")}>
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
              aria-label={t("drawer.photo", { index: i + 1 })}
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

// Values the crawler could not read (stored empty) or that carried a note: shown as the site
// wrote them, under the name of their field (drawer.field.*).
const RAW_LABELS = {
  price_jpy: "body",
  total_price_jpy: "total",
  year: "year",
  mileage_km: "mileage",
  engine_cc: "engine",
  seats: "seats",
  doors: "doors",
  repair_history: "repairHistory",
} as const;

export function CarDrawer({
  carId,
  chosen,
  money,
  rates,
  prefecture,
  carPath,
  onClose,
}: {
  carId: number;
  /** The unit the user chose (money's may still be yen, waiting for its rate). */
  chosen: PriceUnit;
  money: Money;
  rates: Rates | null;
  prefecture: PrefectureNamer;
  /** The link that opens another car in the drawer, over the same table. */
  carPath: (id: number) => string;
  onClose: () => void;
}) {
  const { t } = useTranslation();
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

  const name = car ? carName(car) : t("drawer.car");
  const photos = car ? (car.photos?.length ? car.photos : car.image_url ? [car.image_url] : []) : [];
  const asIs = (value: string) => value;
  const vocab = (kind: Vocabulary) => (value: string) => vocabLabel(kind, value);
  const fields: [string, React.ReactNode][] = car
    ? [
        [t("drawer.field.make"), withJa(car.make, car.make_ja, asIs)],
        [t("drawer.field.model"), withJa(car.model, car.model_ja, asIs)],
        [t("drawer.field.grade"), car.grade ?? "—"],
        [t("drawer.field.year"), car.year ?? "—"],
        [t("drawer.field.mileage"), formatKm(car.mileage_km)],
        [t("drawer.field.total"), <Price yen={car.total_price_jpy} money={money} />],
        [t("drawer.field.body"), <Price yen={car.price_jpy} money={money} />],
        [t("drawer.field.bodyType"), withJa(car.body_type, car.body_type_ja, vocab("body_types"))],
        [t("drawer.field.color"), withJa(car.color, car.color_ja, vocab("colors"))],
        [t("drawer.field.gearbox"), withJa(car.transmission, car.transmission_ja, vocab("transmissions"))],
        [t("drawer.field.fuel"), withJa(car.fuel, car.fuel_ja, vocab("fuels"))],
        [t("drawer.field.engine"), car.engine_cc ? t("drawer.engineCc", { cc: formatNumber(car.engine_cc) }) : "—"],
        [t("drawer.field.drive"), car.drive ?? "—"],
        [t("drawer.field.seats"), car.seats ?? "—"],
        [t("drawer.field.doors"), car.doors ?? "—"],
        [
          t("drawer.field.repairHistory"),
          car.repair_history === null ? "—" : t(car.repair_history ? "drawer.repaired" : "drawer.notRepaired"),
        ],
        [t("drawer.field.inspection"), car.inspection ?? "—"],
        [
          t("drawer.field.location"),
          car.prefecture || car.city ? (
            <span data-testid="car-location">
              {[car.prefecture && prefecture(car.prefecture, car.prefecture_en), car.city].filter(Boolean).join(", ")}
            </span>
          ) : (
            "—"
          ),
        ],
        [
          t("drawer.field.shop"),
          car.shop_url ? (
            <a href={car.shop_url} target="_blank" rel="noopener noreferrer">
              {car.shop_name ?? car.shop_url} ↗
            </a>
          ) : (
            (car.shop_name ?? "—")
          ),
        ],
        [t("drawer.field.listingId"), car.external_id],
        [t("drawer.field.status"), t(car.is_active ? "drawer.active" : "drawer.inactive")],
        [t("drawer.field.firstSeen"), formatDateTime(car.first_seen_at)],
        [t("drawer.field.lastSeen"), formatDateTime(car.last_seen_at)],
        [t("drawer.field.updated"), formatDateTime(car.updated_at)],
        ...Object.entries(car.raw_values ?? {}).map(([field, text]): [string, React.ReactNode] => [
          t("drawer.asListed", {
            field: Object.hasOwn(RAW_LABELS, field)
              ? t(`drawer.field.${RAW_LABELS[field as keyof typeof RAW_LABELS]}`)
              : field,
          }),
          <span lang="ja">{text}</span>,
        ]),
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
          <button ref={closeRef} type="button" className="btn btn-ghost close" onClick={onClose} aria-label={t("drawer.close")} data-testid="drawer-close">
            ✕
          </button>
        </div>
        {error && !car ? (
          <div className="state-card" role="alert">
            <h3>{t(error instanceof ApiError && error.status === 404 ? "drawer.notFound" : "drawer.loadFailed")}</h3>
            <p>{errorText(error)}</p>
            {!(error instanceof ApiError && error.status === 404) && (
              <button className="btn" onClick={reload}>
                {t("app.tryAgain")}
              </button>
            )}
          </div>
        ) : !car || loading ? (
          <div className="drawer-loading" role="status">
            <span className="spinner" aria-hidden="true" /> {t("app.loading")}
          </div>
        ) : (
          <div className="drawer-body">
            <Gallery key={car.id} photos={photos} alt={name} />
            <div className="drawer-prices">
              <div>
                <span className="muted">{t("drawer.total")}</span>
                <strong className="big-price">
                  <Price yen={car.total_price_jpy} money={money} testId="drawer-total" />
                </strong>
              </div>
              <div>
                <span className="muted">{t("drawer.body")}</span>
                <strong>
                  <Price yen={car.price_jpy} money={money} testId="drawer-body" />
                </strong>
              </div>
              <a className="btn btn-primary" href={car.url} target="_blank" rel="noopener noreferrer">
                {t("drawer.open")}
              </a>
            </div>
            <RateNote chosen={chosen} money={money} rates={rates} />
            <MarketSection car={car} money={money} carPath={carPath} />
            <h3>{t("drawer.priceHistory")}</h3>
            <PriceChart history={car.price_history} money={money} />
            <h3>{t("drawer.details")}</h3>
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
