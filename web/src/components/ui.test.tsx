// @vitest-environment jsdom
import { act } from "react";
import { createRoot } from "react-dom/client";
import { afterEach, describe, expect, it } from "vitest";
import { useLoad } from "./ui";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

type Pending = { id: string; resolve: (value: string) => void };

function deferredLoader() {
  const pending: Pending[] = [];
  const load = (id: string) => () => new Promise<string>((resolve) => pending.push({ id, resolve }));
  return { pending, load };
}

function Show({ id, load }: { id: string; load: (id: string) => () => Promise<string> }) {
  const { data } = useLoad(load(id), [id]);
  return <p>{data ?? "loading"}</p>;
}

const container = document.createElement("div");
const root = createRoot(container);
afterEach(() => act(() => root.render(<></>)));

describe("useLoad", () => {
  it("keeps the newest answer when an older one arrives late", async () => {
    const { pending, load } = deferredLoader();
    await act(async () => root.render(<Show id="a" load={load} />));
    await act(async () => root.render(<Show id="b" load={load} />));
    expect(pending.map((p) => p.id)).toEqual(["a", "b"]);
    await act(async () => pending[1].resolve("lesson b"));
    await act(async () => pending[0].resolve("lesson a"));
    expect(container.textContent).toBe("lesson b");
  });

  it("shows an answer that arrives in order", async () => {
    const { pending, load } = deferredLoader();
    await act(async () => root.render(<Show id="a" load={load} />));
    await act(async () => pending[0].resolve("lesson a"));
    expect(container.textContent).toBe("lesson a");
  });
});
