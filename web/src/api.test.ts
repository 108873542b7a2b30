import { describe, expect, it, vi } from "vitest";
import { ApiClient, ApiError, expiryOnLocalClock, NetworkError } from "./api";

function memoryStore(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial));
  return {
    getItem: (key: string) => data.get(key) ?? null,
    setItem: (key: string, value: string) => void data.set(key, value),
    removeItem: (key: string) => void data.delete(key),
    data,
  };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });

type Handler = (url: string, init: RequestInit) => Response | Promise<Response>;

function client(handler: Handler, token: string | null = null) {
  const calls: { url: string; auth: string | null; method: string }[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    calls.push({
      url,
      auth: new Headers(init.headers).get("Authorization"),
      method: init.method ?? "GET",
    });
    return handler(url, init);
  });
  const store = memoryStore(token ? { "carsensor.access_token": token } : {});
  const api = new ApiClient(fetchMock as unknown as typeof fetch, store);
  return { api, calls, store };
}

describe("ApiClient", () => {
  it("sends the bearer token", async () => {
    const { api, calls } = client(() => json(200, { id: 1, username: "admin" }), "good");
    expect(await api.json("/api/me")).toEqual({ id: 1, username: "admin" });
    expect(calls).toEqual([{ url: "/api/me", auth: "Bearer good", method: "GET" }]);
  });

  it("on a 401 refreshes once and retries with the new token", async () => {
    const { api, calls, store } = client((url, init) => {
      if (url === "/api/refresh") return json(200, { access_token: "fresh" });
      const auth = new Headers(init.headers).get("Authorization");
      return auth === "Bearer fresh" ? json(200, { ok: true }) : json(401, { detail: "expired" });
    }, "stale");
    expect(await api.json("/api/cars")).toEqual({ ok: true });
    expect(calls.map((c) => `${c.method} ${c.url} ${c.auth}`)).toEqual([
      "GET /api/cars Bearer stale",
      "POST /api/refresh null",
      "GET /api/cars Bearer fresh",
    ]);
    expect(store.data.get("carsensor.access_token")).toBe("fresh");
  });

  it("shares one refresh between concurrent 401s (the cookie rotates)", async () => {
    let refreshes = 0;
    const { api } = client(async (url, init) => {
      if (url === "/api/refresh") {
        refreshes += 1;
        await new Promise((resolve) => setTimeout(resolve, 10));
        return json(200, { access_token: "fresh" });
      }
      const auth = new Headers(init.headers).get("Authorization");
      return auth === "Bearer fresh" ? json(200, { url }) : json(401, {});
    }, "stale");
    const results = await Promise.all([api.json("/api/a"), api.json("/api/b"), api.json("/api/c")]);
    expect(results).toEqual([{ url: "/api/a" }, { url: "/api/b" }, { url: "/api/c" }]);
    expect(refreshes).toBe(1);
  });

  it("without a token refreshes first (a reload with only the cookie)", async () => {
    const { api, calls } = client((url) =>
      url === "/api/refresh" ? json(200, { access_token: "fresh" }) : json(200, {}),
    );
    await api.json("/api/me");
    expect(calls.map((c) => c.url)).toEqual(["/api/refresh", "/api/me"]);
    expect(calls[1].auth).toBe("Bearer fresh");
  });

  it("when the refresh is refused, ends the session and reports it", async () => {
    const { api, store } = client((url) => json(401, { detail: url }), "stale");
    const gone = vi.fn();
    api.onUnauthenticated = gone;
    await expect(api.json("/api/cars")).rejects.toMatchObject({ status: 401 });
    expect(gone).toHaveBeenCalledOnce();
    expect(api.hasToken).toBe(false);
    expect(store.data.size).toBe(0);
  });

  it("login: stores the token; 401 and 429 (with Retry-After) are ApiErrors", async () => {
    const ok = client(() => json(200, { access_token: "t", token_type: "bearer" }));
    await ok.api.login("admin", "pw");
    expect(ok.api.hasToken).toBe(true);

    const wrong = client(() => json(401, { detail: "Invalid username or password" }));
    const error = await wrong.api.login("admin", "bad").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);

    const locked = client(() => json(429, { detail: "Too many" }, { "Retry-After": "120" }));
    const lockout = (await locked.api.login("admin", "bad").catch((e: unknown) => e)) as ApiError;
    expect(lockout.status).toBe(429);
    expect(lockout.retryAfter).toBe(120);
  });

  it("an unreachable server is a NetworkError, and so is a proxy's 502", async () => {
    const down = client(() => {
      throw new TypeError("Failed to fetch");
    });
    await expect(down.api.login("a", "b")).rejects.toBeInstanceOf(NetworkError);
    const proxy = client(() => new Response("Bad Gateway", { status: 502 }));
    await expect(proxy.api.login("a", "b")).rejects.toBeInstanceOf(NetworkError);
  });

  it("422 details name the parameter", async () => {
    const { api } = client(
      () => json(422, { detail: [{ loc: ["query", "year_min"], msg: "bad", type: "x" }] }),
      "t",
    );
    await expect(api.json("/api/cars?year_min=x")).rejects.toMatchObject({
      status: 422,
      message: "year_min: bad",
    });
  });

  it("logout posts to the server and forgets the token even if that fails", async () => {
    const { api, calls } = client(() => {
      throw new TypeError("offline");
    }, "t");
    await expect(api.logout()).rejects.toBeInstanceOf(NetworkError);
    expect(calls[0]).toMatchObject({ url: "/api/logout", method: "POST" });
    expect(api.hasToken).toBe(false);
  });
});

