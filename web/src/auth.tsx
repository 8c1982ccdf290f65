import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { api, unwrap, type Schemas } from "./api/client";

type User = Schemas["UserRead"];

interface AuthState {
  user: User | null;
  loading: boolean;
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  reload(): Promise<void>;
  is(role: "student" | "instructor" | "admin"): boolean;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [loading, setLoading] = useState(true);

  const reload = useCallback(async () => {
    try {
      setUser(await unwrap(api.GET("/api/auth/me")));
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

  return <AuthContext.Provider value={{ user, loading, signIn, signOut, reload, is }}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error("useAuth outside AuthProvider");
  return state;
}
