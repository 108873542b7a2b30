import { useEffect, useRef, useState } from "react";
import type { FormEvent } from "react";
import { api, ApiError, NetworkError } from "../api";
import { useAuth } from "../auth";
import { navigate, safeNext, useLocation } from "../router";

function waitText(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} min`;
}

export function LoginPage() {
  const { search } = useLocation();
  const auth = useAuth();
  const next = safeNext(new URLSearchParams(search).get("next"));
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
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
      setError("Enter your username and password.");
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
        setError("Wrong username or password.");
        setPassword("");
        passwordRef.current?.focus();
      } else if (caught instanceof ApiError && caught.status === 429) {
        const wait = caught.retryAfter ?? 60;
        setLockedUntil(Date.now() + wait * 1000);
        setNow(Date.now());
        setError(null);
      } else if (caught instanceof NetworkError) {
        setError(`${caught.message}. Check your connection and try again.`);
      } else if (caught instanceof ApiError && caught.status === 422) {
        setError("Enter your username and password.");
      } else {
        setError("Sign-in failed because of a server error. Try again in a moment.");
      }
    } finally {
      setBusy(false);
    }
  }

  const locked = lockedUntil !== null;
  return (
    <main className="login">
      <form className="login-card" onSubmit={submit} noValidate aria-describedby="login-error">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">
            C
          </span>
          Carsensor stock
        </div>
        <h1>Sign in</h1>
        <label className="field">
          <span>Username</span>
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
          <span>Password</span>
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
              {error}
            </p>
          )}
          {locked && (
            <p className="form-error" role="alert">
              Too many sign-in attempts. Try again in {waitText(secondsLeft)}.
            </p>
          )}
        </div>
        <button className="btn btn-primary btn-block" type="submit" disabled={busy || locked}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
