import { describe, expect, it } from "vitest";
import type { CrawlOverview, CrawlRun } from "./api";
import { ApiError, NetworkError } from "./api";
import { crawlSummary, POLL, pollDelay, statusTone } from "./crawls";
import { setLanguage } from "./i18n";
import {
  changeMix,
  detailCounts,
  formatDuration,
  formatPercent,
  formatRate,
  listingCounts,
  runChecks,
  runDuration,
  runFigures,
  runPercent,
  shardName,
  startedMessage,
  startErrorMessage,
} from "./runs";

const NOW = new Date("2026-11-25T01:00:00Z");

function run(changes: Partial<CrawlRun> = {}): CrawlRun {
  return {
    id: 1,
    shard: "TO",
    makers: ["Toyota"],
    node: "http://127.0.0.1:6800",
    job_id: "TO-abc",
    status: "finished",
    reason: null,
    created_at: "2026-11-25T00:50:00Z",
    started_at: "2026-11-25T00:50:05Z",
    finished_at: "2026-11-25T00:55:00Z",
    pages_crawled: 40,
    pages_expected: null,
    items_scraped: 300,
    progress_at: null,
    percent: null,
    pages_per_second: null,
    eta_seconds: null,
    listings_new: null,
    listings_changed: null,
    listings_unchanged: null,
    listings_gone: null,
    listings_reappeared: null,
    details_fetched: null,
    details_failed: null,
    items_stored: 298,
    items_dropped: 2,
    errors: 0,
    ...changes,
  };
}

const running = (changes: Partial<CrawlRun> = {}) => run({ status: "running", finished_at: null, ...changes });

function overview(runs: CrawlRun[], active = runs.filter((r) => r.status === "pending" || r.status === "running").length): CrawlOverview {
  return { runs, active, last: runs[0] ?? null, can_start: false };
}

describe("crawlSummary (the header)", () => {
  it("says how many shards are crawling while runs are active", () => {
    const runs = [run({ status: "running" }), run({ status: "pending" }), run({ status: "running" }), run()];
    expect(crawlSummary(overview(runs), null, NOW)).toEqual({
      text: "Crawling… 3 shards",
      tone: "active",
      at: null,
    });
    expect(crawlSummary(overview([run({ status: "pending" })]), null, NOW).text).toBe("Crawling… 1 shard");
  });

  it("otherwise the newest run's end, relative, and its status", () => {
    expect(crawlSummary(overview([run()]), null, NOW)).toEqual({
      text: "Last crawl: 5 minutes ago · finished",
      tone: "ok",
      at: "2026-11-25T00:55:00Z",
    });
    const failed = run({ status: "failed", finished_at: "2026-11-24T22:00:00Z" });
    expect(crawlSummary(overview([failed]), null, NOW)).toMatchObject({
      text: "Last crawl: 3 hours ago · failed",
      tone: "bad",
    });
    expect(crawlSummary(overview([run({ status: "lost" })]), null, NOW).tone).toBe("warn");
  });

  it("falls back to /api/health's last_crawl_at when there is no run", () => {
    expect(crawlSummary(overview([]), "2026-11-25T00:58:00Z", NOW)).toEqual({
      text: "Last crawl: 2 minutes ago",
      tone: "ok",
      at: "2026-11-25T00:58:00Z",
    });
    expect(crawlSummary(null, null, NOW)).toMatchObject({ text: "Last crawl: never", tone: "none" });
  });
});

describe("pollDelay", () => {
  it("polls the header every 10 s while something runs, every minute otherwise", () => {
    expect(pollDelay(overview([run({ status: "running" })]), false)).toBe(POLL.active);
    expect(pollDelay(overview([run()]), false)).toBe(POLL.idle);
    expect(pollDelay(null, false)).toBe(POLL.idle);
    expect([POLL.active, POLL.idle]).toEqual([10_000, 60_000]);
  });

  it("polls faster with the runs list open, so progress moves every few seconds", () => {
    expect(pollDelay(overview([run({ status: "pending" })]), true)).toBe(POLL.activeList);
    expect(POLL.activeList).toBeGreaterThanOrEqual(3_000);
    expect(POLL.activeList).toBeLessThanOrEqual(5_000);
    expect(pollDelay(overview([run()]), true)).toBe(POLL.idleList);
    // `active` counts beyond the listed runs too.
    expect(pollDelay(overview([run()], 2), true)).toBe(POLL.activeList);
  });
});