describe("ApiClient without a session", () => {
  it("does not call the endpoint when there is neither token nor cookie", async () => {
    const { api, calls } = client(() => json(401, {}));
    const gone = vi.fn();
    api.onUnauthenticated = gone;
    await expect(api.json("/api/me")).rejects.toMatchObject({ status: 401 });
    expect(calls.map((c) => c.url)).toEqual(["/api/refresh"]);
    expect(gone).toHaveBeenCalledOnce();
  });
});

describe("ApiClient crawl runs", () => {
  it("GET /api/crawls with the token and the limit", async () => {
    const body = { runs: [], active: 0, last: null, can_start: false };
    const { api, calls } = client(() => json(200, body), "t");
    expect(await api.crawls(20)).toEqual(body);
    expect(calls).toEqual([{ url: "/api/crawls?limit=20", auth: "Bearer t", method: "GET" }]);
  });

  it("POST /api/crawls: no body for every shard, a JSON body for some", async () => {
    const bodies: (string | null)[] = [];
    const { api, calls } = client((_url, init) => {
      bodies.push(typeof init.body === "string" ? init.body : null);
      return json(202, { job_ids: ["TO-1"], runs: [] });
    }, "t");
    expect(await api.startCrawl()).toEqual({ job_ids: ["TO-1"], runs: [] });
    await api.startCrawl(["TO", "HO"]);
    expect(calls.map((c) => `${c.method} ${c.url} ${c.auth}`)).toEqual([
      "POST /api/crawls Bearer t",
      "POST /api/crawls Bearer t",
    ]);
    expect(bodies).toEqual([null, '{"shards":["TO","HO"]}']);
  });

  it("403 and 409 are ApiErrors with the API's detail", async () => {
    const denied = client(() => json(403, { detail: "Admins only" }), "t");
    await expect(denied.api.startCrawl()).rejects.toMatchObject({ status: 403, message: "Admins only" });
    const busy = client(() => json(409, { detail: "Every shard is already running" }), "t");
    const error = await busy.api.startCrawl().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, message: "Every shard is already running" });
  });

  it("the API's 503 keeps its reason; a proxy's 503 is the server being unavailable", async () => {
    const noNode = client(() => json(503, { detail: "No scrapyd node is reachable" }), "t");
    const error = await noNode.api.startCrawl().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 503, message: "No scrapyd node is reachable" });
    const proxy = client(() => new Response("<html>503</html>", { status: 503 }), "t");
    await expect(proxy.api.startCrawl()).rejects.toBeInstanceOf(NetworkError);
    // Elsewhere a 503 stays a NetworkError, as before.
    const down = client(() => json(503, { detail: "Database unavailable" }), "t");
    await expect(down.api.crawls()).rejects.toBeInstanceOf(NetworkError);
  });
});

