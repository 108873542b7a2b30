/**
 * The API client: bearer token in memory (mirrored in sessionStorage so a reload of the tab
 * needs no refresh round trip), and on a 401 exactly one refresh through the httpOnly cookie
 * (POST /api/refresh) before the request is retried. Concurrent 401s share one refresh, since
 * the server rotates the cookie and replaying a used one revokes the whole session.
 */

import type { components, paths } from "./api.gen";
import { t } from "./i18n";
import type { Filters } from "./urlState";

// The bodies the API sends and takes, as its OpenAPI document declares them (api.gen.ts is
// generated from it: `make web-types`), under the names the app uses.
type Schemas = components["schemas"];
export type Car = Schemas["CarOut"];
export type CarDetail = Schemas["CarDetail"];
export type CarPage = Schemas["CarPage"];
/** GET /api/reference: the 47 prefectures in JIS order, in three languages, and the rates. */
export type Reference = Schemas["Reference"];
/** Yen per unit of each currency (`yen_per`), the day they are of, and where they came from. */
export type Rates = Schemas["RatesOut"];
export type PricePoint = Schemas["PricePoint"];
/** GET /api/market: a model's prices overall, by year and by mileage band, and its listings as points. */
export type MarketStats = Schemas["MarketStats"];
export type MileageBand = Schemas["MileageMarket"];
/** GET /api/cars/{id}/comparables: the listings a car's market price is estimated from, nearest first. */
export type Comparables = Schemas["Comparables"];
export type FacetValue = Schemas["FacetValue"];
export type Facets = Schemas["Facets"];
export type Me = Schemas["Me"];
/** An account as GET /api/users lists it (admins only). */
export type User = Schemas["UserOut"];
export type NewUser = Schemas["UserCreate"];
/** PATCH /api/users/{id}: any of these. */
export type UserChange = Schemas["UserUpdate"];
/** One scrapyd job crawling one shard (a maker code, codes joined by "+", "all" or "details"). */
export type CrawlRun = Schemas["CrawlRunOut"];
export type CrawlStatus = CrawlRun["status"];
/** One of Spidermon's checks of a run (finish reason, errors, fill rates, completeness…). */
export type MonitorResult = Schemas["MonitorResult"];
/** GET /api/crawls: the recent runs (newest first), how many are active, the newest one. */
export type CrawlOverview = Schemas["CrawlList"];
/** POST /api/crawls (202). */
export type StartedCrawl = Schemas["CrawlStarted"];
/** A saved search (GET /api/searches): its filters as the API keeps them, alerts' language and currency. */
export type SavedSearch = Schemas["SavedSearchOut"];
/**
 * POST /api/searches. The filters are the app's (its URL's): GET /api/cars's less the view's
 * own keys, which the schema's CarFilters lists as required because they have defaults.
 */
export type NewSearch = Omit<Schemas["SavedSearchIn"], "filters"> & { filters: Filters };
/** The currency a saved search's alerts quote prices in. */
export type AlertCurrency = NewSearch["currency"];
export type Health = Schemas["Health"];
type Token = Schemas["Token"];
type LinkCodeOut = Schemas["LinkCode"];

/** POST /api/me/telegram's one-time code, its expiry read on this browser's clock. */
export interface LinkCode {
  code: string;
  /** What to send the bot: "/link CODE". */
  command: string;
  /** When the code stops working, in Date.now() milliseconds. */
  expiresAt: number;
}

// A `Date` header is in whole seconds and may be a second old: a smaller difference between it
// and the browser's clock is that, not a clock that is wrong.
const CLOCK_TOLERANCE_MS = 5_000;

/**
 * `expiresAt` (the server's clock) on the browser's: shifted by how far the server's `Date`
 * header is from `now`, so a wrong clock on either side does not cut or stretch the countdown.
 */
export function expiryOnLocalClock(expiresAt: string, serverDate: string | null, now: number): number {
  const expires = Date.parse(expiresAt);
  const server = serverDate === null ? Number.NaN : Date.parse(serverDate);
  if (Number.isNaN(server) || Math.abs(now - server) < CLOCK_TOLERANCE_MS) return expires;
  return now + (expires - server);
}
/**
 * GET /api/cars's query: core/filters.py's CarFilters (every filter, is_active, sort) and the
 * paging. urlState.ts derives the app's `Filters` and `Sort` from it, so a filter added to the
 * API arrives here by `make web-types`.
 */
export type CarsQuery = NonNullable<paths["/api/cars"]["get"]["parameters"]["query"]>;

/** The server answered with an error status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The server could not be reached (offline, refused, DNS, a proxy's 502/503/504). */
export class NetworkError extends Error {
  constructor(message: string = t("errors.unreachable")) {
    super(message);
    this.name = "NetworkError";
  }
}

/**
 * What to tell the user about a failed call: the client's own words for the network, the
 * server's answer (its `detail`, in English) under a translated frame for an ApiError.
 */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return t("errors.serverSaid", { status: error.status, detail: error.message });
  return error instanceof Error ? error.message : String(error);
}

