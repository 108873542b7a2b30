import type { ParseKeys } from "i18next";
import { useEffect, useRef, useState } from "react";
import type { FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, ApiError, NetworkError } from "../api";
import { useAuth } from "../auth";
import i18n from "../i18n";
import { navigate, safeNext, useLocation } from "../router";
import { LanguageSwitch } from "./LanguageSwitch";

function waitText(seconds: number): string {
  if (seconds < 60) return i18n.t("login.waitSeconds", { count: seconds });
  return i18n.t("login.waitMinutes", { count: Math.ceil(seconds / 60) });
}

// Errors are kept as messages, not text, so a change of language re-words one already shown.
type LoginError = { key: ParseKeys; message?: string } | null;

export function LoginPage() {
  const { t } = useTranslation();
  const { search } = useLocation();
  const auth = useAuth();
  const next = safeNext(new URLSearchParams(search).get("next"));
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<LoginError>(null);
  const [lockedUntil, setLockedUntil] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const passwordRef = useRef<HTMLInputElement>(null);

  // Already signed in (a live refresh cookie): straight on.
  useEffect(() => {
    if (auth.status === "signed-in" && !busy) navigate(next, { replace: true });
  }, [auth.status, busy, next]);

  // The 429 countdown.
  useEffect(() => {
    if (lockedUntil === null) return;
    const timer = window.setInterval(() => {
      setNow(Date.now());
      if (Date.now() >= lockedUntil) setLockedUntil(null);
    }, 1000);
    return () => window.clearInterval(timer);
  }, [lockedUntil]);

  const secondsLeft = lockedUntil === null ? 0 : Math.max(0, Math.ceil((lockedUntil - now) / 1000));

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy || lockedUntil !== null) return;
    if (!username.trim() || !password) {
      setError({ key: "login.missing" });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.login(username.trim(), password);
      await auth.signedIn();
      navigate(next, { replace: true });
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 401) {
        setError({ key: "login.wrong" });
        setPassword("");
        passwordRef.current?.focus();
      } else if (caught instanceof ApiError && caught.status === 429) {
        const wait = caught.retryAfter ?? 60;
        setLockedUntil(Date.now() + wait * 1000);
        setNow(Date.now());
        setError(null);
      } else if (caught instanceof NetworkError) {
        setError({ key: "login.network", message: caught.message });
      } else if (caught instanceof ApiError && caught.status === 422) {
        setError({ key: "login.missing" });
      } else {
        setError({ key: "login.serverError" });
      }
    } finally {
      setBusy(false);
    }
  }

  const locked = lockedUntil !== null;
  return (
    <main className="login">
      <form className="login-card" onSubmit={submit} noValidate aria-describedby="login-error">
        <div className="login-top">
          <div className="brand brand-large">
            <span className="brand-mark" aria-hidden="true">
              C
            </span>
            {t("app.brand")}
          </div>
          <LanguageSwitch />
        </div>
        <h1>{t("login.title")}</h1>
        <label className="field">
          <span>{t("login.username")}</span>
          <input
            name="username"
            autoComplete="username"
            autoFocus
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            disabled={busy}
          />
        </label>
        <label className="field">
          <span>{t("login.password")}</span>
          <input
            ref={passwordRef}
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            disabled={busy}
          />
        </label>
        <div id="login-error" aria-live="assertive">
          {error && (
            <p className="form-error" role="alert">
              {t(error.key, { message: error.message })}
            </p>
          )}
          {locked && (
            <p className="form-error" role="alert">
              {t("login.locked", { wait: waitText(secondsLeft) })}
            </p>
          )}
        </div>
        <button className="btn btn-primary btn-block" type="submit" disabled={busy || locked}>
          {t(busy ? "login.submitting" : "login.submit")}
        </button>
      </form>
    </main>
  );
}
