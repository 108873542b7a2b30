/** Crawl runs in the header: what it says, and how often to ask again (runs.ts: the list's). */
import type { CrawlOverview, CrawlRun, CrawlStatus } from "./api";
import { formatAgo } from "./format";
import { t } from "./i18n";

/** "Finished", "Завершён", "完了". */
export function statusLabel(status: CrawlStatus): string {
  return t(`crawls.status.${status}`);
}

export function isActive(run: Pick<CrawlRun, "status">): boolean {
  return run.status === "pending" || run.status === "running";
}

/** How often to read GET /api/crawls again. */
export const POLL = {
  /** The header while a crawl is pending or running. */
  active: 10_000,
  /** The header otherwise. */
  idle: 60_000,
  /** The runs list while a run is active: its progress moves. */
  activeList: 4_000,
  /** The runs list otherwise. */
  idleList: 30_000,
} as const;

/** The delay before the next read: short while something runs, shorter with the list open. */
export function pollDelay(overview: CrawlOverview | null, listOpen: boolean): number {
  const active = overview !== null && (overview.active > 0 || overview.runs.some(isActive));
  if (listOpen) return active ? POLL.activeList : POLL.idleList;
  return active ? POLL.active : POLL.idle;
}

/** When the run last changed state: its end, else its start, else when it was asked for. */
export function runTime(run: CrawlRun): string {
  return run.finished_at ?? run.started_at ?? run.created_at;
}

export type Tone = "active" | "ok" | "warn" | "bad" | "none";

export function statusTone(status: CrawlStatus | null): Tone {
  switch (status) {
    case "pending":
    case "running":
      return "active";
    case "finished":
      return "ok";
    case "incomplete":
    case "lost":
      return "warn";
    case "failed":
      return "bad";
    default:
      return "none";
  }
}

export interface Summary {
  text: string;
  tone: Tone;
  /** The timestamp the text is relative to, for a tooltip and <time>. */
  at: string | null;
}

/**
 * The header's line: "Crawling… 3 shards" while runs are active, else "Last crawl: 5 min ago ·
 * finished". `fallback` is /api/health's last_crawl_at, for a database crawled without scrapyd.
 */
export function crawlSummary(
  overview: CrawlOverview | null,
  fallback: string | null = null,
  now: Date = new Date(),
): Summary {
  if (overview && overview.active > 0) {
    return { text: t("crawls.crawling", { count: overview.active }), tone: "active", at: null };
  }
  const last = overview?.last ?? null;
  if (last) {
    const at = runTime(last);
    return {
      text: t("crawls.lastCrawlStatus", { ago: formatAgo(at, now), status: statusLabel(last.status).toLowerCase() }),
      tone: statusTone(last.status),
      at,
    };
  }
  return { text: t("crawls.lastCrawl", { ago: formatAgo(fallback, now) }), tone: fallback ? "ok" : "none", at: fallback };
}

