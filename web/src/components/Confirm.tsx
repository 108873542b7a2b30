import { useId, useState } from "react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

/**
 * A question under a row ("Delete … for good?"): its button runs `action` and then `onDone`, or
 * says under it why it failed (`failure` turns the error into words); Cancel closes it.
 */
export function Confirm({
  question,
  confirm,
  busyLabel,
  action,
  failure,
  onDone,
  onCancel,
}: {
  question: ReactNode;
  confirm: string;
  busyLabel: string;
  action: () => Promise<void>;
  failure: (error: unknown) => string;
  onDone: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="row-form" role="group" aria-labelledby={id}>
      <p id={id} className="confirm-text">
        {question}
      </p>
      <div className="row-form-line">
        <button
          type="button"
          className="btn btn-danger"
          autoFocus
          disabled={busy}
          aria-busy={busy}
          onClick={async () => {
            setBusy(true);
            setError(null);
            try {
              await action();
              onDone();
            } catch (caught) {
              setError(failure(caught));
              setBusy(false);
            }
          }}
        >
          {busy ? busyLabel : confirm}
        </button>
        <button type="button" className="btn" onClick={onCancel} disabled={busy}>
          {t("app.cancel")}
        </button>
      </div>
      {error && (
        <p className="form-error" role="alert" data-testid="panel-error">
          {error}
        </p>
      )}
    </div>
  );
}
