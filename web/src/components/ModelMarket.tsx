import { useEffect, useMemo, useRef, useState } from "react";
import type { MouseEvent, PointerEvent } from "react";
import { useTranslation } from "react-i18next";
import type { CarDetail, MarketStats, MileageBand } from "../api";
import { dealClass, dealLabel, DEALS, isDeal } from "../deal";
import type { Deal } from "../deal";
import { formatKm, formatNumber } from "../format";
import { BOX, layout, nearest } from "../marketChart";
import type { Dot } from "../marketChart";
import { formatPrice } from "../money";
import type { Money } from "../money";
import { navigate } from "../router";
import { carName } from "./CarsTable";

// Drawn last to first: the best deals on top of the crowd.
const DRAW_ORDER: (Deal | null)[] = [null, ...[...DEALS].reverse()];
const DOT_RADIUS = 2.6;
// How near (in the chart's units) the pointer must be to a dot to show it.
const HOVER_RADIUS = 8;

/**
 * The listings as dots on a canvas, coloured by deal: a few thousand SVG circles take several
 * times as long to lay out and paint (web/README.md). The colours are styles.css's --deal-*.
 */
function Dots({ dots, deals }: { dots: readonly Dot[]; deals: readonly (string | null)[] }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const context = canvas?.getContext("2d");
    if (!canvas || !context) return;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = BOX.width * ratio;
    canvas.height = BOX.height * ratio;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    const style = getComputedStyle(canvas);
    context.globalAlpha = 0.75;
    let drawn = 0;
    // One path per band: a fill per colour, not per dot.
    for (const band of DRAW_ORDER) {
      context.beginPath();
      for (const dot of dots) {
        const deal = deals[dot.index];
        if ((isDeal(deal) ? deal : null) !== band) continue;
        context.moveTo(dot.x + DOT_RADIUS, dot.y);
        context.arc(dot.x, dot.y, DOT_RADIUS, 0, 2 * Math.PI);
        drawn++;
      }
      context.fillStyle = style.getPropertyValue(`--deal-${band ?? "none"}`);
      context.fill();
    }
    canvas.dataset.dots = String(drawn);
  }, [dots, deals]);
  return <canvas ref={ref} className="plot-dots" data-testid="market-dots" aria-hidden="true" />;
}

