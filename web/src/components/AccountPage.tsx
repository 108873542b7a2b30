/** /account: every signed-in user changes their own password here, and sees whether Telegram is linked. */
import { useRef, useState } from "react";
import type { FormEvent } from "react";
import { Trans, useTranslation } from "react-i18next";
import { api, ApiError } from "../api";
import { useAuth } from "../auth";
import { accountErrorMessage, MIN_PASSWORD_LENGTH, passwordProblem } from "../users";
import { Link } from "./Link";
import "./UsersPage.css";

export function AccountPage() {
  const { t } = useTranslation();
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
      ? t("account.enterCurrent")
      : (passwordProblem(next, username) ?? (next !== confirm ? t("account.differ") : null));
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
        setError(t("account.wrongCurrent"));
        setCurrent("");
        currentRef.current?.focus();
      } else {
        setError(accountErrorMessage(caught, t("account.notChanged")));
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
          <h1 id="account-title">{t("account.title")}</h1>
          <p className="hint">
            <Trans
              i18nKey="account.signedInAs"
              values={{ name: username, role: t(auth.user?.is_admin ? "account.roleAdmin" : "account.roleStaff") }}
              components={{ strong: <strong /> }}
            />
          </p>
        </div>
        {/* For password managers: which account the new password belongs to. */}
        <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
        <label className="field">
          <span>{t("account.current")}</span>
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
          <span>{t("account.new")}</span>
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
          <span>{t("account.confirm")}</span>
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
          {t("account.rules", { min: MIN_PASSWORD_LENGTH })}
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
              {t("account.changed")}
            </p>
          )}
        </div>
        <button className="btn btn-primary btn-block" type="submit" disabled={busy} aria-busy={busy}>
          {t(busy ? "account.saving" : "account.submit")}
        </button>
      </form>
      {/* Linking happens beside the saved searches, whose alerts it is for. */}
      <section className="panel-card account-card" aria-labelledby="account-telegram" data-testid="account-telegram">
        <h2 id="account-telegram">{t("telegram.title")}</h2>
        <p className="hint">{t(auth.user?.telegram_linked ? "telegram.accountLinked" : "telegram.accountNotLinked")}</p>
        <Link to="/searches">{t("telegram.manage")}</Link>
      </section>
    </main>
  );
}
