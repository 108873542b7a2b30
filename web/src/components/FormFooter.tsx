/** A dialog form's foot: its error, announced at once, then Submit and Cancel. */
import { useTranslation } from "react-i18next";

export function FormFooter({
  error,
  errorTestId,
  busy,
  submitLabel,
  onCancel,
}: {
  error: string | null;
  errorTestId: string;
  busy: boolean;
  submitLabel: string;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  return (
    <>
      <div aria-live="assertive">
        {error && (
          <p className="form-error" role="alert" data-testid={errorTestId}>
            {error}
          </p>
        )}
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy} aria-busy={busy}>
          {submitLabel}
        </button>
        <button type="button" className="btn" onClick={onCancel} disabled={busy}>
          {t("app.cancel")}
        </button>
      </div>
    </>
  );
}