function MileageTable({ bands, money }: { bands: MileageBand[]; money: Money }) {
  const { t } = useTranslation();
  if (bands.length === 0) return null;
  return (
    <table className="mini-table" data-testid="market-mileage">
      <caption>{t("marketChart.byMileage")}</caption>
      <thead>
        <tr>
          <th scope="col">{t("marketChart.mileage")}</th>
          <th scope="col" className="num">
            {t("marketChart.count")}
          </th>
          <th scope="col" className="num">
            {t("marketChart.median")}
          </th>
          <th scope="col" className="num">
            {t("marketChart.middle")}
          </th>
        </tr>
      </thead>
      <tbody>
        {bands.map((band) => (
          <tr key={band.min_km}>
            <th scope="row">
              {band.max_km === null
                ? t("marketChart.kmFrom", { from: formatKm(band.min_km) })
                : t("marketChart.kmRange", { from: formatNumber(band.min_km), to: formatKm(band.max_km) })}
            </th>
            <td className="num">{formatNumber(band.count)}</td>
            <td className="num">{formatPrice(band.median_jpy, money)}</td>
            <td className="num">
              {t("market.rangeValue", { low: formatPrice(band.p25_jpy, money), high: formatPrice(band.p75_jpy, money) })}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * A model's market (GET /api/market): its listings' total prices against their years, each a dot
 * coloured by deal, the estimated curve, the middle half of each year's prices, and `car` on
 * top; hovering a dot says what it is, clicking opens it. Then the prices by mileage band.
 */
export function ModelMarket({
  stats,
  car,
  money,
  carPath,
}: {
  stats: MarketStats;
  car: CarDetail;
  money: Money;
  carPath: (id: number) => string;
}) {
  const { t } = useTranslation();
  const geometry = useMemo(() => layout(stats, car), [stats, car]);
  const deals = useMemo(() => stats.points.map((p) => p.deal), [stats]);
  const [hover, setHover] = useState<Dot | null>(null);
  const counts = useMemo(() => {
    const byDeal = new Map<Deal | null, number>();
    for (const { deal } of stats.points) {
      const key = isDeal(deal) ? deal : null;
      byDeal.set(key, (byDeal.get(key) ?? 0) + 1);
    }
    return byDeal;
  }, [stats]);

  if (stats.points.length === 0) return <p className="muted">{t("marketChart.none")}</p>;

  // The dot under the pointer, the screen's pixels read in the chart's units.
  const pointed = (event: PointerEvent<SVGSVGElement> | MouseEvent<SVGSVGElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * BOX.width;
    const y = ((event.clientY - box.top) / box.height) * BOX.height;
    return nearest(geometry.dots, x, y, HOVER_RADIUS);
  };
  const onMove = (event: PointerEvent<SVGSVGElement>) => {
    const found = pointed(event);
    setHover((previous) => (previous?.id === found?.id ? previous : found));
  };
  // From the click itself: a tap on a touch screen moves no pointer first.
  const onClick = (event: MouseEvent<SVGSVGElement>) => {
    const found = pointed(event);
    if (found) navigate(carPath(found.id));
  };
  const point = hover && stats.points[hover.index];
  const bottom = BOX.height - BOX.bottom;
  const summary = [
    t("marketChart.listings", { count: stats.count }),
    stats.count > 0 && t("marketChart.medianPrice", { price: formatPrice(stats.median_jpy, money) }),
    stats.median_days_on_market !== null && t("marketChart.days", { count: stats.median_days_on_market }),
  ].filter(Boolean);

  return (
    <>
      <figure className="market-chart" data-testid="market-chart">
        <figcaption>{summary.join(" · ")}</figcaption>
        <div className={`plot${hover ? " is-pointing" : ""}`}>
          <svg className="plot-under" viewBox={`0 0 ${BOX.width} ${BOX.height}`} aria-hidden="true">
            {geometry.prices.map((yen) => (
              <line key={yen} x1={BOX.left} x2={BOX.width - BOX.right} y1={geometry.y(yen)} y2={geometry.y(yen)} className="grid" />
            ))}
            <path d={geometry.band} className="band" data-testid="market-band" />
          </svg>
          <Dots dots={geometry.dots} deals={deals} />
          <svg
            className="plot-over"
            viewBox={`0 0 ${BOX.width} ${BOX.height}`}
            role="img"
            aria-label={t("marketChart.label", { model: carName(car), count: stats.points.length })}
            onPointerMove={onMove}
            onPointerLeave={() => setHover(null)}
            onClick={onClick}
          >
            <line x1={BOX.left} x2={BOX.width - BOX.right} y1={bottom} y2={bottom} className="axis" />
            {geometry.prices.map((yen) => (
              <text key={yen} x={BOX.left - 6} y={geometry.y(yen) + 3} className="tick" textAnchor="end">
                {formatPrice(yen, money)}
              </text>
            ))}
            {geometry.years.map((year) => (
              <text key={year} x={geometry.x(year)} y={bottom + 14} className="tick" textAnchor="middle">
                {year}
              </text>
            ))}
            <text x={BOX.left} y={BOX.top - 10} className="axis-title">
              {t("marketChart.y")}
            </text>
            <text x={(BOX.left + BOX.width - BOX.right) / 2} y={BOX.height - 4} className="axis-title" textAnchor="middle">
              {t("marketChart.x")}
            </text>
            <path d={geometry.curve} className="curve" data-testid="market-curve" />
            {geometry.car && (
              <circle cx={geometry.car.x} cy={geometry.car.y} r="6" className="this-car" data-testid="market-chart-car" />
            )}
            {hover && <circle cx={hover.x} cy={hover.y} r="5" className="pointed" />}
          </svg>
          {hover && point && (
            <div
              className={`plot-tip${hover.x > BOX.width * 0.6 ? " tip-left" : ""}`}
              // The tip follows the dot; a CSSOM style, which the CSP allows (no style attribute is parsed).
              style={{ left: `${(hover.x / BOX.width) * 100}%`, top: `${(hover.y / BOX.height) * 100}%` }}
              data-testid="market-tip"
            >
              <strong>{formatPrice(point.total_price_jpy, money)}</strong>
              <span>
                {t("marketChart.year", { year: point.year })} · {formatKm(point.mileage_km)}
              </span>
              {isDeal(point.deal) ? (
                <span className={dealClass(point.deal)}>{dealLabel(point.deal)}</span>
              ) : (
                <span className="muted">{t("marketChart.noEstimate")}</span>
              )}
              {point.market_price_jpy !== null && (
                <span className="muted">{t("marketChart.market", { price: formatPrice(point.market_price_jpy, money) })}</span>
              )}
            </div>
          )}
        </div>
        <ul className="plot-legend" data-testid="market-legend">
          <li>
            <span className="key key-car" aria-hidden="true" />
            {t("marketChart.thisCar")}
          </li>
          {geometry.curve && (
            <li>
              <span className="key key-curve" aria-hidden="true" />
              {t("marketChart.curve")}
            </li>
          )}
          <li>
            <span className="key key-band" aria-hidden="true" />
            {t("marketChart.band")}
          </li>
          {[...DEALS, null].map(
            (deal) =>
              counts.has(deal) && (
                <li key={deal ?? "none"}>
                  <span className={`key key-dot key-${deal ?? "none"}`} aria-hidden="true" />
                  {deal ? dealLabel(deal) : t("marketChart.noEstimate")} ({formatNumber(counts.get(deal) ?? 0)})
                </li>
              ),
          )}
        </ul>
        {stats.points.length < stats.points_total && (
          <p className="hint">{t("marketChart.shown", { shown: stats.points.length, total: stats.points_total })}</p>
        )}
      </figure>
      <MileageTable bands={stats.by_mileage} money={money} />
    </>
  );
}
