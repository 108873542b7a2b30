import { useTranslation } from "react-i18next";
import type { Rates } from "../api";
import { isForeign, rateText, UNIT_SYMBOL } from "../money";
import type { Money, PriceUnit } from "../money";

/**
 * Under converted prices: the rate they used and its date ("1 ₽ = 1,8 ¥ · 1 дек. 2026 г."), its
 * source in the tooltip; or why they are still in yen. Nothing for ¥ and 万円.
 */
export function RateNote({ chosen, money, rates }: { chosen: PriceUnit; money: Money; rates: Rates | null }) {
  const { t } = useTranslation();
  if (!isForeign(chosen)) return null;
  const converted = isForeign(money.unit) && rates !== null;
  return (
    <p
      className="rate-note"
      data-testid="rate-note"
      title={converted ? t(`money.source.${rates.source}`) : undefined}
    >
      {converted ? rateText(money, rates.as_of) : t("money.noRate", { unit: UNIT_SYMBOL[chosen] })}
    </p>
  );
}
