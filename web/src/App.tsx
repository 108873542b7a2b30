import { lazy, Suspense, useEffect } from "react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useAuth } from "./auth";
import { CarsPage } from "./components/CarsPage";
import { Header } from "./components/Header";
import { Link } from "./components/Link";
import { LoginPage } from "./components/LoginPage";
import { navigate, useLocation } from "./router";

const CAR_PATH = /^\/cars\/(\d+)\/?$/;
const CRAWLS_PATH = /^\/crawls\/?$/;
const USERS_PATH = /^\/users\/?$/;
const ACCOUNT_PATH = /^\/account\/?$/;
const SEARCHES_PATH = /^\/searches\/?$/;

// The runs list is a separate chunk: the cars table's first load does not carry it.
const CrawlsPage = lazy(() => import("./components/CrawlsPage").then((m) => ({ default: m.CrawlsPage })));
const UsersPage = lazy(() => import("./components/UsersPage").then((m) => ({ default: m.UsersPage })));
const SavedSearchesPage = lazy(() =>
  import("./components/SavedSearchesPage").then((m) => ({ default: m.SavedSearchesPage })),
);
const AccountPage = lazy(() => import("./components/AccountPage").then((m) => ({ default: m.AccountPage })));

/** A page in a chunk of its own, under the header. */
function LazyPage({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <>
      <Header />
      <Suspense
        fallback={
          <main className="splash" role="status">
            <span className="spinner" aria-hidden="true" /> {t("app.loading")}
          </main>
        }
      >
        {children}
      </Suspense>
    </>
  );
}

export function App() {
  const { pathname, search } = useLocation();
  const auth = useAuth();
  const { t } = useTranslation();
  const onLogin = pathname === "/login";

  // Signed out (or the session expired and could not be refreshed): to the login page,
  // remembering where the user was.
  useEffect(() => {
    if (!onLogin && auth.status === "signed-out") {
      navigate(`/login?next=${encodeURIComponent(pathname + search)}`, { replace: true });
    }
  }, [onLogin, auth.status, pathname, search]);

  if (onLogin) return <LoginPage />;
  if (auth.status === "loading" || auth.status === "signed-out") {
    return (
      <div className="splash" role="status" aria-live="polite">
        <span className="spinner" aria-hidden="true" /> {t("app.signingIn")}
      </div>
    );
  }
  if (auth.status === "offline") {
    return (
      <div className="splash">
        <div className="state-card" role="alert">
          <h1>{t("app.offlineTitle")}</h1>
          <p>{t("app.offlineText")}</p>
          <button className="btn btn-primary" onClick={auth.retry}>
            {t("app.tryAgain")}
          </button>
        </div>
      </div>
    );
  }

  if (CRAWLS_PATH.test(pathname)) {
    return (
      <LazyPage>
        <CrawlsPage />
      </LazyPage>
    );
  }
  if (USERS_PATH.test(pathname)) {
    return (
      <LazyPage>
        <UsersPage />
      </LazyPage>
    );
  }
  if (SEARCHES_PATH.test(pathname)) {
    return (
      <LazyPage>
        <SavedSearchesPage />
      </LazyPage>
    );
  }
  if (ACCOUNT_PATH.test(pathname)) {
    return (
      <LazyPage>
        <AccountPage />
      </LazyPage>
    );
  }
  const car = CAR_PATH.exec(pathname);
  if (pathname !== "/" && !car) {
    return (
      <>
        <Header />
        <main className="splash">
          <div className="state-card">
            <h1>{t("app.notFound")}</h1>
            <p>
              <Link to="/">{t("app.backToCars")}</Link>
            </p>
          </div>
        </main>
      </>
    );
  }
  return (
    <>
      <Header />
      <CarsPage search={search} carId={car ? Number(car[1]) : null} />
    </>
  );
}
