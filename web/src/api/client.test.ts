// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { chooseLanguage } from "../i18n";

// The client keeps the Request and fetch it was made with: both are replaced before it is
// loaded. Requests resolve the app's relative paths as a browser does; nothing leaves.
const sent: Request[] = [];
vi.stubGlobal(
  "Request",
  class extends Request {
    constructor(input: RequestInfo | URL, init?: RequestInit) {
      super(typeof input === "string" ? new URL(input, window.location.href) : input, init);
    }
  },
);
vi.stubGlobal("fetch", async (request: Request) => {
  sent.push(request);
  return request.url.endsWith("/api/courses")
    ? new Response(null, { status: 502 })
    : Response.json({ detail: "ok" }, { status: 202 });
});
const { api, money, unwrap } = await import("./client");

afterEach(async () => {
  sent.length = 0;
  await chooseLanguage("en");
});

describe("the API client", () => {
  it("asks the server to answer in the language shown", async () => {
    await api.POST("/api/auth/verify-email/resend");
    expect(sent.at(-1)!.headers.get("Accept-Language")).toBe("en");
    await chooseLanguage("de");
    await api.POST("/api/auth/verify-email/resend");
    expect(sent.at(-1)!.headers.get("Accept-Language")).toBe("de");
  });

  it("words an answer without an error body in the language shown", async () => {
    await chooseLanguage("de");
    await expect(unwrap(api.GET("/api/courses"))).rejects.toMatchObject({
      status: 502,
      code: "http_502",
      message: "Der Server antwortete mit 502.",
    });
  });

  it("writes prices the way the language shown does", async () => {
    expect(money(123450, "eur")).toBe("€1,234.50");
    expect(money(0, "eur")).toBe("Free");
    await chooseLanguage("de");
    expect(money(123450, "eur")).toBe("1.234,50\u00a0€");
    expect(money(0, "eur")).toBe("Kostenlos");
  });
});
