import { useState } from "react";
import { useTranslation } from "react-i18next";

/** A car photo, or a drawn placeholder when there is none or it fails to load. */
export function Thumb({
  src,
  alt,
  className = "thumb",
  eager = false,
}: {
  src: string | null | undefined;
  alt: string;
  className?: string;
  eager?: boolean;
}) {
  const { t } = useTranslation();
  const [failed, setFailed] = useState<string | null>(null);
  if (!src || failed === src) {
    return (
      <span className={`${className} thumb-missing`} role="img" aria-label={t("table.noPhoto", { name: alt })}>
        <svg viewBox="0 0 64 40" aria-hidden="true">
          <path
            d="M8 28h48v-6l-6-2-7-8H21l-7 8-6 2z"
            fill="none"
            stroke="currentColor"
            strokeWidth="2.5"
            strokeLinejoin="round"
          />
          <circle cx="19" cy="29" r="4.5" fill="currentColor" />
          <circle cx="45" cy="29" r="4.5" fill="currentColor" />
        </svg>
      </span>
    );
  }
  return (
    <img
      className={className}
      src={src}
      alt={alt}
      loading={eager ? "eager" : "lazy"}
      decoding="async"
      referrerPolicy="no-referrer"
      onError={() => setFailed(src)}
    />
  );
}
