/**
 * One poller of GET /api/crawls shared by the header and the runs list, so both always show
 * the same runs and a crawl started from the list shows in the header at once. It reads again
 * after pollDelay(): every 10 s while a crawl is active and 60 s otherwise, or 4 s / 30 s while
 * the runs list is open. A hidden tab is not polled; it reads as soon as it is shown again.
 */
import { useCallback, useSyncExternalStore } from "react";
import type { CrawlOverview } from "./api";
import { api } from "./api";
import { pollDelay } from "./crawls";

export interface CrawlState {
  data: CrawlOverview | null;
  /** The last read's error (the previous data stays). */
  error: Error | null;
  /** A read is in flight. */
  loading: boolean;
}

export interface Clock {
  setTimeout: (callback: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  hidden: () => boolean;
  /** Subscribe to the page being shown again; returns the unsubscribe. */
  onVisible: (callback: () => void) => () => void;
}

const browserClock: Clock = {
  setTimeout: (callback, ms) => window.setTimeout(callback, ms),
  clearTimeout: (handle) => window.clearTimeout(handle as number),
  hidden: () => typeof document !== "undefined" && document.visibilityState === "hidden",
  onVisible: (callback) => {
    const listener = () => {
      if (document.visibilityState === "visible") callback();
    };
    document.addEventListener("visibilitychange", listener);
    return () => document.removeEventListener("visibilitychange", listener);
  },
};

const EMPTY: CrawlState = { data: null, error: null, loading: false };

export function createCrawlStore(
  load: (signal: AbortSignal) => Promise<CrawlOverview>,
  clock: Clock = browserClock,
) {
  let state = EMPTY;
  const listeners = new Set<() => void>();
  /** Each watcher's wish: true when it is the runs list (faster polling). */
  const watchers = new Map<object, boolean>();
  let timer: unknown = null;
  let inflight: AbortController | null = null;
  let stopVisible: (() => void) | null = null;

  const set = (next: Partial<CrawlState>) => {
    state = { ...state, ...next };
    listeners.forEach((listener) => listener());
  };
  const listOpen = () => [...watchers.values()].some(Boolean);

  const schedule = () => {
    if (timer !== null) clock.clearTimeout(timer);
    timer = null;
    if (watchers.size === 0) return;
    timer = clock.setTimeout(() => {
      timer = null;
      if (clock.hidden()) return; // read when shown again (onVisible)
      void read();
    }, pollDelay(state.data, listOpen()));
  };

  async function read(): Promise<void> {
    inflight?.abort();
    const controller = new AbortController();
    inflight = controller;
    if (timer !== null) clock.clearTimeout(timer);
    timer = null;
    set({ loading: true });
    try {
      const data = await load(controller.signal);
      if (controller.signal.aborted) return;
      set({ data, error: null, loading: false });
    } catch (caught) {
      if (controller.signal.aborted) return;
      set({ error: caught instanceof Error ? caught : new Error(String(caught)), loading: false });
    }
    inflight = null;
    schedule();
  }

  return {
    getSnapshot: (): CrawlState => state,
    /** Watch the runs (`list`: the runs list is open, poll faster); returns the unsubscribe. */
    subscribe(listener: () => void, list = false): () => void {
      const watcher = {};
      const first = watchers.size === 0;
      const faster = list && !listOpen();
      watchers.set(watcher, list);
      listeners.add(listener);
      if (first) stopVisible = clock.onVisible(() => void read());
      if (first || faster) void read();
      return () => {
        watchers.delete(watcher);
        listeners.delete(listener);
        if (watchers.size > 0) return;
        // Nobody watches (signed out): stop, and forget the runs of whoever was signed in.
        stopVisible?.();
        stopVisible = null;
        inflight?.abort();
        inflight = null;
        if (timer !== null) clock.clearTimeout(timer);
        timer = null;
        state = EMPTY;
      };
    },
    /** Read now (after "Crawl now"), then carry on polling. */
    refresh: (): Promise<void> => read(),
  };
}

export type CrawlStore = ReturnType<typeof createCrawlStore>;

export const crawlStore = createCrawlStore((signal) => api.crawls(20, signal));

/** The shared crawl runs; `list` asks for the runs list's faster polling. */
export function useCrawls(list = false): CrawlState {
  const subscribe = useCallback((listener: () => void) => crawlStore.subscribe(listener, list), [list]);
  return useSyncExternalStore(subscribe, crawlStore.getSnapshot);
}
