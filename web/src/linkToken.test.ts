import { describe, expect, it } from "vitest";
import { forgetLinkToken, safeNext, takeLinkToken, tokenOf } from "./linkToken";

function memory() {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => void items.set(k, v),
    removeItem: (k: string) => void items.delete(k),
  };
}

describe("claim link tokens", () => {
  it("reads the token of the fragment", () => {
    expect(tokenOf("#token=abc-DEF_123")).toBe("abc-DEF_123");
    expect(tokenOf("token=xyz")).toBe("xyz");
    expect(tokenOf("#other=1&token=t%2Bu")).toBe("t+u");
    expect(tokenOf("")).toBe("");
    expect(tokenOf("#token=")).toBe("");
  });

  it("keeps the token for the tab so a visitor who signs in first comes back to it", () => {
    const store = memory();
    expect(takeLinkToken("gift", "#token=first", store)).toBe("first");
    // Back from the sign-in page: no fragment any more, the kept token is used.
    expect(takeLinkToken("gift", "", store)).toBe("first");
    // A newer link wins over the kept one; kinds are kept apart.
    expect(takeLinkToken("gift", "#token=second", store)).toBe("second");
    expect(takeLinkToken("seat", "", store)).toBe("");
    forgetLinkToken("gift", store);
    expect(takeLinkToken("gift", "", store)).toBe("");
  });

  it("still works when storage refuses", () => {
    const broken = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("denied");
      },
      removeItem: () => {
        throw new Error("denied");
      },
    };
    expect(takeLinkToken("gift", "#token=abc", broken)).toBe("abc");
    expect(takeLinkToken("gift", "", broken)).toBe("");
    expect(() => forgetLinkToken("gift", broken)).not.toThrow();
    expect(takeLinkToken("gift", "#token=abc", null)).toBe("abc");
  });

  it("only follows `next` paths of this site", () => {
    expect(safeNext("/gifts/claim")).toBe("/gifts/claim");
    expect(safeNext(null)).toBe("/");
    expect(safeNext("https://evil.example")).toBe("/");
    expect(safeNext("//evil.example/x")).toBe("/");
    expect(safeNext("/\\evil.example")).toBe("/");
    expect(safeNext("", "/studio")).toBe("/studio");
  });
});
