import { describe, expect, it, vi } from "vitest";
import type { CrawlOverview } from "./api";
import { POLL } from "./crawls";
import type { Clock } from "./crawlStore";
import { createCrawlStore } from "./crawlStore";

/** A clock whose timers run only when the test says so. */
function fakeClock() {
  let timers: { callback: () => void; ms: number }[] = [];
  let visible: (() => void) | null = null;
  const clock: Clock & { hiddenNow: boolean } = {
    hiddenNow: false,
    setTimeout: (callback, ms) => {
      const timer = { callback, ms };
      timers.push(timer);
      return timer;
    },
    clearTimeout: (handle) => {
      timers = timers.filter((t) => t !== handle);
    },
    hidden: () => clock.hiddenNow,
    onVisible: (callback) => {
      visible = callback;
      return () => {
        visible = null;
      };
    },
  };
  return {
    clock,
    /** The delays of the pending timers. */
    delays: () => timers.map((t) => t.ms),
    fire: () => {
      const due = timers;
      timers = [];
      due.forEach((t) => t.callback());
    },
    show: () => visible?.(),
  };
}

const overview = (active: number): CrawlOverview => ({ runs: [], active, last: null, can_start: true });
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("crawlStore", () => {
  it("reads on the first watcher, then at the header's pace: 10 s while active, 60 s idle", async () => {
    const answers = [overview(2), overview(0)];
    const load = vi.fn(async () => answers.shift() ?? overview(0));
    const time = fakeClock();
    const store = createCrawlStore(load, time.clock);
    const changed = vi.fn();
    store.subscribe(changed);
    expect(store.getSnapshot().loading).toBe(true);
    await settle();
    expect(store.getSnapshot()).toMatchObject({ data: { active: 2 }, error: null, loading: false });
    expect(time.delays()).toEqual([POLL.active]);
    time.fire();
    await settle();
    expect(load).toHaveBeenCalledTimes(2);
    expect(time.delays()).toEqual([POLL.idle]);
    expect(changed).toHaveBeenCalled();
  });

  it("the runs list reads at once and polls every few seconds while a run is active", async () => {
    const load = vi.fn(async () => overview(1));
    const time = fakeClock();
    const store = createCrawlStore(load, time.clock);
    store.subscribe(() => undefined); // the header
    await settle();
    expect(time.delays()).toEqual([POLL.active]);
    const leave = store.subscribe(() => undefined, true); // the runs list opens
    await settle();
    expect(load).toHaveBeenCalledTimes(2);
    expect(time.delays()).toEqual([POLL.activeList]);
    leave();
    time.fire();
    await settle();
    expect(time.delays()).toEqual([POLL.active]); // back to the header's pace
  });

  it("keeps the last runs when a read fails, and retries", async () => {
    let fail = false;
    const load = vi.fn(async () => {
      if (fail) throw new Error("offline");
      return overview(0);
    });
    const time = fakeClock();
    const store = createCrawlStore(load, time.clock);
    store.subscribe(() => undefined);
    await settle();
    fail = true;
    time.fire();
    await settle();
    expect(store.getSnapshot()).toMatchObject({ data: { active: 0 }, error: { message: "offline" } });
    expect(time.delays()).toEqual([POLL.idle]);
  });

  it("skips reads while the tab is hidden and reads when it is shown", async () => {
    const load = vi.fn(async () => overview(1));
    const time = fakeClock();
    const store = createCrawlStore(load, time.clock);
    store.subscribe(() => undefined);
    await settle();
    time.clock.hiddenNow = true;
    time.fire();
    await settle();
    expect(load).toHaveBeenCalledTimes(1);
    time.clock.hiddenNow = false;
    time.show();
    await settle();
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("refresh() reads now; the last watcher leaving stops polling and forgets the runs", async () => {
    const load = vi.fn(async () => overview(0));
    const time = fakeClock();
    const store = createCrawlStore(load, time.clock);
    const leave = store.subscribe(() => undefined);
    await settle();
    await store.refresh();
    expect(load).toHaveBeenCalledTimes(2);
    expect(time.delays()).toEqual([POLL.idle]); // one timer, not two
    leave();
    expect(time.delays()).toEqual([]);
    expect(store.getSnapshot().data).toBeNull();
  });
});
