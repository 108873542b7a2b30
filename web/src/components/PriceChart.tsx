import { useTranslation } from "react-i18next";
import type { PricePoint } from "../api";
import { formatDate, formatDateTime } from "../format";
import { formatChange, formatPrice } from "../money";
import type { Money } from "../money";

const W = 480;
const H = 130;
const PAD = { left: 8, right: 8, top: 14, bottom: 20 };

/** The price over time as a step line (a price holds until it changes). */
export function PriceChart({ history, money }: { history: PricePoint[]; money: Money }) {
  const { t } = useTranslation();
  const points = history
    .map((p) => ({ t: new Date(p.observed_at).getTime(), v: p.total_price_jpy ?? p.price_jpy }))
    .filter((p): p is { t: number; v: number } => p.v !== null && !Number.isNaN(p.t))
    .sort((a, b) => a.t - b.t);
  if (points.length === 0) {
    return <p className="muted">{t("chart.none")}</p>;
  }
  const now = Date.now();
  const t0 = points[0].t;
  const t1 = Math.max(now, points[points.length - 1].t + 1);
  const values = points.map((p) => p.v);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo === hi) {
    lo *= 0.95;
    hi *= 1.05;
  }
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - (v - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
  let d = `M${x(points[0].t)},${y(points[0].v)}`;
  for (const p of points.slice(1)) d += ` H${x(p.t)} V${y(p.v)}`;
  d += ` H${x(t1)}`;
  const first = points[0].v;
  const latest = points[points.length - 1].v;
  const change = latest - first;
  const summary =
    points.length === 1
      ? t("chart.since", { price: formatPrice(latest, money), date: formatDateTime(new Date(t0).toISOString()) })
      : t("chart.change", {
          first: formatPrice(first, money),
          latest: formatPrice(latest, money),
          change: formatChange(change, money),
          count: points.length,
        });
  return (
    <figure className="price-chart" data-testid="price-chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t("chart.label", { summary })}>
        <line x1={PAD.left} x2={W - PAD.right} y1={H - PAD.bottom} y2={H - PAD.bottom} className="axis" />
        <path d={d} className={`line ${change < 0 ? "down" : change > 0 ? "up" : ""}`} />
        {points.map((p) => (
          <circle key={p.t} cx={x(p.t)} cy={y(p.v)} r="3.5" className="point">
            <title>
              {formatDateTime(new Date(p.t).toISOString())}: {formatPrice(p.v, money)}
            </title>
          </circle>
        ))}
        <text x={PAD.left} y={H - 5} className="tick">
          {formatDate(new Date(t0).toISOString())}
        </text>
        <text x={W - PAD.right} y={H - 5} className="tick" textAnchor="end">
          {t("chart.today")}
        </text>
        {points.length > 1 && (
          <text x={W - PAD.right} y={10} className="tick" textAnchor="end">
            {t("chart.max", { price: formatPrice(Math.max(...values), money) })}
          </text>
        )}
      </svg>
      <figcaption>{summary}</figcaption>
    </figure>
  );
}
