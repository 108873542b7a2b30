import type { ParseKeys } from "i18next";
import { useTranslation } from "react-i18next";
import type { Sort } from "../urlState";

// Each sort in words, in the order the menu offers them; `satisfies` asks for the words of a
// sort the API gains.
const SORT_NAMES = {
  "-updated": "sort.updatedNew",
  updated: "sort.updatedOld",
  price: "sort.priceLow",
  "-price": "sort.priceHigh",
  "-year": "sort.yearNew",
  year: "sort.yearOld",
  mileage: "sort.mileageLow",
  "-mileage": "sort.mileageHigh",
  deal: "sort.dealBest",
  "-deal": "sort.dealWorst",
  "-discount": "sort.discountBig",
  discount: "sort.discountSmall",
} as const satisfies Record<Sort, ParseKeys>;
const ORDER = Object.keys(SORT_NAMES) as Sort[];

/** Every sort by name, among them those no column header offers (the biggest discount). */
export function SortSelect({ sort, onSort }: { sort: Sort; onSort: (sort: Sort) => void }) {
  const { t } = useTranslation();
  return (
    <label className="sort-select">
      <span>{t("sort.label")}</span>
      <select value={sort} onChange={(e) => onSort(e.target.value as Sort)} data-testid="sort">
        {ORDER.map((value) => (
          <option key={value} value={value}>
            {t(SORT_NAMES[value])}
          </option>
        ))}
      </select>
    </label>
  );
}
