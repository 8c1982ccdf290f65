// @vitest-environment jsdom
import { act } from "react";
import { createRoot } from "react-dom/client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { barShown, IDLE_MS, useAutoHide } from "./useAutoHide";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let poke: () => void = () => undefined;
function Bar({ playing, holding }: { playing: boolean; holding: boolean }) {
  const hide = useAutoHide(playing, holding);
  poke = hide.poke;
  return <p>{hide.shown ? "shown" : "hidden"}</p>;
}

const container = document.createElement("div");
const root = createRoot(container);
const show = (playing: boolean, holding = false) => act(() => root.render(<Bar playing={playing} holding={holding} />));
const advance = (ms: number) => act(async () => void vi.advanceTimersByTime(ms));

beforeEach(() => vi.useFakeTimers());
afterEach(async () => {
  await act(() => root.render(<></>));
  vi.useRealTimers();
});

describe("the control bar's hiding", () => {
  it("hides only while playing, idle and not held", () => {
    expect(barShown({ playing: true, holding: false, idle: true })).toBe(false);
    expect(barShown({ playing: false, holding: false, idle: true })).toBe(true);
    expect(barShown({ playing: true, holding: true, idle: true })).toBe(true);
    expect(barShown({ playing: true, holding: false, idle: false })).toBe(true);
  });

  it("hides after a while of playing and comes back on input", async () => {
    await show(true);
    expect(container.textContent).toBe("shown");
    await advance(IDLE_MS + 10);
    expect(container.textContent).toBe("hidden");
    await act(() => poke());
    expect(container.textContent).toBe("shown");
    await advance(IDLE_MS + 10);
    expect(container.textContent).toBe("hidden");
  });

  it("never hides while paused or held", async () => {
    await show(false);
    await advance(IDLE_MS * 3);
    expect(container.textContent).toBe("shown");
    await show(true, true);
    await advance(IDLE_MS * 3);
    expect(container.textContent).toBe("shown");
  });
});
