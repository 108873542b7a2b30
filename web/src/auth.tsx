/** Who is signed in: GET /api/me at start (refreshing through the cookie when needed). */
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import type { ReactNode } from "react";
import { api, ApiError } from "./api";
import { navigate } from "./router";
import type { Me } from "./api";

type Status = "loading" | "signed-in" | "signed-out" | "offline";

interface Auth {
  status: Status;
  user: Me | null;
  /** After a successful api.login(): load the user. */
  signedIn: () => Promise<void>;
  /** A fresher GET /api/me than the one loaded (a page polled it: Telegram was linked). */
  update: (user: Me) => void;
  logout: () => Promise<void>;
  retry: () => void;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<Status>("loading");
  const [user, setUser] = useState<Me | null>(null);

  const load = useCallback(async () => {
    try {
      const me = await api.json<Me>("/api/me");
      setUser(me);
      setStatus("signed-in");
    } catch (error) {
      setUser(null);
      setStatus(error instanceof ApiError && error.status === 401 ? "signed-out" : "offline");
    }
  }, []);

  useEffect(() => {
    api.onUnauthenticated = () => {
      setUser(null);
      setStatus("signed-out");
    };
    void load();
    return () => {
      api.onUnauthenticated = null;
    };
  }, [load]);

  const value = useMemo<Auth>(
    () => ({
      status,
      user,
      signedIn: load,
      update: setUser,
      logout: async () => {
        try {
          await api.logout();
        } catch {
          // the server is unreachable: the token is forgotten anyway
        } finally {
          navigate("/login");
          setUser(null);
          setStatus("signed-out");
        }
      },
      retry: () => {
        setStatus("loading");
        void load();
      },
    }),
    [status, user, load],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error("useAuth outside AuthProvider");
  return auth;
}
