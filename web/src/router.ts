/** A tiny history router: the app has three routes, so no router library is needed. */
import { useSyncExternalStore } from "react";

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener("popstate", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("popstate", listener);
  };
}

function snapshot(): string {
  return window.location.pathname + window.location.search;
}

/** Go to `to` (path and query); `replace` rewrites the current history entry instead. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (options.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  listeners.forEach((listener) => listener());
}

export interface Location {
  pathname: string;
  search: string;
}

/** The current path and query string; re-renders on navigate() and on back/forward. */
export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, snapshot);
  const index = href.indexOf("?");
  return index < 0
    ? { pathname: href, search: "" }
    : { pathname: href.slice(0, index), search: href.slice(index) };
}

/** Only same-site paths are followed after login (never `//evil.example` or `https:`). */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) {
    return "/";
  }
  return next.startsWith("/login") ? "/" : next;
}
