import { describe, expect, it } from "vitest";
import type { Schemas } from "../../../api/client";
import { describeTranscription } from "./AutomaticCaptions";

const state = (over: Partial<Schemas["TranscriptionRead"]>): Schemas["TranscriptionRead"] => ({
  state: "none",
  progress: 0,
  language: null,
  cue_count: 0,
  message: null,
  model: null,
  updated_at: null,
  ...over,
});

describe("describeTranscription", () => {
  it("says where the automatic captions are", () => {
    expect(describeTranscription(state({}), null)).toBe("not made yet");
    expect(describeTranscription(state({ state: "running", progress: 0.4 }), null)).toBe("40 %");
    expect(describeTranscription(state({ state: "done", cue_count: 12, language: "en" }), true)).toBe(
      "done — 12 cues, automatic",
    );
    expect(describeTranscription(state({ state: "done", cue_count: 1 }), false)).toBe("done — 1 cue, approved");
    expect(describeTranscription(state({ state: "done", message: "no speech in the audio" }), null)).toBe(
      "done — no speech in the audio",
    );
    expect(describeTranscription(state({ state: "skipped", message: "no audio track" }), null)).toBe(
      "skipped: no audio track",
    );
    expect(describeTranscription(state({ state: "unavailable", message: "install the extra" }), null)).toBe(
      "unavailable: install the extra",
    );
  });
});
