/** The runs list's wording: shard names, durations, a run's figures, "Crawl now" outcomes. */
import type { CrawlRun, MonitorResult, StartedCrawl } from "./api";
import { ApiError, NetworkError } from "./api";
import { isActive } from "./crawls";
import { formatNumber, numberFormat } from "./format";
import { currentLanguage, t } from "./i18n";

/** The shard of the details backfill: detail pages of listings stored from list pages only. */
export const DETAILS_SHARD = "details";

/** The makers a run's shard crawls, as the API names them; null when it names none. */
export function shardName(run: Pick<CrawlRun, "shard" | "makers">): string | null {
  if (run.shard === "all") return t("runs.allMakers");
  if (run.shard === DETAILS_SHARD) return t("runs.detailsBackfill");
  return run.makers?.length ? run.makers.join(", ") : null;
}

/** "45 s", "3 min 05 s", "1 h 02 min"; "—" when unknown. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return "—";
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return t("time.seconds", { s: seconds });
  const minutes = Math.floor(seconds / 60);
  const pad = (n: number) => String(n).padStart(2, "0");
  if (minutes < 60) return t("time.minutesSeconds", { m: minutes, s: pad(seconds % 60) });
  return t("time.hoursMinutes", { h: Math.floor(minutes / 60), m: pad(minutes % 60) });
}

function time(iso: string | null): number | null {
  if (!iso) return null;
  const value = new Date(iso).getTime();
  return Number.isNaN(value) ? null : value;
}

/** Milliseconds from start to end (or to `now` while running); null before it started. */
export function runDuration(run: CrawlRun, now: Date = new Date()): number | null {
  const start = time(run.started_at);
  if (start === null) return null;
  const end = time(run.finished_at) ?? (isActive(run) ? now.getTime() : null);
  return end === null ? null : Math.max(0, end - start);
}

const count = (n: number | null) => (n === null ? "—" : formatNumber(n));

/** A counter the API reported; null, a missing field or NaN is unknown. */
const known = (n: number | null | undefined): n is number => typeof n === "number" && Number.isFinite(n);

/** "42%", rounded down so a run short of its last page never reads 100%. */
export function formatPercent(percent: number): string {
  return `${Math.floor(Math.min(100, Math.max(0, percent)))}%`;
}

/** "2.4 pages/s", "0.35 pages/s", "12 pages/s". */
export function formatRate(perSecond: number): string {
  const digits = perSecond < 1 ? 2 : perSecond < 10 ? 1 : 0;
  return t("runs.rate", { rate: numberFormat(currentLanguage(), { maximumFractionDigits: digits }).format(perSecond) });
}

/** A running run's percent for its progress bar; null when the pages to expect are unknown. */
export function runPercent(run: Pick<CrawlRun, "status" | "percent">): number | null {
  return run.status === "running" && known(run.percent) ? run.percent : null;
}

/** The run's figures: progress while it runs, the outcome once it has ended. */
export function runFigures(run: CrawlRun): string {
  if (run.status === "pending") return t("runs.waiting");
  if (run.status === "running") {
    if (!known(run.pages_crawled) && !known(run.items_scraped)) return t("runs.starting");
    const pages = run.pages_crawled ?? 0;
    const parts = [
      // 0 expected: the crawl has not read a pager yet.
      known(run.pages_expected) && run.pages_expected > 0
        ? t("runs.pagesOf", { done: count(pages), count: run.pages_expected })
        : t("runs.pages", { count: pages }),
      t("runs.listings", { count: run.items_scraped ?? 0 }),
    ];
    if (known(run.pages_per_second) && run.pages_per_second > 0) parts.push(formatRate(run.pages_per_second));
    if (known(run.eta_seconds)) parts.push(t("runs.eta", { duration: formatDuration(run.eta_seconds * 1000) }));
    return parts.join(" · ");
  }
  if (run.status === "lost") return t("runs.lost");
  return t("runs.outcome", { stored: count(run.items_stored), dropped: count(run.items_dropped), count: run.errors ?? 0 });
}

