import { describe, expect, it } from "vitest";
import type { Schemas } from "../../../api/client";
import i18n from "../../../i18n";
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

const t = i18n.getFixedT("en", "editor");
const describe_ = (tr: Schemas["TranscriptionRead"], automatic: boolean | null) =>
  describeTranscription(tr, automatic, t);

describe("describeTranscription", () => {
  it("says where the automatic captions are", () => {
    expect(describe_(state({}), null)).toBe("not made yet");
    expect(describe_(state({ state: "running", progress: 0.4 }), null)).toBe("40 %");
    expect(describe_(state({ state: "done", cue_count: 12, language: "en" }), true)).toBe("done — 12 cues, automatic");
    expect(describe_(state({ state: "done", cue_count: 1 }), false)).toBe("done — 1 cue, approved");
    expect(describe_(state({ state: "done", message: "no speech in the audio" }), null)).toBe(
      "done — no speech in the audio",
    );
    expect(describe_(state({ state: "skipped", message: "no audio track" }), null)).toBe("skipped: no audio track");
    expect(describe_(state({ state: "unavailable", message: "install the extra" }), null)).toBe(
      "unavailable: install the extra",
    );
  });

  it("says it in German too", () => {
    const de = i18n.getFixedT("de", "editor");
    expect(describeTranscription(state({ state: "done", cue_count: 12 }), true, de)).toBe(
      "fertig — 12 Einträge, automatisch",
    );
    expect(describeTranscription(state({ state: "done", cue_count: 1 }), false, de)).toBe(
      "fertig — 1 Eintrag, freigegeben",
    );
    expect(describeTranscription(state({ state: "failed", message: "kein Modell" }), null, de)).toBe(
      "fehlgeschlagen: kein Modell",
    );
  });
});
