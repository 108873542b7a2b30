import { useTranslation } from "react-i18next";
import { currentLanguage, isLanguage, LANGUAGE_NAMES, LANGUAGES, setLanguage } from "../i18n";

/** The language menu (header and login page): each language named in itself, the choice kept. */
export function LanguageSwitch() {
  const { t } = useTranslation();
  return (
    <label className="language-switch">
      <span className="visually-hidden">{t("app.language")}</span>
      <select
        value={currentLanguage()}
        onChange={(e) => isLanguage(e.target.value) && void setLanguage(e.target.value)}
        data-testid="language"
      >
        {LANGUAGES.map((language) => (
          <option key={language} value={language} lang={language}>
            {LANGUAGE_NAMES[language]}
          </option>
        ))}
      </select>
    </label>
  );
}
