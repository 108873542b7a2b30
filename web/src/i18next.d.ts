// i18next's types know the messages (src/locales/en.json; the others have the same keys): t()
// refuses a key that does not exist.
import "i18next";
import type en from "./locales/en.json";

declare module "i18next" {
  interface CustomTypeOptions {
    defaultNS: "translation";
    resources: { translation: typeof en };
  }
}