const TOKEN_KEY = "carsensor.access_token";

type Fetch = typeof fetch;

interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

function detailOf(body: unknown, fallback: string): string {
  if (body && typeof body === "object" && "detail" in body) {
    const detail = (body as { detail: unknown }).detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail) && detail.length > 0) {
      const first = detail[0] as { loc?: unknown[]; msg?: string };
      const where = Array.isArray(first.loc) ? first.loc[first.loc.length - 1] : "";
      return `${where ? `${String(where)}: ` : ""}${first.msg ?? fallback}`;
    }
  }
  return fallback;
}

/** The ApiError for a non-2xx response (reads its JSON `detail` when there is one). */
export async function errorFrom(response: Response): Promise<ApiError | NetworkError> {
  if ([502, 503, 504].includes(response.status)) {
    return new NetworkError(t(response.status === 503 ? "errors.unavailable" : "errors.unreachable"));
  }
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: keep the status text
  }
  const retryHeader = response.headers.get("Retry-After");
  const retryAfter = retryHeader !== null && /^\d+$/.test(retryHeader) ? Number(retryHeader) : null;
  return new ApiError(
    response.status,
    detailOf(body, response.statusText || `HTTP ${response.status}`),
    retryAfter,
  );
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

export class ApiClient {
  private token: string | null;
  private refreshing: Promise<boolean> | null = null;
  /** Called when the session is gone (refresh refused): the app sends the user to /login. */
  onUnauthenticated: (() => void) | null = null;

  constructor(
    private readonly fetchImpl: Fetch = (...args) => fetch(...args),
    private readonly store: KeyValueStore | null = typeof sessionStorage === "undefined"
      ? null
      : sessionStorage,
    private readonly base = "",
  ) {
    this.token = store?.getItem(TOKEN_KEY) ?? null;
  }

  get hasToken(): boolean {
    return this.token !== null;
  }

  private setToken(token: string | null): void {
    this.token = token;
    try {
      if (token) this.store?.setItem(TOKEN_KEY, token);
      else this.store?.removeItem(TOKEN_KEY);
    } catch {
      // storage full or disabled: memory is enough
    }
  }

