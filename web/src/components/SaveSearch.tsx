/** "Save this search" on the cars page: the current filters under a name, told about in Telegram. */
import { useState } from "react";
import type { FormEvent } from "react";
import { Trans, useTranslation } from "react-i18next";
import { api, ApiError } from "../api";
import type { SavedSearch } from "../api";
import { useAuth } from "../auth";
import type { Display } from "../hooks";
import { useApi } from "../hooks";
import { currentLanguage, LANGUAGE_NAMES } from "../i18n";
import { currencyOf, currencySymbol } from "../money";
import { defaultName, filterPhrases, findSaved, NAME_MAX_LENGTH, searchErrorMessage } from "../searches";
import type { Filters } from "../urlState";
import { Link } from "./Link";
import { Notice } from "./Notice";
import { FormFooter } from "./FormFooter";

const SEARCHES_PAGE = "/searches";

export function SaveSearchForm({
  filters,
  display,
  onSaved,
  onCancel,
}: {
  filters: Filters;
  display: Display;
  onSaved: (search: SavedSearch) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const auth = useAuth();
  const { unit, money, prefecture } = display;
  const phrases = filterPhrases(filters, money, prefecture);
  // The name is offered once, from the filters as they are when the form opens.
  const [name, setName] = useState(() => defaultName(filters, money, prefecture));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The user's searches: the same filters saved already, and how many there are when the
  // API refuses one more (409).
  const saved = useApi<SavedSearch[]>("/api/searches").data;
  const twin = saved ? findSaved(saved, filters) : undefined;
  const language = currentLanguage();
  const currency = currencyOf(unit);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) {
      setError(t("saveSearch.noName"));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onSaved(await api.saveSearch({ name: trimmed, filters, language, currency }));
    } catch (caught) {
      // The limit is said with how many searches the user has: the list, read now if not yet in.
      const full = caught instanceof ApiError && caught.status === 409;
      const list = full ? (saved ?? (await api.searches().catch(() => null))) : null;
      setError(searchErrorMessage(caught, t("saveSearch.notSaved"), list?.length ?? null));
      setBusy(false);
    }
  }

  return (
    <form
      className="panel-card save-search"
      onSubmit={submit}
      noValidate
      aria-labelledby="save-search-title"
      data-testid="save-search-form"
      onKeyDown={(e) => e.key === "Escape" && onCancel()}
    >
      <h2 id="save-search-title">{t("saveSearch.title")}</h2>
      <label className="field">
        <span>{t("saveSearch.name")}</span>
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          onFocus={(e) => e.target.select()}
          maxLength={NAME_MAX_LENGTH}
          autoFocus
          disabled={busy}
          data-testid="save-search-name"
        />
      </label>
      {/* The filters, once the name no longer says them. */}
      {phrases.length > 0 && name.trim() !== phrases.join(" · ") && (
        <p className="hint">{t("saveSearch.filters", { filters: phrases.join(" · ") })}</p>
      )}
      <p className="hint">
        {t("saveSearch.alerts", { language: LANGUAGE_NAMES[language], currency: currencySymbol(currency) })}
      </p>
      {/* Warnings, not refusals: each is a choice the user may mean to make. */}
      {phrases.length === 0 && (
        <p className="form-warn" data-testid="save-search-warning">
          {t("saveSearch.noFilters")}
        </p>
      )}
      {twin && (
        <p className="form-warn" data-testid="save-search-warning">
          {t("saveSearch.duplicate", { name: twin.name })}
        </p>
      )}
      {auth.user?.telegram_linked === false && (
        <p className="form-warn" data-testid="save-search-warning">
          <Trans i18nKey="saveSearch.notLinked" components={{ link: <Link to={SEARCHES_PAGE} /> }} />
        </p>
      )}
      <FormFooter
        error={error}
        errorTestId="save-search-error"
        busy={busy}
        submitLabel={t(busy ? "saveSearch.saving" : "saveSearch.save")}
        onCancel={onCancel}
      />
    </form>
  );
}

/** After saving: which search, and the way to the list. */
export function SavedNotice({ search, onDismiss }: { search: SavedSearch; onDismiss: () => void }) {
  const { t } = useTranslation();
  return (
    <Notice testId="search-saved" onDismiss={onDismiss}>
      {t("saveSearch.saved", { name: search.name })} <Link to={SEARCHES_PAGE}>{t("saveSearch.seeAll")}</Link>
    </Notice>
  );
}