describe("ApiClient users", () => {
  const sato = {
    id: 2,
    username: "sato",
    is_admin: false,
    is_active: true,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
  };

  function recording(respond: (url: string, init: RequestInit) => Response) {
    const sent: { method: string; url: string; body: unknown; type: string | null }[] = [];
    const { api, calls } = client((url, init) => {
      sent.push({
        method: init.method ?? "GET",
        url,
        body: typeof init.body === "string" ? JSON.parse(init.body) : null,
        type: new Headers(init.headers).get("Content-Type"),
      });
      return respond(url, init);
    }, "t");
    return { api, calls, sent };
  }

  it("GET /api/users returns the list", async () => {
    const { api, calls } = recording(() => json(200, { users: [sato] }));
    expect(await api.users()).toEqual([sato]);
    expect(calls).toEqual([{ url: "/api/users", auth: "Bearer t", method: "GET" }]);
  });

  it("POST, PATCH and DELETE send JSON bodies with the token", async () => {
    const { api, calls, sent } = recording((_url, init) =>
      init.method === "DELETE" ? new Response(null, { status: 204 }) : json(init.method === "POST" ? 201 : 200, sato),
    );
    expect(await api.createUser({ username: "sato", password: "sato-password-1", is_admin: false })).toEqual(sato);
    expect(await api.updateUser(2, { is_active: false })).toEqual(sato);
    await api.updateUser(2, { password: "another-password-2" });
    await expect(api.deleteUser(2)).resolves.toBeUndefined();
    expect(sent).toEqual([
      {
        method: "POST",
        url: "/api/users",
        body: { username: "sato", password: "sato-password-1", is_admin: false },
        type: "application/json",
      },
      { method: "PATCH", url: "/api/users/2", body: { is_active: false }, type: "application/json" },
      { method: "PATCH", url: "/api/users/2", body: { password: "another-password-2" }, type: "application/json" },
      { method: "DELETE", url: "/api/users/2", body: null, type: null },
    ]);
    expect(calls.every((c) => c.auth === "Bearer t")).toBe(true);
  });

  it("POST /api/me/password: 204 resolves; 400 and 422 are ApiErrors with a readable detail", async () => {
    const ok = recording(() => new Response(null, { status: 204 }));
    await expect(ok.api.changePassword("old-password-1", "new-password-2")).resolves.toBeUndefined();
    expect(ok.sent[0]).toMatchObject({
      method: "POST",
      url: "/api/me/password",
      body: { old_password: "old-password-1", new_password: "new-password-2" },
    });

    const wrong = recording(() => json(400, { detail: "Wrong password" }));
    await expect(wrong.api.changePassword("x", "new-password-2")).rejects.toMatchObject({
      status: 400,
      message: "Wrong password",
    });
    const rule = recording(() =>
      json(422, { detail: [{ loc: ["body", "new_password"], msg: "Value error, too short", type: "value_error" }] }),
    );
    await expect(rule.api.changePassword("old-password-1", "short")).rejects.toMatchObject({
      status: 422,
      message: "new_password: Value error, too short",
    });
  });

  it("409s (taken, the last admin) and the staff's 403 keep the API's detail", async () => {
    const taken = recording(() => json(409, { detail: "Username taken" }));
    await expect(taken.api.createUser({ username: "sato", password: "p".repeat(12), is_admin: false })).rejects.toMatchObject(
      { status: 409, message: "Username taken" },
    );
    const last = recording(() => json(409, { detail: "The last active admin cannot be disabled" }));
    const error = await last.api.updateUser(1, { is_active: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, message: "The last active admin cannot be disabled" });
    const staff = recording(() => json(403, { detail: "Admins only" }));
    await expect(staff.api.users()).rejects.toMatchObject({ status: 403 });
  });
});

