import type { Car } from "../api";
import { dealClass, dealLabel, dealTitle, isDeal } from "../deal";
import type { Money } from "../money";

/** A car's deal as a coloured pill, the market price and how far from it in its tooltip; nothing without an estimate. */
export function DealBadge({ car, money }: { car: Pick<Car, "deal" | "deal_ratio" | "market_price_jpy">; money: Money }) {
  if (!isDeal(car.deal)) return null;
  const title =
    car.market_price_jpy !== null && car.deal_ratio !== null ? dealTitle(car.market_price_jpy, car.deal_ratio, money) : undefined;
  return (
    <span className={dealClass(car.deal)} title={title} data-testid="deal-badge" data-deal={car.deal}>
      {dealLabel(car.deal)}
    </span>
  );
}
