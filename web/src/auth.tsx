import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { api, unwrap, type Schemas } from "./api/client";
import { chooseLanguage } from "./i18n";

type User = Schemas["UserRead"];

interface AuthState {
  user: User | null;
  loading: boolean;
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  reload(): Promise<void>;
  is(role: "student" | "instructor" | "admin"): boolean;
  /** Shows CODE (English for one not shipped) and, signed in, keeps it on the account. */
  setLanguage(code: string): Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [loading, setLoading] = useState(true);

  const reload = useCallback(async () => {
    try {
      const me = await unwrap(api.GET("/api/auth/me"));
      // A language the account chose wins over this browser's: its mail speaks it. One it
      // never chose (made by the operator or the demo) leaves the browser's.
      setUser(me);
      if (me.language_chosen) await chooseLanguage(me.language);
    } catch {
      setUser(null);
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  const signIn = useCallback(
    async (email: string, password: string) => {
      await unwrap(api.POST("/api/auth/login", { body: { email, password } }));
      await reload();
    },
    [reload],
  );

  const signOut = useCallback(async () => {
    await api.POST("/api/auth/logout");
    setUser(null);
  }, []);

  const is = useCallback(
    (role: "student" | "instructor" | "admin") => !!user && (user.roles.includes(role) || user.roles.includes("admin")),
    [user],
  );

  const setLanguage = useCallback(
    async (code: string) => {
      const language = await chooseLanguage(code);
      if (!user) return;
      try {
        setUser(await unwrap(api.PATCH("/api/auth/me", { body: { language } })));
      } catch {
        // The page shows the language anyway; the account keeps its own until a later try.
      }
    },
    [user],
  );

  return (
    <AuthContext.Provider value={{ user, loading, signIn, signOut, reload, is, setLanguage }}>
      {children}
    </AuthContext.Provider>
  );
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error("useAuth outside AuthProvider");
  return state;
}
