// @vitest-environment jsdom
import { act } from "react";
import { createRoot } from "react-dom/client";
import { useTranslation } from "react-i18next";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Schemas } from "../api/client";

const calls = vi.hoisted(() => ({ GET: vi.fn(), PATCH: vi.fn(), POST: vi.fn() }));

vi.mock("../api/client", async (original) => ({
  ...(await original<typeof import("../api/client")>()),
  api: calls,
}));

import { AuthProvider } from "../auth";
import { chooseLanguage } from "../i18n";
import { LanguageSwitch } from "./LanguageSwitch";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const answer = (status: number, data?: unknown) =>
  Promise.resolve({
    data: status < 400 ? data : undefined,
    error: status < 400 ? undefined : { error: { code: "not_authenticated", message: "Not signed in." } },
    response: new Response(null, { status }),
  });

const user = (language: "en" | "de", language_chosen = true): Schemas["UserRead"] => ({
  id: "u1",
  email: "lea@example.com",
  name: "Léa",
  bio: "",
  roles: ["student"],
  email_verified: true,
  created_at: "2026-01-01T00:00:00Z",
  language,
  language_chosen,
});

function Heading() {
  const { t } = useTranslation();
  return <h1>{t("nav.catalog")}</h1>;
}

const container = document.createElement("div");
document.body.append(container);
const root = createRoot(container);
const flush = () => act(async () => void (await new Promise((r) => setTimeout(r, 0))));
const heading = () => container.querySelector("h1")?.textContent;

async function show() {
  await act(async () =>
    root.render(
      <AuthProvider>
        <LanguageSwitch />
        <Heading />
      </AuthProvider>,
    ),
  );
  await flush();
}

async function choose(code: string) {
  const select = container.querySelector("select")!;
  await act(async () => {
    select.value = code;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  });
  await flush();
}

afterEach(async () => {
  await act(async () => root.render(<></>));
  vi.resetAllMocks();
  await chooseLanguage("en");
});

describe("the language switch", () => {
  it("shows the account's language once the account is known, and keeps a new choice on it", async () => {
    calls.GET.mockImplementation(() => answer(200, user("de")));
    calls.PATCH.mockImplementation((_path: string, { body }: { body: { language: "en" | "de" } }) =>
      answer(200, user(body.language)),
    );
    await show();
    // German is a chunk of its own, fetched when first shown.
    await vi.waitFor(() => expect(heading()).toBe("Katalog"));
    expect(document.documentElement.lang).toBe("de");
    expect(container.querySelector("select")!.value).toBe("de");

    await choose("en");
    expect(heading()).toBe("Catalog");
    expect(document.documentElement.lang).toBe("en");
    expect(calls.PATCH).toHaveBeenCalledWith("/api/auth/me", { body: { language: "en" } });
    expect(window.localStorage.getItem("coursevault.language")).toBe("en");
  });

  it("keeps the browser's language for an account that never chose one", async () => {
    await chooseLanguage("de"); // this browser shows German
    calls.GET.mockImplementation(() => answer(200, user("en", false)));
    await show();
    expect(heading()).toBe("Katalog");
    expect(calls.PATCH).not.toHaveBeenCalled();
  });

  it("switches a visitor who is not signed in on this browser only", async () => {
    calls.GET.mockImplementation(() => answer(401));
    await show();
    expect(heading()).toBe("Catalog");

    await choose("de");
    expect(heading()).toBe("Katalog");
    expect(calls.PATCH).not.toHaveBeenCalled();
    expect(window.localStorage.getItem("coursevault.language")).toBe("de");
  });

  it("names each language in itself", async () => {
    calls.GET.mockImplementation(() => answer(401));
    await show();
    const options = [...container.querySelectorAll("option")].map((o) => [o.value, o.lang, o.textContent]);
    expect(options).toEqual([
      ["en", "en", "English"],
      ["de", "de", "Deutsch"],
    ]);
  });
});
