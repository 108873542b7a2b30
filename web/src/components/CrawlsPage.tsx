/** /crawls: the recent crawl runs with their progress, and "Crawl now" for admins. */
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { CrawlRun } from "../api";
import { api, ApiError, errorText, NetworkError } from "../api";
import { useAuth } from "../auth";
import { isActive, statusLabel, statusTone } from "../crawls";
import {
  changeMix,
  detailCounts,
  formatDuration,
  formatPercent,
  listingCounts,
  runDuration,
  runFigures,
  runChecks,
  runPercent,
  shardName,
  startedMessage,
  startErrorMessage,
} from "../runs";
import { crawlStore, useCrawls } from "../crawlStore";
import { formatAgo, formatDateTime } from "../format";
import { useLocation } from "../router";
import "./CrawlsPage.css";

/** Re-render every second while a run is active, so its duration counts up. */
function useNow(ticking: boolean): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    if (!ticking) return;
    setNow(new Date());
    const timer = window.setInterval(() => setNow(new Date()), 1000);
    return () => window.clearInterval(timer);
  }, [ticking]);
  return now;
}

function StatusBadge({ run }: { run: CrawlRun }) {
  return (
    <span
      className={`badge tone-${statusTone(run.status)}`}
      data-testid="run-status"
      title={run.reason ?? undefined}
    >
      {run.status === "running" && <span className="spinner spinner-small" aria-hidden="true" />}
      {statusLabel(run.status)}
    </span>
  );
}

function ProgressBar({ run, percent }: { run: CrawlRun; percent: number }) {
  const { t } = useTranslation();
  return (
    <div className="run-progress">
      <div
        className="run-bar"
        role="progressbar"
        aria-label={t("crawls.pagesRead", { shard: run.shard })}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <span style={{ width: `${percent}%` }} />
      </div>
      <span className="run-percent" data-testid="run-percent">
        {formatPercent(percent)}
      </span>
    </div>
  );
}

/** What the run's listings did, with new / changed / gone as a stacked bar; nothing before a report. */
function RunCounts({ run }: { run: CrawlRun }) {
  const listings = listingCounts(run);
  const details = detailCounts(run);
  const mix = changeMix(run);
  if (!listings && !details) return null;
  return (
    <div className="run-counts hint" data-testid="run-counts">
      {mix && (
        <span className="mix" role="img" aria-label={mix.label} title={mix.label} data-testid="run-mix">
          {mix.slices.map((slice) => (
            <span key={slice.change} className={`mix-${slice.change}`} style={{ width: `${slice.share}%` }} />
          ))}
        </span>
      )}
      {listings && <span data-testid="run-listings">{listings}</span>}
      {details && <span data-testid="run-details">{details}</span>}
    </div>
  );
}

/** Spidermon's verdict on the run: green when every check passed, red naming the failures. */
function ChecksBadge({ run }: { run: CrawlRun }) {
  const { t } = useTranslation();
  const checks = runChecks(run);
  if (!checks) return null;
  // The checks' names and details are Spidermon's, as the crawler reported them.
  const failures = checks.failed.map((check) => `${check.name}: ${check.detail ?? t("crawls.failedCheck")}`);
  return (
    <span
      className={`badge checks tone-${checks.ok ? "ok" : "bad"}`}
      data-testid="run-checks"
      data-ok={checks.ok}
      title={failures.join("\n") || checks.label}
    >
      {`${checks.ok ? "✓" : "✗"} ${checks.label}`}
    </span>
  );
}

function CheckFailures({ run }: { run: CrawlRun }) {
  const checks = runChecks(run);
  if (!checks || checks.ok) return null;
  return (
    <ul className="run-failures" data-testid="run-failures">
      {checks.failed.map((check) => (
        <li key={check.name}>
          <strong>{check.name}</strong>
          {check.detail && `: ${check.detail}`}
        </li>
      ))}
    </ul>
  );
}

/** The run an alert links to (`/crawls?run=<job id>`): from the list, or asked for on its own. */
function useLinkedRun(jobId: string | null, runs: CrawlRun[]): { run: CrawlRun | null; missing: boolean } {
  const listed = jobId ? runs.find((run) => run.job_id === jobId) ?? null : null;
  const [fetched, setFetched] = useState<{ jobId: string; run: CrawlRun | null } | null>(null);
  useEffect(() => {
    if (!jobId || listed) return;
    const abort = new AbortController();
    api.crawlRun(jobId, abort.signal).then(
      (run) => setFetched({ jobId, run }),
      (error: unknown) => {
        // Only a 404 says there is no such run; the list's own error covers a server out of reach.
        if (error instanceof ApiError && error.status === 404) setFetched({ jobId, run: null });
      },
    );
    return () => abort.abort();
  }, [jobId, listed]);
  if (!jobId) return { run: null, missing: false };
  if (listed) return { run: listed, missing: false };
  const answer = fetched?.jobId === jobId ? fetched : null;
  return { run: answer?.run ?? null, missing: answer !== null && answer.run === null };
}

