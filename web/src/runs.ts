/** The runs list's wording: shard names, durations, a run's figures, "Crawl now" outcomes. */
import type { CrawlRun, StartedCrawl } from "./api";
import { ApiError, NetworkError } from "./api";
import { isActive, plural } from "./crawls";

/** The makers a run's shard crawls, as the API names them; null when it names none. */
export function shardName(run: Pick<CrawlRun, "shard" | "makers">): string | null {
  if (run.shard === "all") return "All makers";
  return run.makers?.length ? run.makers.join(", ") : null;
}

/** "45 s", "3 min 05 s", "1 h 02 min"; "—" when unknown. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return "—";
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const pad = (n: number) => String(n).padStart(2, "0");
  if (minutes < 60) return `${minutes} min ${pad(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${pad(minutes % 60)} min`;
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

const count = (n: number | null) => (n === null ? "—" : n.toLocaleString("en-US"));

/** The run's figures: progress while it runs, the outcome once it has ended. */
export function runFigures(run: CrawlRun): string {
  if (run.status === "pending") return "Waiting for a free slot";
  if (run.status === "running") {
    if (run.pages_crawled === null && run.items_scraped === null) return "Starting…";
    return `${plural(run.pages_crawled ?? 0, "page")} · ${plural(run.items_scraped ?? 0, "item")}`;
  }
  if (run.status === "lost") return "The node stopped answering";
  return (
    `${count(run.items_stored)} stored · ${count(run.items_dropped)} dropped · ` +
    plural(run.errors ?? 0, "error")
  );
}

/** "Started 12 crawl jobs" after POST /api/crawls. */
export function startedMessage(result: StartedCrawl): string {
  const shards = result.runs.map((run) => run.shard);
  const jobs = plural(result.job_ids.length, "crawl job");
  if (shards.length === 0 || shards.length > 4) return `Started ${jobs}.`;
  return `Started ${jobs}: ${shards.join(", ")}.`;
}

/** Why "Crawl now" did not start anything, in the words an admin can act on. */
export function startErrorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 403) return "Only admins can start a crawl.";
    if (error.status === 409) {
      return "A crawl is already running: every shard is pending or running. Wait for it to finish.";
    }
    if (error.status === 503) {
      return `${error.message}. Check that scrapyd is running, then try again.`.replace("..", ".");
    }
    return `The crawl could not be started: ${error.message}`;
  }
  if (error instanceof NetworkError) return `${error.message}. Try again in a moment.`;
  return "The crawl could not be started.";
}
