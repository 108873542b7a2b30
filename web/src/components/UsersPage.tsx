/** /users (admins): the team's accounts; add, disable or enable, change role, reset, delete. */
import { useEffect, useRef, useState } from "react";
import type { FormEvent, KeyboardEvent, ReactNode } from "react";
import { Trans, useTranslation } from "react-i18next";
import type { User, UserChange } from "../api";
import { api, ApiError, errorText, NetworkError } from "../api";
import { useAuth } from "../auth";
import i18n from "../i18n";
import { formatAgo, formatDateTime } from "../format";
import { accountErrorMessage, MIN_PASSWORD_LENGTH, passwordProblem, usernameProblem, withUser } from "../users";
import { Confirm } from "./Confirm";
import { Notice } from "./Notice";
import "./UsersPage.css";
import { FormFooter } from "./FormFooter";

/** The form or question open under one user's row. */
type Panel = { id: number; kind: "password" | "delete" } | null;

/** The one thing a 409 on changing or deleting a user means (api/routes/users.py). */
function lastAdminOr(error: unknown, failed: string): string {
  return error instanceof ApiError && error.status === 409 ? i18n.t("users.lastAdmin") : accountErrorMessage(error, failed);
}

function AdminsOnly() {
  const { t } = useTranslation();
  return (
    <main className="users-page">
      <div className="state-card" role="alert" data-testid="admins-only">
        <h1>{t("users.adminsOnly")}</h1>
        <p>{t("users.adminsOnlyText")}</p>
      </div>
    </main>
  );
}

function AddUserForm({ onAdded, onCancel }: { onAdded: (user: User) => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [isAdmin, setIsAdmin] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const name = username.trim();
    const problem = usernameProblem(name) ?? passwordProblem(password, name);
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onAdded(await api.createUser({ username: name, password, is_admin: isAdmin }));
    } catch (caught) {
      setError(
        caught instanceof ApiError && caught.status === 409
          ? t("users.taken", { name })
          : accountErrorMessage(caught, t("users.addFailed")),
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="panel-card add-user"
      onSubmit={submit}
      noValidate
      aria-labelledby="add-user-title"
      data-testid="add-user-form"
      onKeyDown={(e) => e.key === "Escape" && onCancel()}
    >
      <h2 id="add-user-title">{t("users.addTitle")}</h2>
      <div className="add-user-fields">
        <label className="field">
          <span>{t("users.username")}</span>
          <input
            name="username"
            autoComplete="off"
            autoFocus
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            disabled={busy}
          />
        </label>
        <label className="field">
          <span>{t("users.password")}</span>
          <input
            name="new-password"
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            disabled={busy}
            aria-describedby="add-user-rules"
          />
        </label>
        <label className="check">
          <input type="checkbox" checked={isAdmin} onChange={(e) => setIsAdmin(e.target.checked)} disabled={busy} />
          {t("users.admin")}
        </label>
      </div>
      <p className="hint" id="add-user-rules">
        {t("users.rules", { min: MIN_PASSWORD_LENGTH })} {t("users.adminsAlso")}
      </p>
      <FormFooter
        error={error}
        errorTestId="add-user-error"
        busy={busy}
        submitLabel={t(busy ? "users.adding" : "users.add")}
        onCancel={onCancel}
      />
    </form>
  );
}

function ResetPasswordForm({
  user,
  onDone,
  onCancel,
}: {
  user: User;
  onDone: (user: User) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inputId = `reset-${user.id}`;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problem = passwordProblem(password, user.username);
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onDone(await api.updateUser(user.id, { password }));
    } catch (caught) {
      setError(accountErrorMessage(caught, t("users.resetFailed")));
      setBusy(false);
    }
  }

  return (
    <form className="row-form" onSubmit={submit} noValidate data-testid="reset-form">
      <label className="field-label" htmlFor={inputId}>
        {t("users.resetFor", { name: user.username })}
      </label>
      <div className="row-form-line">
        <input
          id={inputId}
          className="text-input"
          type="password"
          autoComplete="new-password"
          autoFocus
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          disabled={busy}
          aria-describedby={`${inputId}-rules`}
        />
        <button type="submit" className="btn btn-primary" disabled={busy} aria-busy={busy}>
          {t(busy ? "users.saving" : "users.setPassword")}
        </button>
        <button type="button" className="btn" onClick={onCancel} disabled={busy}>
          {t("app.cancel")}
        </button>
      </div>
      <p className="hint" id={`${inputId}-rules`}>
        {t("users.rules", { min: MIN_PASSWORD_LENGTH })} {t("users.resetNote")}
      </p>
      {error && (
        <p className="form-error" role="alert" data-testid="panel-error">
          {error}
        </p>
      )}
    </form>
  );
}

