/** Accounts: the password rules (the server decides; these only answer sooner) and error texts. */
import type { User } from "./api";
import { ApiError, NetworkError } from "./api";
import { t } from "./i18n";

export const MIN_PASSWORD_LENGTH = 12;
export const DEMO_PASSWORD = "carsensor-demo";

/**
 * Why the server would refuse `password` for `username` (in its words and order: api/accounts.py
 * and api/security.py), or null when it meets the rules.
 */
export function passwordProblem(password: string, username: string): string | null {
  if (username !== "" && password.toLowerCase() === username.toLowerCase()) {
    return t("users.problem.isUsername");
  }
  if (password === DEMO_PASSWORD) return t("users.problem.demo");
  // Python's len() counts code points, not UTF-16 units.
  if (Array.from(password).length < MIN_PASSWORD_LENGTH) {
    return t("users.problem.short", { min: MIN_PASSWORD_LENGTH });
  }
  return null;
}

export const MAX_USERNAME_LENGTH = 64;

/** Why POST /api/users would refuse `username` (api/schemas.py's UserCreate), or null. */
export function usernameProblem(username: string): string | null {
  if (username === "") return t("users.problem.noUsername");
  if (/[\s\x00-\x1f\x7f]/.test(username)) return t("users.problem.badUsername");
  if (Array.from(username).length > MAX_USERNAME_LENGTH) {
    return t("users.problem.longUsername", { max: MAX_USERNAME_LENGTH });
  }
  return null;
}

// A password field's name adds nothing to the rule's text; other fields keep theirs.
const FIELD_PREFIX = /^(?:password|old_password|new_password): /;

/** "password: Value error, too short" (a 422's first entry) as "Too short." */
export function readableDetail(detail: string): string {
  const text = detail.replace(FIELD_PREFIX, "").replace(/^Value error, /, "").trim();
  if (!text) return text;
  const sentence = text[0].toUpperCase() + text.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

/**
 * What to show when a users or password call failed; `failed` says what did not happen. A
 * 400, 409 or 422 the caller has no words of its own for shows the API's reason (in English).
 */
export function accountErrorMessage(error: unknown, failed: string): string {
  if (error instanceof NetworkError) return t("errors.tryLater", { message: error.message });
  if (!(error instanceof ApiError)) return t("errors.sentence", { text: failed });
  switch (error.status) {
    case 403:
      return t("users.manageAdminsOnly");
    case 404:
      return t("users.gone");
    case 400:
    case 409:
    case 422:
      return readableDetail(error.message) || t("errors.sentence", { text: failed });
    default:
      return t("errors.server", { failed, detail: error.message });
  }
}

/** The list with `user` put in (or replaced), ordered by username as the API orders it. */
export function withUser(users: readonly User[], user: User): User[] {
  return [...users.filter((u) => u.id !== user.id), user].sort((a, b) =>
    a.username < b.username ? -1 : a.username > b.username ? 1 : 0,
  );
}