describe("run figures", () => {
  it("formats durations", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(-5)).toBe("—");
    expect(formatDuration(999)).toBe("0 s");
    expect(formatDuration(45_000)).toBe("45 s");
    expect(formatDuration(185_000)).toBe("3 min 05 s");
    expect(formatDuration(3_720_000)).toBe("1 h 02 min");
  });

  it("measures a run from its start to its end, or to now while it runs", () => {
    expect(runDuration(run(), NOW)).toBe(295_000);
    expect(runDuration(run({ status: "running", finished_at: null }), NOW)).toBe(595_000);
    expect(runDuration(run({ status: "pending", started_at: null, finished_at: null }), NOW)).toBeNull();
    expect(runDuration(run({ status: "lost", finished_at: null }), NOW)).toBeNull();
  });

  it("shows progress while running and the outcome once ended", () => {
    expect(runFigures(run({ status: "pending" }))).toBe("Waiting for a free slot");
    expect(runFigures(running({ pages_crawled: null, items_scraped: null }))).toBe("Starting…");
    expect(runFigures(running({ pages_crawled: 1, items_scraped: 1250 }))).toBe("1 page · 1,250 listings");
    expect(runFigures(run())).toBe("298 stored · 2 dropped · 0 errors");
    expect(runFigures(run({ status: "failed", items_stored: 1200, errors: 1 }))).toBe(
      "1,200 stored · 2 dropped · 1 error",
    );
    expect(runFigures(run({ status: "lost" }))).toBe("The node stopped answering");
  });

  it("shows a running run's pages of those expected, its rate and the time left", () => {
    const progress = { pages_crawled: 120, pages_expected: 285, items_scraped: 3600, percent: 42.1 };
    expect(runFigures(running({ ...progress, pages_per_second: 2.43, eta_seconds: 3720 }))).toBe(
      "120 of 285 pages · 3,600 listings · 2.4 pages/s · ETA 1 h 02 min",
    );
    expect(runPercent(running(progress))).toBe(42.1);
    // Before its first rate, and before the pager says how many pages: what is known, no NaN.
    expect(runFigures(running(progress))).toBe("120 of 285 pages · 3,600 listings");
    expect(runFigures(running({ pages_crawled: 7, items_scraped: null, pages_per_second: 0 }))).toBe(
      "7 pages · 0 listings",
    );
    expect(runFigures(running({ pages_crawled: 0, pages_expected: 0, items_scraped: 0 }))).toBe("0 pages · 0 listings");
    expect(runPercent(running())).toBeNull();
    expect(runPercent(running({ percent: Number.NaN }))).toBeNull();
    expect(runPercent(run({ percent: 100 }))).toBeNull(); // ended: no bar
  });

  it("formats percents and page rates", () => {
    expect([0, 42.9, 99.95, 100, 130].map(formatPercent)).toEqual(["0%", "42%", "99%", "100%", "100%"]);
    expect(formatRate(0.354)).toBe("0.35 pages/s");
    expect(formatRate(2.43)).toBe("2.4 pages/s");
    expect(formatRate(12.5)).toBe("13 pages/s");
  });

  it("counts what a run's listings did and the details it fetched", () => {
    const counted = run({
      listings_new: 12,
      listings_changed: 30,
      listings_unchanged: 6950,
      listings_gone: 8,
      listings_reappeared: 2,
      details_fetched: 1200,
      details_failed: 1,
    });
    expect(listingCounts(counted)).toBe("12 new · 30 changed · 6,950 unchanged · 8 gone · 2 reappeared");
    expect(detailCounts(counted)).toBe("Details: 1,200 fetched · 1 failed");
    expect(listingCounts(running({ listings_new: 3 }))).toBe("3 new");
    expect(listingCounts(run())).toBeNull();
    expect(detailCounts(run())).toBeNull();
    expect(detailCounts(run({ details_fetched: 0 }))).toBe("Details: 0 fetched");
  });

  it("splits new, changed and gone into the shares of a stacked bar", () => {
    const mix = changeMix(run({ listings_new: 12, listings_changed: 30, listings_gone: 8, listings_unchanged: 900 }));
    expect(mix).toEqual({
      slices: [
        { change: "new", listings: 12, share: 24 },
        { change: "changed", listings: 30, share: 60 },
        { change: "gone", listings: 8, share: 16 },
      ],
      label: "Listings: 12 new, 30 changed, 8 gone",
    });
    expect(changeMix(run({ listings_new: 5, listings_changed: 0, listings_gone: null }))).toEqual({
      slices: [{ change: "new", listings: 5, share: 100 }],
      label: "Listings: 5 new, 0 changed",
    });
    expect(changeMix(run({ listings_new: 0, listings_changed: 0, listings_gone: 0 }))).toBeNull();
    expect(changeMix(run())).toBeNull();
  });

  it("names the shards and colours the statuses", () => {
    expect(shardName({ shard: "TO", makers: ["Toyota"] })).toBe("Toyota");
    expect(shardName({ shard: "GI+WE", makers: ["Ginetta", "Westfield"] })).toBe("Ginetta, Westfield");
    expect(shardName({ shard: "all", makers: [] })).toBe("All makers");
    expect(shardName({ shard: "details", makers: [] })).toBe("Details backfill");
    expect(shardName({ shard: "XX", makers: [] })).toBeNull();
    expect(statusTone("running")).toBe("active");
    expect(statusTone("finished")).toBe("ok");
    expect(statusTone("incomplete")).toBe("warn");
    expect(statusTone(null)).toBe("none");
  });
});