// What a run's listings did, in the order shown: new, changed, unchanged, gone, back.
const LISTING_COUNTS = [
  ["listings_new", "new"],
  ["listings_changed", "changed"],
  ["listings_unchanged", "unchanged"],
  ["listings_gone", "gone"],
  ["listings_reappeared", "reappeared"],
] as const;

/** "12 new · 30 changed · 6,950 unchanged · 8 gone · 2 reappeared": the counts known so far. */
export function listingCounts(run: CrawlRun): string | null {
  const parts = LISTING_COUNTS.flatMap(([field, change]) => {
    const n = run[field];
    return known(n) ? [t(`runs.change.${change}`, { count: count(n) })] : [];
  });
  return parts.length ? parts.join(" · ") : null;
}

/** "Details: 40 fetched · 2 failed"; null before the run reports either. */
export function detailCounts(run: Pick<CrawlRun, "details_fetched" | "details_failed">): string | null {
  const parts = [];
  if (known(run.details_fetched)) parts.push(t("runs.fetched", { count: count(run.details_fetched) }));
  if (known(run.details_failed)) parts.push(t("runs.failed", { count: count(run.details_failed) }));
  return parts.length ? t("runs.details", { counts: parts.join(" · ") }) : null;
}

export interface Checks {
  ok: boolean;
  /** "All 7 checks passed", "2 of 7 checks failed". */
  label: string;
  failed: MonitorResult[];
}

/** The run's Spidermon checks in a word, with the failed ones; null before there are any. */
export function runChecks(run: Pick<CrawlRun, "monitors">): Checks | null {
  const results = run.monitors ?? [];
  if (results.length === 0) return null;
  const failed = results.filter((result) => !result.ok);
  const label = failed.length
    ? t("runs.checksFailed", { failed: failed.length, count: results.length })
    : t("runs.checksPassed", { count: results.length });
  return { ok: failed.length === 0, label, failed };
}

export type Change = "new" | "changed" | "gone";

export interface ChangeMix {
  /** Each change the run has listings for, with its share of their sum in percent. */
  slices: { change: Change; listings: number; share: number }[];
  /** The bar's text alternative: "Listings: 12 new, 30 changed, 8 gone". */
  label: string;
}

/** The new, changed and gone listings of a run for its stacked bar; null when it has none. */
export function changeMix(
  run: Pick<CrawlRun, "listings_new" | "listings_changed" | "listings_gone">,
): ChangeMix | null {
  const reported: [Change, number | null][] = [
    ["new", run.listings_new],
    ["changed", run.listings_changed],
    ["gone", run.listings_gone],
  ];
  const present = reported.flatMap(([change, n]) => (known(n) ? [{ change, listings: n }] : []));
  const total = present.reduce((sum, slice) => sum + slice.listings, 0);
  if (total <= 0) return null;
  return {
    slices: present
      .filter((slice) => slice.listings > 0)
      .map((slice) => ({ ...slice, share: (100 * slice.listings) / total })),
    label: t("runs.mix", {
      counts: present.map((slice) => t(`runs.change.${slice.change}`, { count: count(slice.listings) })).join(", "),
    }),
  };
}

/** "Started 12 crawl jobs" after POST /api/crawls. */
export function startedMessage(result: StartedCrawl): string {
  const shards = result.runs.map((run) => run.shard);
  const jobs = result.job_ids.length;
  if (shards.length === 0 || shards.length > 4) return t("runs.started", { count: jobs });
  return t("runs.startedShards", { count: jobs, shards: shards.join(", ") });
}

/** Why "Crawl now" did not start anything, in the words an admin can act on. */
export function startErrorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 403) return t("runs.adminsOnly");
    if (error.status === 409) return t("runs.alreadyRunning");
    // The API's reason (no scrapyd node answered) is its own text, in English.
    if (error.status === 503) return t("runs.noNode", { reason: error.message.replace(/\.$/, "") });
    return t("runs.notStartedReason", { reason: error.message });
  }
  if (error instanceof NetworkError) return t("errors.tryLater", { message: error.message });
  return t("runs.notStarted");
}