describe("ApiClient saved searches and Telegram", () => {
  const prius = {
    id: 7,
    name: "Toyota Prius",
    filters: { make: "Toyota", model: "Prius" },
    language: "ru",
    currency: "RUB",
    created_at: "2026-12-01T10:00:00Z",
    last_alert_at: null,
  };

  it("saves, lists and deletes with the token; a 409 keeps the API's detail", async () => {
    const bodies: unknown[] = [];
    const { api, calls } = client((_url, init) => {
      if (typeof init.body === "string") bodies.push(JSON.parse(init.body));
      if (init.method === "DELETE") return new Response(null, { status: 204 });
      return init.method === "POST" ? json(201, prius) : json(200, [prius]);
    }, "t");
    const search = { name: "Toyota Prius", filters: { make: "Toyota", model: "Prius" }, language: "ru", currency: "RUB" } as const;
    expect(await api.saveSearch(search)).toEqual(prius);
    expect(await api.searches()).toEqual([prius]);
    await expect(api.deleteSearch(7)).resolves.toBeUndefined();
    expect(bodies).toEqual([search]);
    expect(calls.map((c) => `${c.method} ${c.url} ${c.auth}`)).toEqual([
      "POST /api/searches Bearer t",
      "GET /api/searches Bearer t",
      "DELETE /api/searches/7 Bearer t",
    ]);
    const full = client(() => json(409, { detail: "at most 50 saved searches; delete one first" }), "t");
    await expect(full.api.saveSearch(search)).rejects.toMatchObject({
      status: 409,
      message: "at most 50 saved searches; delete one first",
    });
  });

  it("a link code's expiry is read on this browser's clock, through the server's Date", async () => {
    const { api, calls } = client(
      () =>
        json(
          201,
          { code: "ABCD2345", command: "/link ABCD2345", expires_at: "2026-12-01T10:10:00Z" },
          { Date: "Tue, 01 Dec 2026 10:00:00 GMT" },
        ),
      "t",
    );
    const before = Date.now();
    const code = await api.telegramCode();
    expect(code).toMatchObject({ code: "ABCD2345", command: "/link ABCD2345" });
    // Ten minutes from now, whatever this machine's clock says the date is.
    expect(code.expiresAt - before).toBeGreaterThanOrEqual(600_000);
    expect(code.expiresAt - Date.now()).toBeLessThanOrEqual(600_000);
    expect(calls).toEqual([{ url: "/api/me/telegram", auth: "Bearer t", method: "POST" }]);
  });

  it("expiryOnLocalClock shifts by the clocks' difference, or trusts the expiry without a Date or near it", () => {
    const now = Date.parse("2026-12-01T09:58:00Z"); // this clock is two minutes slow
    expect(expiryOnLocalClock("2026-12-01T10:10:00Z", "Tue, 01 Dec 2026 10:00:00 GMT", now)).toBe(
      Date.parse("2026-12-01T10:08:00Z"),
    );
    expect(expiryOnLocalClock("2026-12-01T10:10:00Z", null, now)).toBe(Date.parse("2026-12-01T10:10:00Z"));
    // A Date a second or two behind is its rounding, not a wrong clock.
    const close = Date.parse("2026-12-01T10:00:02.500Z");
    expect(expiryOnLocalClock("2026-12-01T10:10:00Z", "Tue, 01 Dec 2026 10:00:00 GMT", close)).toBe(
      Date.parse("2026-12-01T10:10:00Z"),
    );
    expect(expiryOnLocalClock("2026-12-01T10:10:00Z", "garbage", now)).toBe(Date.parse("2026-12-01T10:10:00Z"));
  });

  it("unlinks Telegram with DELETE /api/me/telegram", async () => {
    const { api, calls } = client(() => new Response(null, { status: 204 }), "t");
    await expect(api.unlinkTelegram()).resolves.toBeUndefined();
    expect(calls).toEqual([{ url: "/api/me/telegram", auth: "Bearer t", method: "DELETE" }]);
  });
});