function ConfirmDelete({ user, onDone, onCancel }: { user: User; onDone: () => void; onCancel: () => void }) {
  const { t } = useTranslation();
  return (
    <Confirm
      question={<Trans i18nKey="users.confirmDelete" values={{ name: user.username }} components={{ strong: <strong /> }} />}
      confirm={t("users.deleteForGood")}
      busyLabel={t("users.deleting")}
      action={() => api.deleteUser(user.id)}
      failure={(error) => lastAdminOr(error, t("users.deleteFailed"))}
      onDone={onDone}
      onCancel={onCancel}
    />
  );
}

function UserRow({
  user,
  self,
  panel,
  busy,
  onChange,
  onOpen,
}: {
  user: User;
  self: boolean;
  panel: Panel;
  busy: boolean;
  onChange: (change: UserChange) => void;
  onOpen: (kind: "password" | "delete") => void;
}) {
  const { t } = useTranslation();
  const open = panel?.id === user.id;
  const name = user.username;
  return (
    <tr
      data-testid="user-row"
      data-username={name}
      data-active={user.is_active}
      className={user.is_active ? undefined : "disabled"}
      aria-busy={busy}
    >
      <th scope="row" className="col-name">
        <span className="user-name">{name}</span>
        {self && <span className="hint"> {t("users.you")}</span>}
      </th>
      <td className="col-role">
        <span className={`badge tone-${user.is_admin ? "active" : "none"}`} data-testid="user-role">
          {t(user.is_admin ? "users.admin" : "users.staff")}
        </span>
      </td>
      <td className="col-state">
        <span className={`badge tone-${user.is_active ? "ok" : "bad"}`} data-testid="user-status">
          {t(user.is_active ? "users.active" : "users.disabled")}
        </span>
      </td>
      <td className="col-created">
        <time dateTime={user.created_at} title={formatDateTime(user.created_at)}>
          {formatAgo(user.created_at)}
        </time>
      </td>
      <td className="col-actions">
        <div className="row-actions">
          <button
            type="button"
            className="btn btn-small"
            aria-label={t(user.is_active ? "users.disableName" : "users.enableName", { name })}
            disabled={busy}
            onClick={() => onChange({ is_active: !user.is_active })}
          >
            {t(user.is_active ? "users.disable" : "users.enable")}
          </button>
          <button
            type="button"
            className="btn btn-small"
            aria-label={t(user.is_admin ? "users.makeStaffName" : "users.makeAdminName", { name })}
            disabled={busy}
            onClick={() => onChange({ is_admin: !user.is_admin })}
          >
            {t(user.is_admin ? "users.makeStaff" : "users.makeAdmin")}
          </button>
          <button
            type="button"
            className="btn btn-small"
            aria-label={t("users.resetPasswordName", { name })}
            aria-expanded={open && panel.kind === "password"}
            disabled={busy}
            onClick={() => onOpen("password")}
          >
            {t("users.resetPassword")}
          </button>
          <button
            type="button"
            className="btn btn-small btn-danger-ghost"
            aria-label={t("users.deleteName", { name })}
            aria-expanded={open && panel.kind === "delete"}
            disabled={busy}
            onClick={() => onOpen("delete")}
          >
            {t("users.delete")}
          </button>
        </div>
      </td>
    </tr>
  );
}

