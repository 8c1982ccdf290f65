import { describe, expect, it } from "vitest";
import {
  blockingCheckpoint,
  checkpointRefusal,
  enforcedCheckpoints,
  gatedIds,
  heldPosition,
  parseClock,
} from "./checkpoints";

const points = [
  { id: "b", at: 60 },
  { id: "a", at: 30 },
];
const all = new Set(["a", "b"]);

describe("blockingCheckpoint", () => {
  it("blocks nothing before the first checkpoint", () => {
    expect(blockingCheckpoint(points, all, new Set(), 29)).toBeNull();
  });

  it("blocks at the checkpoint's second and after it", () => {
    expect(blockingCheckpoint(points, all, new Set(), 30)?.id).toBe("a");
    expect(blockingCheckpoint(points, all, new Set(), 29.97)?.id).toBe("a");
    expect(blockingCheckpoint(points, all, new Set(), 45)?.id).toBe("a");
  });

  it("names the earliest unpassed checkpoint when a seek jumps past several", () => {
    expect(blockingCheckpoint(points, all, new Set(), 90)?.id).toBe("a");
    expect(blockingCheckpoint(points, all, new Set(["a"]), 90)?.id).toBe("b");
    expect(blockingCheckpoint(points, all, new Set(["a", "b"]), 90)).toBeNull();
  });

  it("ignores checkpoints that are not gated (staff see only what the server refused)", () => {
    expect(blockingCheckpoint(points, new Set(), new Set(), 90)).toBeNull();
    expect(blockingCheckpoint(points, new Set(["b"]), new Set(), 90)?.id).toBe("b");
  });
});

describe("enforced checkpoints (the playback start's list)", () => {
  const refusedC = { id: "c", at: 90 };

  it("stops nowhere when the session is held to none (staff, exempt preview)", () => {
    const list = enforcedCheckpoints([], []);
    expect(list).toEqual([]);
    expect(blockingCheckpoint(list, gatedIds([], [], true), new Set(), 120)).toBeNull();
  });

  it("stops at the held checkpoints once passes are known, at refused ones at once", () => {
    expect(gatedIds(points, [], false)).toEqual(new Set());
    expect(gatedIds(points, [], true)).toEqual(all);
    expect(gatedIds(points, [refusedC], false)).toEqual(new Set(["c"]));
    expect(gatedIds([], [refusedC], true)).toEqual(new Set(["c"]));
  });

  it("adds a checkpoint a refused key named, once, even if the start did not list it", () => {
    expect(enforcedCheckpoints(points, [refusedC, { id: "a", at: 30 }])).toEqual([...points, refusedC]);
    const list = enforcedCheckpoints([], [refusedC]);
    expect(blockingCheckpoint(list, gatedIds([], [refusedC], true), new Set(), 95)).toEqual(refusedC);
  });
});

describe("heldPosition", () => {
  it("jumps back to the checkpoint when past it", () => {
    expect(heldPosition({ id: "a", at: 30 }, 75)).toBe(30);
    expect(heldPosition({ id: "a", at: 30 }, 30)).toBe(30);
    expect(heldPosition(null, 75)).toBe(75);
  });
});

describe("checkpointRefusal", () => {
  const body = { error: { code: "checkpoint_required", message: "…", detail: { checkpoint_id: "q1", at: 12.5 } } };
  const bytes = new TextEncoder().encode(JSON.stringify(body)).buffer;

  it("reads the checkpoint from a binary key answer", () => {
    expect(checkpointRefusal(403, bytes)).toEqual({ id: "q1", at: 12.5 });
  });

  it("reads text and parsed bodies too", () => {
    expect(checkpointRefusal(403, JSON.stringify(body))).toEqual({ id: "q1", at: 12.5 });
    expect(checkpointRefusal(403, body)).toEqual({ id: "q1", at: 12.5 });
  });

  it("leaves every other refusal alone", () => {
    expect(checkpointRefusal(401, bytes)).toBeNull();
    expect(checkpointRefusal(403, new TextEncoder().encode("not json").buffer)).toBeNull();
    expect(checkpointRefusal(403, { error: { code: "playback_not_allowed" } })).toBeNull();
    expect(checkpointRefusal(403, undefined)).toBeNull();
  });
});

describe("parseClock", () => {
  it("reads m:ss, h:mm:ss and seconds", () => {
    expect(parseClock("1:30")).toBe(90);
    expect(parseClock("1:02:03")).toBe(3723);
    expect(parseClock("45")).toBe(45);
    expect(parseClock("0:07.5")).toBe(7.5);
  });

  it("refuses what is not a time", () => {
    expect(parseClock("")).toBeNull();
    expect(parseClock("1:75")).toBeNull();
    expect(parseClock("abc")).toBeNull();
    expect(parseClock("-3")).toBeNull();
  });
});
