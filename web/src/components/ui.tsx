import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client";
import i18n from "../i18n";

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return i18n.t("errors.generic", { ns: "common" });
}

export function Notice({
  error,
  kind = "error",
  children,
}: {
  error?: unknown;
  kind?: "error" | "info" | "success";
  children?: ReactNode;
}) {
  if (!error && !children) return null;
  return (
    <div className={`notice notice-${kind}`} role={kind === "error" ? "alert" : "status"}>
      {error ? messageOf(error) : children}
    </div>
  );
}

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label ?? t("loading")}
    </div>
  );
}

export function ProgressBar({ value, label }: { value: number; label: string }) {
  const percent = Math.max(0, Math.min(100, Math.round(value)));
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
    >
      <div className="progress-fill" style={{ width: `${percent}%` }} />
      <span className="progress-text">
        <span>{percent}%</span>
      </span>
    </div>
  );
}

/** Loads data for a page; `reload` runs the loader again. When loads overlap (the user
 * switched lessons quickly), only the newest answer is kept: an older one that arrives
 * late never overwrites it. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const latest = useRef(0);
  // DEPS are the caller's, as with useEffect: the loader changes exactly when they do.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const run = useCallback(load, deps);
  const reload = useCallback(async () => {
    const ticket = ++latest.current;
    setLoading(true);
    try {
      const value = await run();
      if (ticket !== latest.current) return;
      setData(value);
      setError(null);
    } catch (e) {
      if (ticket === latest.current) setError(e);
    } finally {
      if (ticket === latest.current) setLoading(false);
    }
  }, [run]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, loading, reload, setData };
}

/** Runs an action with a busy flag and a readable error. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async <T,>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await action();
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, setError };
}

/** A labelled new-password input: the one place the length hint and autocomplete live. */
export function NewPasswordField({
  label,
  value,
  onChange,
  hint = true,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <label>
      {label} {hint && <small>{t("password.hint")}</small>}
      <input
        type="password"
        required
        minLength={hint ? 10 : undefined}
        autoComplete="new-password"
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    </label>
  );
}

/** The three-letter currency input of a price (shown upper case). */
export function CurrencyField({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  const { t } = useTranslation();
  return (
    <label>
      {t("currency")}
      <input
        required
        pattern="[A-Za-z]{3}"
        maxLength={3}
        size={4}
        value={value}
        onChange={(e) => onChange(e.target.value.toUpperCase())}
      />
    </label>
  );
}

/** The lines a refusal names (the courses of a 422, say) under a form's notice. */
export function ErrorList({ items }: { items: string[] | null | undefined }) {
  if (!items || items.length === 0) return null;
  return (
    <ul className="error-text">
      {items.map((item, i) => (
        <li key={i}>{item}</li>
      ))}
    </ul>
  );
}

/** A create-or-edit form's buttons: "Save THING" (editing) or "Create THING", and Cancel. */
export function SaveButtons({
  thing,
  editing,
  busy,
  onCancel,
}: {
  thing: string;
  editing: boolean;
  busy: boolean;
  onCancel(): void;
}) {
  const { t } = useTranslation();
  return (
    <div className="row">
      <button className="primary" disabled={busy}>
        {editing ? t("form.save", { thing }) : t("form.create", { thing })}
      </button>
      <button type="button" onClick={onCancel}>
        {t("form.cancel")}
      </button>
    </div>
  );
}
