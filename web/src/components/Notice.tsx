import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

/** A green line saying what was just done, with a button to dismiss it. */
export function Notice({ testId, onDismiss, children }: { testId: string; onDismiss: () => void; children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <div className="notice form-ok">
      <p data-testid={testId}>{children}</p>
      <button type="button" className="btn btn-ghost dismiss" aria-label={t("app.dismiss")} onClick={onDismiss}>
        <span aria-hidden="true">✕</span>
      </button>
    </div>
  );
}
