import { useEffect, useState } from "react";
import { api } from "../api";
import { useAuth } from "../auth";
import { formatAgo, formatDateTime } from "../format";
import { navigate } from "../router";

/** The last crawl, re-read every minute (no token needed). */
function useLastCrawl(): string | null | undefined {
  const [lastCrawl, setLastCrawl] = useState<string | null | undefined>(undefined);
  const [, tick] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    const read = () =>
      api
        .health(controller.signal)
        .then((health) => setLastCrawl(health.last_crawl_at))
        .catch(() => undefined);
    void read();
    const timer = window.setInterval(() => {
      void read();
      tick((n) => n + 1);
    }, 60_000);
    return () => {
      controller.abort();
      window.clearInterval(timer);
    };
  }, []);
  return lastCrawl;
}

export function Header() {
  const auth = useAuth();
  const lastCrawl = useLastCrawl();
  const [leaving, setLeaving] = useState(false);
  return (
    <header className="app-header">
      <a
        className="brand"
        href="/"
        onClick={(e) => {
          e.preventDefault();
          navigate("/");
        }}
      >
        <span className="brand-mark" aria-hidden="true">
          C
        </span>
        <span className="brand-text">Carsensor stock</span>
      </a>
      <div className="header-meta">
        {lastCrawl !== undefined && (
          <span className="last-crawl" title={lastCrawl ? formatDateTime(lastCrawl) : undefined}>
            <span className="dot" aria-hidden="true" />
            Last crawl: <time dateTime={lastCrawl ?? undefined}>{formatAgo(lastCrawl)}</time>
          </span>
        )}
        {auth.user && (
          <span className="user" data-testid="current-user">
            <svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">
              <circle cx="10" cy="7" r="4" fill="currentColor" />
              <path d="M2 19c0-4.4 3.6-7 8-7s8 2.6 8 7" fill="currentColor" />
            </svg>
            {auth.user.username}
          </span>
        )}
        <button
          className="btn btn-ghost"
          disabled={leaving}
          onClick={async () => {
            setLeaving(true);
            await auth.logout();
          }}
        >
          {leaving ? "Signing out…" : "Log out"}
        </button>
      </div>
    </header>
  );
}
