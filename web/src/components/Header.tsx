import { useEffect, useState } from "react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api";
import { useAuth } from "../auth";
import { crawlSummary } from "../crawls";
import { useCrawls } from "../crawlStore";
import { formatDateTime } from "../format";
import { useLocation } from "../router";
import { LanguageSwitch } from "./LanguageSwitch";
import { Link } from "./Link";

/**
 * /api/health's last_crawl_at (no token needed), read only while GET /api/crawls has no run to
 * show: a database filled by `scrapy crawl` outside scrapyd, or an API without crawl runs.
 */
function useHealthLastCrawl(enabled: boolean): string | null | undefined {
  const [lastCrawl, setLastCrawl] = useState<string | null | undefined>(undefined);
  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    const read = () =>
      api
        .health(controller.signal)
        .then((health) => setLastCrawl(health.last_crawl_at))
        .catch(() => undefined);
    void read();
    const timer = window.setInterval(read, 60_000);
    return () => {
      controller.abort();
      window.clearInterval(timer);
    };
  }, [enabled]);
  return lastCrawl;
}

/** The last crawl's time and status, or "Crawling… N shards"; a link to the runs list. */
function CrawlStatus({ current }: { current: boolean }) {
  const { t } = useTranslation();
  const crawls = useCrawls();
  const overview = crawls.data;
  const known = overview !== null && (overview.last !== null || overview.active > 0);
  const fallback = useHealthLastCrawl(!known && (overview !== null || crawls.error !== null));
  if (!known && fallback === undefined) return null;
  const summary = crawlSummary(overview, fallback ?? null);
  return (
    <Link
      className={`crawl-status tone-${summary.tone}`}
      to="/crawls"
      data-testid="crawl-status"
      aria-current={current ? "page" : undefined}
      title={summary.at ? t("header.crawlAt", { at: formatDateTime(summary.at) }) : t("header.crawlRuns")}
    >
      {summary.tone === "active" ? (
        <span className="spinner spinner-small" aria-hidden="true" />
      ) : (
        <span className="dot" aria-hidden="true" />
      )}
      <span className="crawl-text">{summary.text}</span>
      <span className="crawl-short">{t("header.crawls")}</span>
    </Link>
  );
}

function NavLink({
  to,
  current,
  testId,
  className = "",
  title,
  children,
}: {
  to: string;
  current: boolean;
  testId: string;
  className?: string;
  title?: string;
  children: ReactNode;
}) {
  return (
    <Link
      className={`nav-link ${className}`.trim()}
      to={to}
      data-testid={testId}
      aria-current={current ? "page" : undefined}
      title={title}
    >
      {children}
    </Link>
  );
}

export function Header() {
  const { t } = useTranslation();
  const auth = useAuth();
  const { pathname } = useLocation();
  const [leaving, setLeaving] = useState(false);
  return (
    <header className="app-header">
      <Link className="brand" to="/">
        <span className="brand-mark" aria-hidden="true">
          C
        </span>
        <span className="brand-text">{t("app.brand")}</span>
      </Link>
      <div className="header-meta">
        <CrawlStatus current={pathname === "/crawls"} />
        <NavLink to="/searches" current={pathname === "/searches"} testId="nav-searches" title={t("header.searches")}>
          <span className="wide-only">{t("header.searches")}</span>
          <span className="narrow-only">{t("header.searchesShort")}</span>
        </NavLink>
        {auth.user?.is_admin === true && (
          <NavLink to="/users" current={pathname === "/users"} testId="nav-users">
            {t("header.users")}
          </NavLink>
        )}
        {auth.user && (
          <NavLink
            to="/account"
            current={pathname === "/account"}
            testId="current-user"
            className="user"
            title={t("header.accountTitle")}
          >
            <svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">
              <circle cx="10" cy="7" r="4" fill="currentColor" />
              <path d="M2 19c0-4.4 3.6-7 8-7s8 2.6 8 7" fill="currentColor" />
            </svg>
            {auth.user.username}
          </NavLink>
        )}
        <LanguageSwitch />
        <button
          className="btn btn-ghost"
          disabled={leaving}
          onClick={async () => {
            setLeaving(true);
            await auth.logout();
          }}
        >
          {t(leaving ? "header.loggingOut" : "header.logout")}
        </button>
      </div>
    </header>
  );
}
