/**
 * Linking the user's Telegram chat, where the alerts of saved searches go: a one-time code the
 * user sends the bot as `/link CODE`. While the code is shown, GET /api/me is asked every few
 * seconds whether the bot has linked the chat, and the panel turns to "Linked" by itself.
 */
import { useEffect, useRef, useState } from "react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api";
import type { LinkCode, Me } from "../api";
import { useAuth } from "../auth";
import { countdown, LINK_POLL_MS, searchErrorMessage } from "../searches";

/** Date.now(), once a second until `until` has passed (null: not ticking). */
function useNow(until: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until === null) return;
    setNow(Date.now());
    const timer = window.setInterval(() => {
      const time = Date.now();
      setNow(time);
      if (time >= until) window.clearInterval(timer);
    }, 1000);
    return () => window.clearInterval(timer);
  }, [until]);
  return now;
}

/**
 * Until the code expiring at `expiresAt` (null: no code) expires, ask GET /api/me every few
 * seconds whether the bot has linked the chat; `onLinked` gets the answer that says so.
 */
function useLinkWatch(expiresAt: number | null, onLinked: (me: Me) => void): void {
  useEffect(() => {
    if (expiresAt === null) return;
    const controller = new AbortController();
    const ask = () =>
      api.json<Me>("/api/me", controller.signal).then(
        (me) => me.telegram_linked && onLinked(me),
        () => undefined, // a missed answer is asked again at the next tick
      );
    const check = () => {
      // A hidden tab does not ask: it asks the moment it is shown again (back from Telegram).
      if (document.visibilityState !== "hidden") void ask();
    };
    const timer = window.setInterval(check, LINK_POLL_MS);
    document.addEventListener("visibilitychange", check);
    const stop = () => {
      window.clearInterval(timer);
      document.removeEventListener("visibilitychange", check);
    };
    // The bot may take the code in its last seconds: one more ask as it expires, then none.
    const last = window.setTimeout(() => {
      stop();
      void ask();
    }, Math.max(0, expiresAt - Date.now()));
    return () => {
      controller.abort();
      stop();
      window.clearTimeout(last);
    };
  }, [expiresAt, onLinked]);
}

/** The code, big; the command to send, with a Copy button; the time left. */
function CodeCard({ code, now }: { code: LinkCode; now: number }) {
  const { t } = useTranslation();
  const command = useRef<HTMLElement>(null);
  const [copied, setCopied] = useState<"copied" | "copyByHand" | null>(null);

  async function copy() {
    try {
      await navigator.clipboard.writeText(code.command);
      setCopied("copied");
    } catch {
      // No clipboard (a page served over plain http, a refused permission): select the
      // command for the user to copy.
      if (command.current) window.getSelection()?.selectAllChildren(command.current);
      setCopied("copyByHand");
    }
  }

  return (
    <div className="link-card" data-testid="link-code-card">
      <div className="link-code-box">
        <span className="field-label">{t("telegram.code")}</span>
        <output className="link-code" data-testid="link-code">
          {code.code}
        </output>
      </div>
      <p className="link-step">{t("telegram.step")}</p>
      <div className="link-command-line">
        <code className="link-command" ref={command} data-testid="link-command">
          {code.command}
        </code>
        <button type="button" className="btn" onClick={copy} autoFocus data-testid="copy-command">
          {t("telegram.copy")}
        </button>
        <span className="hint" aria-live="polite">
          {copied && t(`telegram.${copied}`)}
        </span>
      </div>
      <p className="hint">
        {/* role="timer": the countdown is not read out every second. */}
        <span role="timer" data-testid="link-countdown">
          {t("telegram.expiresIn", { time: countdown(code.expiresAt - now) })}
        </span>{" "}
        <span className="link-waiting">
          <span className="spinner spinner-small" aria-hidden="true" /> {t("telegram.waiting")}
        </span>
      </p>
    </div>
  );
}

export function TelegramLink() {
  const { t } = useTranslation();
  const { user, update } = useAuth();
  const linked = user?.telegram_linked === true;
  const [code, setCode] = useState<LinkCode | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // A code shown, not yet taken by the bot: when it expires.
  const until = code !== null && !linked ? code.expiresAt : null;
  const now = useNow(until);
  useLinkWatch(until, update);
  const expired = until !== null && now >= until;

  async function run(call: () => Promise<void>, failed: string) {
    setBusy(true);
    setError(null);
    try {
      await call();
    } catch (caught) {
      setError(searchErrorMessage(caught, failed));
    } finally {
      setBusy(false);
    }
  }

  const getCode = () =>
    run(async () => setCode(await api.telegramCode()), t("telegram.codeFailed"));
  const unlink = () =>
    run(async () => {
      await api.unlinkTelegram();
      setCode(null); // spent or not, a code shown before the link is no use now
      if (user) update({ ...user, telegram_linked: false });
    }, t("telegram.unlinkFailed"));

  let body: ReactNode;
  if (linked) {
    body = (
      <>
        <p>{t("telegram.linkedText")}</p>
        <div className="form-actions">
          <button type="button" className="btn" disabled={busy} aria-busy={busy} onClick={unlink} data-testid="unlink-telegram">
            {t(busy ? "telegram.unlinking" : "telegram.unlink")}
          </button>
        </div>
      </>
    );
  } else if (code !== null && !expired) {
    body = <CodeCard key={code.code} code={code} now={now} />;
  } else {
    body = (
      <>
        <p className="form-warn" data-testid="telegram-not-linked">
          {expired ? t("telegram.expired") : t("telegram.notLinked")}
        </p>
        <div className="form-actions">
          <button type="button" className="btn btn-primary" disabled={busy} aria-busy={busy} onClick={getCode} data-testid="link-telegram">
            {t(busy ? "telegram.linking" : expired ? "telegram.newCode" : "telegram.link")}
          </button>
        </div>
      </>
    );
  }

  return (
    <section className="panel-card telegram" aria-labelledby="telegram-title" data-testid="telegram" data-linked={linked}>
      <div className="telegram-head">
        <h2 id="telegram-title">{t("telegram.title")}</h2>
        <span aria-live="polite">
          <span className={`badge tone-${linked ? "ok" : "warn"}`} data-testid="telegram-status">
            {t(linked ? "telegram.linked" : "telegram.off")}
          </span>
        </span>
      </div>
      {body}
      {error && (
        <p className="form-error" role="alert" data-testid="telegram-error">
          {error}
        </p>
      )}
    </section>
  );
}
