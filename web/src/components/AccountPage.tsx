/** /account: every signed-in user changes their own password here. */
import { useRef, useState } from "react";
import type { FormEvent } from "react";
import { api, ApiError } from "../api";
import { useAuth } from "../auth";
import { accountErrorMessage, MIN_PASSWORD_LENGTH, passwordProblem } from "../users";
import "./UsersPage.css";

export function AccountPage() {
  const auth = useAuth();
  const username = auth.user?.username ?? "";
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const currentRef = useRef<HTMLInputElement>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    const problem = !current
      ? "Enter your current password."
      : (passwordProblem(next, username) ??
        (next !== confirm ? "The new password and its confirmation differ." : null));
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.changePassword(current, next);
      setCurrent("");
      setNext("");
      setConfirm("");
      setDone(true);
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 400) {
        setError("The current password is wrong.");
        setCurrent("");
        currentRef.current?.focus();
      } else {
        setError(accountErrorMessage(caught, "The password was not changed"));
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="account-page">
      <form
        className="panel-card account-card"
        onSubmit={submit}
        noValidate
        aria-labelledby="account-title"
        data-testid="password-form"
      >
        <div>
          <h1 id="account-title">Change password</h1>
          <p className="hint">
            Signed in as <strong>{username}</strong>
            {auth.user?.is_admin ? " (admin)" : " (staff)"}
          </p>
        </div>
        {/* For password managers: which account the new password belongs to. */}
        <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
        <label className="field">
          <span>Current password</span>
          <input
            ref={currentRef}
            name="current-password"
            type="password"
            autoComplete="current-password"
            autoFocus
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
            disabled={busy}
          />
        </label>
        <label className="field">
          <span>New password</span>
          <input
            name="new-password"
            type="password"
            autoComplete="new-password"
            value={next}
            onChange={(e) => setNext(e.target.value)}
            disabled={busy}
            aria-describedby="account-rules"
          />
        </label>
        <label className="field">
          <span>Confirm new password</span>
          <input
            name="confirm-password"
            type="password"
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
            disabled={busy}
          />
        </label>
        <p className="hint" id="account-rules">
          At least {MIN_PASSWORD_LENGTH} characters; not your username, not the demo password.
        </p>
        <div aria-live="assertive">
          {error && (
            <p className="form-error" role="alert" data-testid="password-error">
              {error}
            </p>
          )}
        </div>
        <div aria-live="polite">
          {done && (
            <p className="form-ok" data-testid="password-changed">
              Your password is changed. Use it the next time you sign in.
            </p>
          )}
        </div>
        <button className="btn btn-primary btn-block" type="submit" disabled={busy} aria-busy={busy}>
          {busy ? "Saving…" : "Change password"}
        </button>
      </form>
    </main>
  );
}