function nodeName(node: string): string {
  return node.replace(/^https?:\/\//, "");
}

function RunsTable({
  runs,
  now,
  selected = null,
  caption,
  testId = "runs-table",
}: {
  runs: CrawlRun[];
  now: Date;
  selected?: string | null;
  caption?: string;
  testId?: string;
}) {
  const { t } = useTranslation();
  const selectedRow = useRef<HTMLTableRowElement>(null);
  useEffect(() => {
    selectedRow.current?.scrollIntoView?.({ block: "center" });
  }, [selected]);
  return (
    <div className="table-wrap">
      <table className="runs" data-testid={testId}>
        <caption className="visually-hidden">{caption ?? t("crawls.caption")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("crawls.shard")}</th>
            <th scope="col">{t("crawls.statusColumn")}</th>
            <th scope="col">{t("crawls.node")}</th>
            <th scope="col">{t("crawls.started")}</th>
            <th scope="col" className="num">
              {t("crawls.duration")}
            </th>
            <th scope="col">{t("crawls.progress")}</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => {
            const name = shardName(run);
            const started = run.started_at ?? run.created_at;
            const percent = runPercent(run);
            return (
              <tr
                key={run.id}
                ref={run.job_id === selected ? selectedRow : undefined}
                data-testid="run-row"
                data-shard={run.shard}
                data-status={run.status}
                aria-current={run.job_id === selected ? "true" : undefined}
                className={[isActive(run) && "active", run.job_id === selected && "selected"].filter(Boolean).join(" ") || undefined}
              >
                <th scope="row" className="col-shard">
                  <span className="shard-code">{run.shard}</span>
                  {name && <span className="hint"> {name}</span>}
                </th>
                <td className="col-status">
                  <StatusBadge run={run} />
                  <ChecksBadge run={run} />
                </td>
                <td className="col-node" title={run.job_id}>
                  {nodeName(run.node)}
                </td>
                <td className="col-started">
                  <time dateTime={started} title={formatDateTime(started)}>
                    {run.started_at ? formatAgo(run.started_at, now) : t("crawls.queued", { ago: formatAgo(run.created_at, now) })}
                  </time>
                </td>
                <td className="col-duration num">{formatDuration(runDuration(run, now))}</td>
                <td className="col-figures">
                  {percent !== null && <ProgressBar run={run} percent={percent} />}
                  <span data-testid="run-figures">{runFigures(run)}</span>
                  <RunCounts run={run} />
                  <CheckFailures run={run} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Skeleton() {
  const { t } = useTranslation();
  return (
    <div className="skeleton" role="status" aria-label={t("crawls.loading")}>
      {Array.from({ length: 5 }, (_, i) => (
        <div key={i} className="skeleton-row skeleton-run">
          <span className="sk" />
          <span className="sk" />
          <span className="sk sk-wide" />
          <span className="sk" />
        </div>
      ))}
    </div>
  );
}

type Notice = { kind: "ok" | "error"; text: string } | null;

function CrawlNow({ onNotice }: { onNotice: (notice: Notice) => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      className="btn btn-primary"
      data-testid="crawl-now"
      disabled={busy}
      aria-busy={busy}
      onClick={async () => {
        setBusy(true);
        onNotice(null);
        try {
          const started = await api.startCrawl();
          onNotice({ kind: "ok", text: startedMessage(started) });
        } catch (error) {
          onNotice({ kind: "error", text: startErrorMessage(error) });
        } finally {
          setBusy(false);
          void crawlStore.refresh();
        }
      }}
    >
      {busy ? (
        <>
          <span className="spinner spinner-small spinner-on-accent" aria-hidden="true" /> {t("crawls.starting")}
        </>
      ) : (
        t("crawls.crawlNow")
      )}
    </button>
  );
}

export function CrawlsPage() {
  const { t } = useTranslation();
  const auth = useAuth();
  const crawls = useCrawls(true);
  const [notice, setNotice] = useState<Notice>(null);
  const overview = crawls.data;
  const runs = overview?.runs ?? [];
  const now = useNow(runs.some((run) => run.status === "running"));
  const linkedJob = new URLSearchParams(useLocation().search).get("run");
  const linked = useLinkedRun(linkedJob, runs);
  const isAdmin = auth.user?.is_admin === true || overview?.can_start === true;

  // Once the runs are over, "Started…" or "already running" is old news.
  const busy = overview !== null && (overview.active > 0 || runs.some(isActive));
  const [wasBusy, setWasBusy] = useState(busy);
  if (busy !== wasBusy) {
    setWasBusy(busy);
    if (!busy) setNotice(null);
  }

  let body: React.ReactNode;
  if (overview === null && crawls.error) {
    const unreachable = crawls.error instanceof NetworkError;
    body = (
      <div className="state-card" role="alert" data-testid="runs-error">
        <h2>{t(unreachable ? "crawls.unreachable" : "crawls.loadFailed")}</h2>
        <p>{errorText(crawls.error)}</p>
        <div className="state-actions">
          <button className="btn btn-primary" onClick={() => void crawlStore.refresh()} disabled={crawls.loading}>
            {t("app.tryAgain")}
          </button>
        </div>
      </div>
    );
  } else if (overview === null) {
    body = <Skeleton />;
  } else if (runs.length === 0) {
    body = (
      <div className="state-card" data-testid="runs-empty">
        <svg viewBox="0 0 48 48" width="56" aria-hidden="true" className="empty-icon">
          <circle cx="21" cy="21" r="13" fill="none" stroke="currentColor" strokeWidth="3" />
          <path d="M31 31l10 10" stroke="currentColor" strokeWidth="3.5" strokeLinecap="round" />
        </svg>
        <h2>{t("crawls.empty")}</h2>
        <p>{t(isAdmin ? "crawls.emptyAdmin" : "crawls.emptyStaff")}</p>
      </div>
    );
  } else {
    const unlisted = linked.run && !runs.includes(linked.run) ? linked.run : null;
    body = (
      <>
        {linked.missing && (
          <p className="hint stale-note" role="status" data-testid="linked-missing">
            {t("crawls.missing", { job: linkedJob })}
          </p>
        )}
        {unlisted && (
          <section aria-label={t("crawls.linkedRun")} className="linked-run">
            <h2>{t("crawls.run", { job: unlisted.job_id })}</h2>
            <RunsTable runs={[unlisted]} now={now} selected={linkedJob} caption={t("crawls.linkedRun")} testId="linked-run" />
          </section>
        )}
        <RunsTable runs={runs} now={now} selected={linkedJob} />
      </>
    );
  }

  const running = runs.filter((run) => run.status === "running").length;
  const pending = runs.filter((run) => run.status === "pending").length;
  return (
    <main className="crawls-page">
      <div className="toolbar">
        <div className="title">
          <h1>{t("crawls.title")}</h1>
          <span className="count" data-testid="runs-summary">
            {overview === null
              ? ""
              : running + pending > 0
                ? [running && t("crawls.running", { count: running }), pending && t("crawls.pending", { count: pending })]
                    .filter(Boolean)
                    .join(" · ")
                : t("crawls.idle")}
          </span>
        </div>
        <div className="toolbar-actions">
          <button
            type="button"
            className="btn"
            onClick={() => void crawlStore.refresh()}
            disabled={crawls.loading}
            data-testid="runs-refresh"
          >
            {t("crawls.refresh")}
          </button>
          {isAdmin && <CrawlNow onNotice={setNotice} />}
        </div>
      </div>
      <div aria-live="polite" className="notice-slot">
        {notice && (
          <div className={`notice ${notice.kind === "ok" ? "form-ok" : "form-error"}`}>
            <p data-testid="crawl-notice">{notice.text}</p>
            <button type="button" className="btn btn-ghost dismiss" aria-label={t("app.dismiss")} onClick={() => setNotice(null)}>
              <span aria-hidden="true">✕</span>
            </button>
          </div>
        )}
      </div>
      {overview !== null && crawls.error && (
        <p className="hint stale-note" role="status">
          {t("crawls.stale", { reason: errorText(crawls.error) })}
        </p>
      )}
      <div className="results">
        {crawls.loading && overview !== null && <div className="progress" role="progressbar" aria-label={t("crawls.refreshing")} />}
        {body}
      </div>
      {runs.length > 0 && (
        <p className="hint runs-footnote">
          {t(busy ? "crawls.activeNote" : "crawls.idleNote")}
        </p>
      )}
    </main>
  );
}
