/** /searches: the user's saved searches (open one, delete one) and their Telegram link. */
import { useState } from "react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { api, errorText, NetworkError } from "../api";
import type { SavedSearch } from "../api";
import { formatDate, formatDateTime } from "../format";
import { useApi, useDisplay } from "../hooks";
import { LANGUAGE_NAMES } from "../i18n";
import { currencySymbol } from "../money";
import type { Money } from "../money";
import type { PrefectureNamer } from "../prefectures";
import { filterPhrases, savedFilters, searchErrorMessage, searchPath } from "../searches";
import { Confirm } from "./Confirm";
import { Link } from "./Link";
import { Notice } from "./Notice";
import { TelegramLink } from "./TelegramLink";
import "./UsersPage.css";
import "./SavedSearchesPage.css";

function SearchCard({
  search,
  money,
  prefecture,
  confirming,
  onAsk,
  onCancel,
  onDeleted,
}: {
  search: SavedSearch;
  money: Money;
  prefecture: PrefectureNamer;
  confirming: boolean;
  onAsk: () => void;
  onCancel: () => void;
  onDeleted: () => void;
}) {
  const { t } = useTranslation();
  const { name } = search;
  const filters = savedFilters(search.filters);
  const phrases = filterPhrases(filters, money, prefecture);
  return (
    <li className="panel-card saved-search" data-testid="saved-search" data-id={search.id}>
      <div className="saved-head">
        <h2 data-testid="saved-name">{name}</h2>
        <div className="row-actions">
          <Link
            className="btn btn-small btn-primary"
            to={searchPath(filters)}
            aria-label={t("saved.openName", { name })}
            data-testid="open-search"
          >
            {t("saved.open")}
          </Link>
          <button
            type="button"
            className="btn btn-small btn-danger-ghost"
            aria-label={t("saved.deleteName", { name })}
            aria-expanded={confirming}
            onClick={onAsk}
            data-testid="delete-search"
          >
            {t("saved.delete")}
          </button>
        </div>
      </div>
      {phrases.length > 0 ? (
        <ul className="saved-filters" aria-label={t("saved.filters")} data-testid="saved-filters">
          {phrases.map((phrase, index) => (
            <li key={index}>{phrase}</li>
          ))}
        </ul>
      ) : (
        <p className="hint" data-testid="saved-filters">
          {t("saved.noFilters")}
        </p>
      )}
      <p className="hint" data-testid="saved-meta">
        <time dateTime={search.created_at} title={formatDateTime(search.created_at)}>
          {t("saved.created", { date: formatDate(search.created_at) })}
        </time>
        {" · "}
        {search.last_alert_at ? (
          <time dateTime={search.last_alert_at}>{t("saved.lastAlert", { at: formatDateTime(search.last_alert_at) })}</time>
        ) : (
          t("saved.noAlertYet")
        )}
        {" · "}
        {t("saved.alertsIn", { language: LANGUAGE_NAMES[search.language], currency: currencySymbol(search.currency) })}
      </p>
      {confirming && (
        <Confirm
          question={t("saved.confirmDelete", { name })}
          confirm={t("saved.delete")}
          busyLabel={t("saved.deleting")}
          action={() => api.deleteSearch(search.id)}
          failure={(error) => searchErrorMessage(error, t("saved.deleteFailed"))}
          onDone={onDeleted}
          onCancel={onCancel}
        />
      )}
    </li>
  );
}

export function SavedSearchesPage() {
  const { t } = useTranslation();
  const { money, prefecture } = useDisplay();
  const remote = useApi<SavedSearch[]>("/api/searches");
  // Deleted here since the list was read: gone from it without reading it again.
  const [deleted, setDeleted] = useState<ReadonlySet<number>>(new Set());
  const [confirming, setConfirming] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const searches = remote.data?.filter((search) => !deleted.has(search.id)) ?? null;

  let body: ReactNode;
  if (searches === null && remote.error && !remote.loading) {
    body = (
      <div className="state-card" role="alert" data-testid="searches-error">
        <h2>{t(remote.error instanceof NetworkError ? "errors.unreachable" : "saved.loadFailed")}</h2>
        <p>{errorText(remote.error)}</p>
        <div className="state-actions">
          <button className="btn btn-primary" onClick={remote.reload}>
            {t("app.tryAgain")}
          </button>
        </div>
      </div>
    );
  } else if (searches === null) {
    body = (
      <div className="splash" role="status">
        <span className="spinner" aria-hidden="true" /> {t("saved.loading")}
      </div>
    );
  } else if (searches.length === 0) {
    body = (
      <div className="state-card" data-testid="searches-empty">
        <h2>{t("saved.empty")}</h2>
        <p>{t("saved.emptyHint")}</p>
        <div className="state-actions">
          <Link className="btn btn-primary" to="/">
            {t("app.backToCars")}
          </Link>
        </div>
      </div>
    );
  } else {
    body = (
      <ul className="saved-list" aria-label={t("saved.list")} data-testid="saved-searches">
        {searches.map((search) => (
          <SearchCard
            key={search.id}
            search={search}
            money={money}
            prefecture={prefecture}
            confirming={confirming === search.id}
            onAsk={() => {
              setNotice(null);
              setConfirming(confirming === search.id ? null : search.id);
            }}
            onCancel={() => setConfirming(null)}
            onDeleted={() => {
              setConfirming(null);
              setDeleted((ids) => new Set(ids).add(search.id));
              setNotice(t("saved.deleted", { name: search.name }));
            }}
          />
        ))}
      </ul>
    );
  }

  return (
    <main className="searches-page">
      <div className="toolbar">
        <div className="title">
          <h1>{t("saved.title")}</h1>
          <span className="count" data-testid="searches-count">
            {searches === null ? "" : t("saved.count", { count: searches.length })}
          </span>
        </div>
      </div>
      <TelegramLink />
      <div aria-live="polite" className="notice-slot">
        {notice && (
          <Notice testId="searches-notice" onDismiss={() => setNotice(null)}>
            {notice}
          </Notice>
        )}
      </div>
      {body}
    </main>
  );
}
