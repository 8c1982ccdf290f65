// @vitest-environment jsdom
import { act } from "react";
import { createRoot } from "react-dom/client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../api/client";
import type { PlaybackStart } from "../../api/playback";
import { PendingCopy } from "./PendingCopy";
import { usePlaybackStart } from "./usePlaybackStart";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const pending = (progress: number, retryAfter: number) =>
  new ApiError(409, "protected_copy_pending", "Your protected copy is being prepared", {
    progress,
    retry_after: retryAfter,
  });

const started = { session_id: "s1", playlist_url: "/hls/t/v/master.m3u8" } as PlaybackStart;

/** The lesson page's video part, with the player replaced by its session id. */
function VideoPart({ begin, endLate }: { begin: (id: string) => Promise<PlaybackStart>; endLate: () => void }) {
  const { start, problem } = usePlaybackStart("lesson-1", begin, endLate);
  if (problem?.kind === "pending") return <PendingCopy progress={problem.progress} />;
  if (problem) return <p>problem: {problem.kind}</p>;
  return <p>{start ? `playing ${start.session_id}` : "starting"}</p>;
}

const container = document.createElement("div");
const root = createRoot(container);
const advance = (ms: number) => act(async () => void vi.advanceTimersByTime(ms));

beforeEach(() => vi.useFakeTimers());
afterEach(async () => {
  await act(() => root.render(<></>));
  vi.useRealTimers();
});

describe("waiting for the protected copy (F7)", () => {
  it("shows the progress, asks again after Retry-After, then plays", async () => {
    const begin = vi
      .fn<(id: string) => Promise<PlaybackStart>>()
      .mockRejectedValueOnce(pending(0.4, 3))
      .mockRejectedValueOnce(pending(0.8, 3))
      .mockResolvedValueOnce(started);
    await act(async () => root.render(<VideoPart begin={begin} endLate={() => undefined} />));
    expect(container.textContent).toContain("Preparing your protected copy…");
    expect(container.querySelector('[role="progressbar"]')?.getAttribute("aria-valuenow")).toBe("40");

    await advance(2900);
    expect(begin).toHaveBeenCalledTimes(1); // not before the server said
    await advance(100);
    expect(begin).toHaveBeenCalledTimes(2);
    // Still the same notice between attempts (no flash of "starting"), with the new progress.
    expect(container.textContent).toContain("Preparing your protected copy…");
    expect(container.querySelector('[role="progressbar"]')?.getAttribute("aria-valuenow")).toBe("80");

    await advance(3000);
    expect(begin).toHaveBeenCalledTimes(3);
    expect(container.textContent).toBe("playing s1");
    await advance(30_000);
    expect(begin).toHaveBeenCalledTimes(3); // playing: no more starts
  });

  it("stops asking once the viewer leaves the lesson", async () => {
    const begin = vi.fn<(id: string) => Promise<PlaybackStart>>().mockRejectedValue(pending(0, 5));
    await act(async () => root.render(<VideoPart begin={begin} endLate={() => undefined} />));
    expect(begin).toHaveBeenCalledTimes(1);
    await act(async () => root.render(<></>));
    await advance(60_000);
    expect(begin).toHaveBeenCalledTimes(1);
  });

  it("shows other refusals as problems and does not retry them", async () => {
    const begin = vi
      .fn<(id: string) => Promise<PlaybackStart>>()
      .mockRejectedValue(new ApiError(403, "not_enrolled", "Enroll first"));
    await act(async () => root.render(<VideoPart begin={begin} endLate={() => undefined} />));
    expect(container.textContent).toBe("problem: not_enrolled");
    await advance(60_000);
    expect(begin).toHaveBeenCalledTimes(1);
  });
});