describe("Crawl now messages", () => {
  it("counts the started jobs, naming a few shards", () => {
    const started = (shards: string[]) => ({
      job_ids: shards.map((s) => `${s}-1`),
      runs: shards.map((shard) => run({ shard, status: "pending" })),
    });
    expect(startedMessage(started(["TO"]))).toBe("Started 1 crawl job: TO.");
    expect(startedMessage(started(["TO", "HO"]))).toBe("Started 2 crawl jobs: TO, HO.");
    expect(startedMessage(started(["TO", "NI", "HO", "MA", "SB"]))).toBe("Started 5 crawl jobs.");
  });

  it("explains 403, 409, 503 and an unreachable server", () => {
    expect(startErrorMessage(new ApiError(403, "Admins only"))).toBe("Only admins can start a crawl.");
    expect(startErrorMessage(new ApiError(409, "Every shard asked for is already running"))).toMatch(
      /^A crawl is already running/,
    );
    expect(startErrorMessage(new ApiError(503, "No scrapyd node is reachable"))).toBe(
      "No scrapyd node is reachable. Check that scrapyd is running, then try again.",
    );
    expect(startErrorMessage(new ApiError(422, "Unknown shards: XX"))).toBe(
      "The crawl could not be started: Unknown shards: XX",
    );
    expect(startErrorMessage(new NetworkError())).toBe("The server cannot be reached. Try again in a moment.");
  });
});

describe("runChecks", () => {
  it("is null before a run has checks", () => {
    expect(runChecks({ monitors: null })).toBeNull();
    expect(runChecks({ monitors: [] })).toBeNull();
    expect(runChecks({})).toBeNull();
  });

  it("passes when every check passed", () => {
    const checks = runChecks({ monitors: [{ name: "Finish reason", ok: true, detail: null }] });
    expect(checks).toEqual({ ok: true, label: "All 1 check passed", failed: [] });
  });

  it("names the failed checks", () => {
    const failed = { name: "Fill rate", ok: false, detail: "model: 2% (was 98% in run 41)" };
    const checks = runChecks({
      monitors: [{ name: "Finish reason", ok: true, detail: null }, failed, { name: "Errors", ok: true, detail: null }],
    });
    expect(checks?.ok).toBe(false);
    expect(checks?.label).toBe("1 of 3 checks failed");
    expect(checks?.failed).toEqual([failed]);
  });
});

describe("in Russian", () => {
  it("words the runs with Russian plurals and numbers", async () => {
    await setLanguage("ru");
    try {
      const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, " ");
      const running = (changes: Partial<CrawlRun>) => run({ status: "running", ...changes });
      expect(crawlSummary(overview([run()]), null, NOW).text).toBe("Последний обход: 5 минут назад · завершён");
      expect(crawlSummary(overview([run({ status: "pending" })]), null, NOW).text).toBe("Обход… 1 часть");
      expect(plain(runFigures(running({ pages_crawled: 2, items_scraped: 1250 })))).toBe("2 страницы · 1 250 объявлений");
      expect(runFigures(run({ errors: 5 }))).toBe("сохранено: 298 · отброшено: 2 · 5 ошибок");
      expect(formatDuration(185_000)).toBe("3 мин 05 с");
      expect(formatRate(2.43)).toBe("2,4 стр./с");
      expect(startErrorMessage(new NetworkError())).toBe("Сервер недоступен. Повторите чуть позже.");
    } finally {
      await setLanguage("en");
    }
  });
});