  private async send(path: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchImpl(this.base + path, { credentials: "same-origin", ...init });
    } catch (error) {
      if (isAbort(error)) throw error;
      throw new NetworkError();
    }
  }

  /** POST /api/login; throws ApiError (401 wrong credentials, 429 with retryAfter) or NetworkError. */
  async login(username: string, password: string): Promise<void> {
    const response = await this.send("/api/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
    if (!response.ok) throw await errorFrom(response);
    const body = (await response.json()) as Token;
    this.setToken(body.access_token);
  }

  /** One refresh at a time; true when a new access token came back. */
  refresh(): Promise<boolean> {
    if (!this.refreshing) {
      this.refreshing = (async () => {
        try {
          // Tabs share the cookie, and the server revokes the whole session when a rotated
          // refresh token is replayed: two tabs must never refresh with the same cookie at
          // once. A Web Lock (where the browser has one) makes them take turns.
          const post = () => this.send("/api/refresh", { method: "POST" });
          const locks = typeof navigator === "undefined" ? undefined : navigator.locks;
          const response = locks ? await locks.request("carsensor.refresh", post) : await post();
          if (!response.ok) {
            if (response.status === 401) this.setToken(null);
            if (response.status >= 500) throw await errorFrom(response);
            return false;
          }
          const body = (await response.json()) as Token;
          this.setToken(body.access_token);
          return true;
        } finally {
          this.refreshing = null;
        }
      })();
    }
    return this.refreshing;
  }

  /** POST /api/logout (revokes the refresh cookie's session) and forget the token. */
  async logout(): Promise<void> {
    try {
      await this.send("/api/logout", { method: "POST" });
    } finally {
      this.setToken(null);
    }
  }

  /**
   * An authenticated request. A 401 triggers one refresh and one retry; when the refresh is
   * refused the session is over: onUnauthenticated() runs and an ApiError(401) is thrown.
   */
  async request(
    path: string,
    init: RequestInit = {},
    /** Statuses handed back to the caller instead of thrown (besides 2xx). */
    keep: readonly number[] = [],
  ): Promise<Response> {
    if (!this.token && !(await this.refresh())) {
      // No token and no live refresh cookie: not signed in, no need to ask the endpoint.
      this.onUnauthenticated?.();
      throw new ApiError(401, t("errors.notSignedIn"));
    }
    const attempt = (token: string | null) => {
      const headers = new Headers(init.headers);
      if (token) headers.set("Authorization", `Bearer ${token}`);
      return this.send(path, { ...init, headers });
    };
    const sent = this.token;
    let response = await attempt(sent);
    if (response.status === 401) {
      // Another request may have refreshed meanwhile; else refresh now.
      const renewed = (this.token !== null && this.token !== sent) || (await this.refresh());
      if (renewed) response = await attempt(this.token);
    }
    if (response.status === 401) {
      this.setToken(null);
      this.onUnauthenticated?.();
    }
    if (!response.ok && !keep.includes(response.status)) throw await errorFrom(response);
    return response;
  }

  async json<T>(path: string, signal?: AbortSignal): Promise<T> {
    const response = await this.request(path, { signal, headers: { Accept: "application/json" } });
    return (await response.json()) as T;
  }

  /** GET /api/crawls: recent runs, newest first. */
  crawls(limit = 20, signal?: AbortSignal): Promise<CrawlOverview> {
    return this.json<CrawlOverview>(`/api/crawls?limit=${limit}`, signal);
  }

  /** GET /api/crawls/{job_id}: one run, however old (the link in an alert). */
  crawlRun(jobId: string, signal?: AbortSignal): Promise<CrawlRun> {
    return this.json<CrawlRun>(`/api/crawls/${encodeURIComponent(jobId)}`, signal);
  }

  /**
   * POST /api/crawls (admins): start the given shards now, or every configured one. Throws
   * ApiError 403 (not an admin), 409 (already running) or 503 with the API's own reason (no
   * scrapyd node reachable); a 503 without one (a proxy's) stays a NetworkError.
   */
  async startCrawl(shards?: string[]): Promise<StartedCrawl> {
    const init: RequestInit = { method: "POST", headers: { Accept: "application/json" } };
    if (shards) {
      init.headers = { ...init.headers, "Content-Type": "application/json" };
      init.body = JSON.stringify({ shards });
    }
    const response = await this.request("/api/crawls", init, [503]);
    if (response.status === 503) {
      let body: unknown = null;
      try {
        body = await response.json();
      } catch {
        // a proxy's page, not the API's answer
      }
      const detail = detailOf(body, "");
      throw detail ? new ApiError(503, detail) : new NetworkError(t("errors.unavailable"));
    }
    return (await response.json()) as StartedCrawl;
  }

  private sendJson(path: string, method: string, body: unknown): Promise<Response> {
    return this.request(path, {
      method,
      headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  /** GET /api/users (admins; 403 for staff), ordered by username. */
  async users(signal?: AbortSignal): Promise<User[]> {
    return (await this.json<Schemas["UserList"]>("/api/users", signal)).users;
  }

  /** POST /api/users (admins): 409 when the username is taken, 422 when the password breaks a rule. */
  async createUser(user: NewUser): Promise<User> {
    return (await (await this.sendJson("/api/users", "POST", user)).json()) as User;
  }

  /** PATCH /api/users/{id} (admins): 404, 409 for the last active admin, 422 for the password. */
  async updateUser(id: number, change: UserChange): Promise<User> {
    return (await (await this.sendJson(`/api/users/${id}`, "PATCH", change)).json()) as User;
  }

  /** DELETE /api/users/{id} (admins): 204; 404; 409 for the last active admin. */
  async deleteUser(id: number): Promise<void> {
    await this.request(`/api/users/${id}`, { method: "DELETE" });
  }

  /** POST /api/me/password: 204; 400 for a wrong old password, 422 for a rule. */
  async changePassword(oldPassword: string, newPassword: string): Promise<void> {
    await this.sendJson("/api/me/password", "POST", {
      old_password: oldPassword,
      new_password: newPassword,
    });
  }

  /** GET /api/searches: the user's saved searches, newest first. */
  searches(signal?: AbortSignal): Promise<SavedSearch[]> {
    return this.json<SavedSearch[]>("/api/searches", signal);
  }

  /** POST /api/searches: 201; 409 past the limit of saved searches, 422 naming the field. */
  async saveSearch(search: NewSearch): Promise<SavedSearch> {
    return (await (await this.sendJson("/api/searches", "POST", search)).json()) as SavedSearch;
  }

  /** DELETE /api/searches/{id}: 204; 404 when it is not (or no longer) the user's. */
  async deleteSearch(id: number): Promise<void> {
    await this.request(`/api/searches/${id}`, { method: "DELETE" });
  }

  /** POST /api/me/telegram: a new one-time code (replacing any earlier one) for the bot's /link. */
  async telegramCode(): Promise<LinkCode> {
    const response = await this.request("/api/me/telegram", { method: "POST", headers: { Accept: "application/json" } });
    const body = (await response.json()) as LinkCodeOut;
    const expiresAt = expiryOnLocalClock(body.expires_at, response.headers.get("Date"), Date.now());
    return { code: body.code, command: body.command, expiresAt };
  }

  /** DELETE /api/me/telegram: no more alerts until the user links a chat again. */
  async unlinkTelegram(): Promise<void> {
    await this.request("/api/me/telegram", { method: "DELETE" });
  }

  /** GET /api/health needs no token. */
  async health(signal?: AbortSignal): Promise<Health> {
    const response = await this.send("/api/health", { signal });
    if (!response.ok) throw await errorFrom(response);
    return (await response.json()) as Health;
  }
}

export const api = new ApiClient();
