import { lazy, Suspense } from "react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { CarDetail, Comparables, MarketStats } from "../api";
import { errorText } from "../api";
import { vsMarket } from "../deal";
import { formatDate, formatKm } from "../format";
import { useApi } from "../hooks";
import { formatChange, formatPrice } from "../money";
import type { Money } from "../money";
import { searchPath } from "../searches";
import { carName, Price } from "./CarsTable";
import { DealBadge } from "./DealBadge";
import { Link } from "./Link";

// The chart (a canvas of up to 3,000 dots) is a chunk of its own: the table's first load does
// not carry it. Its data is asked for here, while the chunk loads.
const ModelMarket = lazy(() => import("./ModelMarket").then((m) => ({ default: m.ModelMarket })));

function Loading() {
  const { t } = useTranslation();
  return (
    <p className="muted" role="status">
      <span className="spinner spinner-small" aria-hidden="true" /> {t("app.loading")}
    </p>
  );
}

/** The car's model on the market: GET /api/market for its make and model (carsensor's name too). */
function ModelChart({ car, money, carPath }: { car: CarDetail; money: Money; carPath: (id: number) => string }) {
  const { t } = useTranslation();
  const params = new URLSearchParams({ make: car.make ?? "", model: car.model ?? "" });
  if (car.model_ja) params.set("model_ja", car.model_ja);
  const { data, error } = useApi<MarketStats>(`/api/market?${params}`);
  return (
    <>
      <h4>{t("marketChart.title", { model: carName(car) })}</h4>
      {error ? (
        <p className="form-error" role="alert">
          {t("marketChart.failed", { reason: errorText(error) })}
        </p>
      ) : !data ? (
        <Loading />
      ) : (
        <Suspense fallback={<Loading />}>
          <ModelMarket stats={data} car={car} money={money} carPath={carPath} />
        </Suspense>
      )}
    </>
  );
}

/** The listings the estimate compared the car with, nearest first, each opening in the drawer. */
function ComparableList({ carId, money, carPath }: { carId: number; money: Money; carPath: (id: number) => string }) {
  const { t } = useTranslation();
  const { data, error } = useApi<Comparables>(`/api/cars/${carId}/comparables`);
  let body: ReactNode;
  if (error) {
    body = (
      <p className="form-error" role="alert">
        {t("market.comparablesFailed", { reason: errorText(error) })}
      </p>
    );
  } else if (!data) {
    body = <Loading />;
  } else if (data.items.length === 0) {
    body = <p className="muted">{t("market.noComparables")}</p>;
  } else {
    body = (
      <ol className="comparables" data-testid="comparables">
        {data.items.map((other) => (
          <li key={other.id}>
            <Link to={carPath(other.id)} className="comparable" data-testid="comparable" data-car-id={other.id}>
              <span className="comparable-name">
                {carName(other)}
                {other.grade && <span className="hint"> {other.grade}</span>}
              </span>
              <span className="comparable-specs">
                {other.year ?? "—"} · {formatKm(other.mileage_km)}
              </span>
              <strong className="comparable-price">{formatPrice(other.total_price_jpy, money)}</strong>
              <DealBadge car={other} money={money} />
            </Link>
          </li>
        ))}
      </ol>
    );
  }
  return (
    <>
      <h4>{t("market.comparables")}</h4>
      {body}
    </>
  );
}

/**
 * The car against its market: the estimated market price and its band, the deal, days on sale,
 * the last price change, its model's chart, the listings it was compared with, and the table of
 * its model around its year.
 */
export function MarketSection({ car, money, carPath }: { car: CarDetail; money: Money; carPath: (id: number) => string }) {
  const { t } = useTranslation();
  const market = car.market_price_jpy;
  const facts: [string, ReactNode][] = [];
  if (market !== null) {
    facts.push(
      [t("market.price"), <Price yen={market} money={money} testId="market-price" />],
      [
        t("market.range"),
        car.market_p25_jpy !== null && car.market_p75_jpy !== null
          ? t("market.rangeValue", { low: formatPrice(car.market_p25_jpy, money), high: formatPrice(car.market_p75_jpy, money) })
          : "—",
      ],
      [t("market.comparedWith"), t("market.listings", { count: car.market_comparables ?? 0 })],
    );
  }
  facts.push(
    [t("market.onSale"), car.days_on_market === null ? "—" : t("market.days", { count: car.days_on_market })],
    [
      t("market.lastChange"),
      car.price_change_jpy !== null && car.price_changed_at !== null
        ? t("market.changed", { change: formatChange(car.price_change_jpy, money), date: formatDate(car.price_changed_at) })
        : t("market.noChange"),
    ],
  );
  const year = car.year;
  const modelFilters = {
    make: car.make ?? undefined,
    model: car.model ?? undefined,
    ...(year !== null && { year_min: year - 1, year_max: year + 1 }),
  };
  return (
    <section className="market" aria-labelledby="market-title" data-testid="market">
      <h3 id="market-title">{t("market.title")}</h3>
      {market === null || car.deal_ratio === null ? (
        <p className="muted" data-testid="market-none">
          {t("market.none")}
        </p>
      ) : (
        <p className="market-deal" data-testid="market-deal">
          <DealBadge car={car} money={money} />
          <span data-testid="market-vs">
            {t("market.vs", {
              vs: vsMarket(car.deal_ratio, money.locale),
              change: formatChange(car.market_discount_jpy === null ? null : -car.market_discount_jpy, money),
            })}
          </span>
        </p>
      )}
      <dl className="fields">
        {facts.map(([key, value]) => (
          <div key={key}>
            <dt>{key}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {car.make && car.model && (
        <>
          <ModelChart car={car} money={money} carPath={carPath} />
          <p>
            <Link to={searchPath(modelFilters)} data-testid="market-model-link">
              {year === null
                ? t("market.model", { model: carName(car) })
                : t("market.modelYears", { model: carName(car), from: year - 1, to: year + 1 })}
            </Link>
          </p>
        </>
      )}
      <ComparableList carId={car.id} money={money} carPath={carPath} />
    </section>
  );
}
