/**
 * Prefecture names in the app's language. The API keys prefectures by their Japanese name (the
 * `prefecture` of a car, the `prefecture=` filter, the facet values); GET /api/reference names
 * each of the 47 in Japanese, English and Russian.
 */
import type { Reference } from "./api";
import type { Language } from "./i18n";

/** The name to show for the prefecture `ja` (a car may also carry its English name). */
export type PrefectureNamer = (ja: string | null | undefined, en?: string | null) => string;

export function prefectureNamer(reference: Reference | null, language: Language): PrefectureNamer {
  const names = new Map((reference?.prefectures ?? []).map((names) => [names.ja, names]));
  return (ja, en) => {
    if (!ja) return "—";
    if (language === "ja") return ja;
    // Before the names load (or for a name they lack), the car's English name reads better
    // than the Japanese to anyone who chose English or Russian.
    return names.get(ja)?.[language] ?? en ?? ja;
  };
}