export function UsersPage() {
  const { t } = useTranslation();
  const auth = useAuth();
  const isAdmin = auth.user?.is_admin === true;
  const [users, setUsers] = useState<User[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [reload, setReload] = useState(0);
  const [adding, setAdding] = useState(false);
  const [panel, setPanel] = useState<Panel>(null);
  const [busyId, setBusyId] = useState<number | null>(null);
  const [rowError, setRowError] = useState<{ id: number; text: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // The button that opened a row's form gets the focus back when it closes.
  const opener = useRef<HTMLElement | null>(null);

  useEffect(() => {
    if (!isAdmin) return;
    const controller = new AbortController();
    setLoadError(null);
    api
      .users(controller.signal)
      .then(setUsers)
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setLoadError(error);
      });
    return () => controller.abort();
  }, [isAdmin, reload]);

  if (!isAdmin || (loadError instanceof ApiError && loadError.status === 403)) return <AdminsOnly />;

  const closePanel = () => {
    setPanel(null);
    opener.current?.focus();
    opener.current = null;
  };

  const open = (id: number, kind: "password" | "delete") => {
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setRowError(null);
    setPanel(panel?.id === id && panel.kind === kind ? null : { id, kind });
  };

  async function change(user: User, update: UserChange) {
    setBusyId(user.id);
    setRowError(null);
    setNotice(null);
    try {
      const updated = await api.updateUser(user.id, update);
      setUsers((list) => withUser(list ?? [], updated));
      // Demoting oneself takes this page away: read /api/me again.
      if (updated.id === auth.user?.id && !updated.is_admin) void auth.signedIn();
    } catch (error) {
      setRowError({ id: user.id, text: lastAdminOr(error, t("users.changeFailed")) });
    } finally {
      setBusyId(null);
    }
  }

  const panelFor = (user: User): ReactNode => {
    if (panel?.id !== user.id) return null;
    return panel.kind === "password" ? (
      <ResetPasswordForm
        user={user}
        onCancel={closePanel}
        onDone={(updated) => {
          setUsers((list) => withUser(list ?? [], updated));
          closePanel();
          setNotice(t("users.passwordSet", { name: user.username }));
        }}
      />
    ) : (
      <ConfirmDelete
        user={user}
        onCancel={closePanel}
        onDone={() => {
          setPanel(null);
          opener.current = null;
          setUsers((list) => (list ?? []).filter((u) => u.id !== user.id));
          setNotice(t("users.deleted", { name: user.username }));
        }}
      />
    );
  };

  let body: ReactNode;
  if (users === null && loadError) {
    body = (
      <div className="state-card" role="alert" data-testid="users-error">
        <h2>{t(loadError instanceof NetworkError ? "users.unreachable" : "users.loadFailed")}</h2>
        <p>{errorText(loadError)}</p>
        <div className="state-actions">
          <button className="btn btn-primary" onClick={() => setReload((n) => n + 1)}>
            {t("app.tryAgain")}
          </button>
        </div>
      </div>
    );
  } else if (users === null) {
    body = (
      <div className="splash" role="status">
        <span className="spinner" aria-hidden="true" /> {t("users.loading")}
      </div>
    );
  } else {
    body = (
      <div className="table-wrap">
        <table className="users" data-testid="users-table">
          <caption className="visually-hidden">{t("users.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("users.username")}</th>
              <th scope="col">{t("users.role")}</th>
              <th scope="col">{t("users.status")}</th>
              <th scope="col">{t("users.added")}</th>
              <th scope="col">
                <span className="visually-hidden">{t("users.actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => {
              const extra = panelFor(user);
              const error = rowError?.id === user.id ? rowError.text : null;
              return [
                <UserRow
                  key={user.id}
                  user={user}
                  self={user.id === auth.user?.id}
                  panel={panel}
                  busy={busyId === user.id}
                  onChange={(update) => void change(user, update)}
                  onOpen={(kind) => open(user.id, kind)}
                />,
                (extra || error) && (
                  <tr
                    key={`${user.id}-panel`}
                    className="user-panel"
                    data-testid="user-panel"
                    onKeyDown={(e: KeyboardEvent) => e.key === "Escape" && closePanel()}
                  >
                    <td colSpan={5}>
                      {extra}
                      {error && (
                        <p className="form-error row-error" role="alert" data-testid="row-error">
                          {error}
                        </p>
                      )}
                    </td>
                  </tr>
                ),
              ];
            })}
          </tbody>
        </table>
      </div>
    );
  }

  const active = users?.filter((u) => u.is_active).length ?? 0;
  return (
    <main className="users-page">
      <div className="toolbar">
        <div className="title">
          <h1>{t("users.title")}</h1>
          <span className="count" data-testid="users-summary">
            {users === null ? "" : t("users.summary", { count: users.length, active })}
          </span>
        </div>
        <div className="toolbar-actions">
          {!adding && (
            <button
              type="button"
              className="btn btn-primary"
              data-testid="add-user"
              onClick={() => {
                setNotice(null);
                setAdding(true);
              }}
            >
              {t("users.add")}
            </button>
          )}
        </div>
      </div>
      {adding && (
        <AddUserForm
          onCancel={() => setAdding(false)}
          onAdded={(user) => {
            setUsers((list) => withUser(list ?? [], user));
            setAdding(false);
            setNotice(t(user.is_admin ? "users.addedAdmin" : "users.addedStaff", { name: user.username }));
          }}
        />
      )}
      <div aria-live="polite" className="notice-slot">
        {notice && (
          <Notice testId="users-notice" onDismiss={() => setNotice(null)}>
            {notice}
          </Notice>
        )}
      </div>
      <div className="results">{body}</div>
      <p className="hint users-footnote">
        {t("users.footnote")}
      </p>
    </main>
  );
}
