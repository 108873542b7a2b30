import { useTranslation } from "react-i18next";
import { formatNumber } from "../format";
import { PAGE_SIZES } from "../urlState";

/** 1 … 4 5 [6] 7 8 … 20 */
export function pageWindow(page: number, pages: number): (number | null)[] {
  const wanted = new Set([1, pages, page - 2, page - 1, page, page + 1, page + 2]);
  const sorted = [...wanted].filter((p) => p >= 1 && p <= pages).sort((a, b) => a - b);
  const out: (number | null)[] = [];
  sorted.forEach((p, i) => {
    if (i > 0 && p - sorted[i - 1] > 1) out.push(null);
    out.push(p);
  });
  return out;
}

export function Pagination({
  page,
  pageSize,
  total,
  onPage,
  onPageSize,
}: {
  page: number;
  pageSize: number;
  total: number;
  onPage: (page: number) => void;
  onPageSize: (size: number) => void;
}) {
  const { t } = useTranslation();
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  return (
    <nav className="pagination" aria-label={t("pages.nav")}>
      <span className="range" data-testid="range">
        {t("pages.range", { first: formatNumber(first), last: formatNumber(last), total: formatNumber(total) })}
      </span>
      <div className="pages">
        <button
          type="button"
          className="btn btn-page"
          disabled={page <= 1}
          onClick={() => onPage(page - 1)}
          aria-label={t("pages.previous")}
          data-testid="page-prev"
        >
          ‹
        </button>
        {pageWindow(page, pages).map((p, i) =>
          p === null ? (
            <span key={`gap-${i}`} className="gap" aria-hidden="true">
              …
            </span>
          ) : (
            <button
              key={p}
              type="button"
              className="btn btn-page"
              aria-current={p === page ? "page" : undefined}
              onClick={() => onPage(p)}
              aria-label={t("pages.page", { page: p })}
            >
              {p}
            </button>
          ),
        )}
        <button
          type="button"
          className="btn btn-page"
          disabled={page >= pages}
          onClick={() => onPage(page + 1)}
          aria-label={t("pages.next")}
          data-testid="page-next"
        >
          ›
        </button>
      </div>
      <label className="page-size">
        <span>{t("pages.rows")}</span>
        <select
          value={pageSize}
          onChange={(e) => onPageSize(Number(e.target.value))}
          data-testid="page-size"
        >
          {[...new Set([...PAGE_SIZES, pageSize])]
            .sort((a, b) => a - b)
            .map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
        </select>
      </label>
    </nav>
  );
}
