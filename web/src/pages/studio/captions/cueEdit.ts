import type { Schemas } from "../../../api/client";

/** A cue as the caption editor holds it: times as typed (m:ss.s), checked on save. */
export interface EditCue {
  key: number; // React's list key: rows move when cues are split, merged or deleted
  start: string;
  end: string;
  text: string;
}

type CueRead = Schemas["CueRead"];
type CueUpdate = Schemas["CueUpdate"];

let lastKey = 0;
const newKey = () => ++lastKey;

/** The longest line of one line a merge makes; longer, it takes two (as automatic cues do). */
const LINE = 42;
const NEW_CUE_SECONDS = 2;

/** "1:02.5" → 62.5. Takes s, m:ss and h:mm:ss, each with an optional fraction (a dot or a
 * comma); null for anything else. */
export function parseClock(value: string): number | null {
  const parts = value.trim().split(":");
  if (parts.length > 3) return null;
  const last = parts.pop() ?? "";
  if (!/^\d+([.,]\d+)?$/.test(last) || !parts.every((p) => /^\d+$/.test(p))) return null;
  const seconds = Number(last.replace(",", "."));
  const [hours, minutes] = parts.length === 2 ? parts.map(Number) : [0, Number(parts[0] ?? 0)];
  if (parts.length > 0 && seconds >= 60) return null;
  if (parts.length === 2 && minutes >= 60) return null;
  return Math.round((hours * 3600 + minutes * 60 + seconds) * 1000) / 1000;
}

/** 62.5 → "1:02.5", 3.27 → "0:03.27", 3723 → "1:02:03.0": tenths, or hundredths when a
 * time has them (speech recognition's do), so an untouched time saves unchanged. */
export function formatClock(seconds: number): string {
  const hundredths = Math.round(Math.max(0, seconds) * 100);
  const whole = Math.floor(hundredths / 100);
  const rest = hundredths % 100;
  const fraction = rest % 10 === 0 ? String(rest / 10) : String(rest).padStart(2, "0");
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}.${fraction}` : `${m}:${s}.${fraction}`;
}

export function toEdit(cues: CueRead[]): EditCue[] {
  return cues.map((c) => ({ key: newKey(), start: formatClock(c.start), end: formatClock(c.end), text: c.text }));
}

/** The cues to save, or the first cue whose time cannot be read and which of its times. */
export function toSave(cues: EditCue[]): { cues: CueUpdate[] } | { cue: number; field: "start" | "end" } {
  const saved: CueUpdate[] = [];
  for (const [index, cue] of cues.entries()) {
    const start = parseClock(cue.start);
    const end = parseClock(cue.end);
    if (start === null || end === null) {
      return { cue: index, field: start === null ? "start" : "end" };
    }
    saved.push({ start, end, text: cue.text });
  }
  return { cues: saved };
}

/** Where TEXT splits in two: at AT when that leaves words on both sides, else at the space
 * nearest the middle; null when there is nothing to split (one word, no cursor inside). */
export function splitText(text: string, at?: number | null): [string, string] | null {
  const cut = (i: number): [string, string] | null => {
    const before = text.slice(0, i).trim();
    const after = text.slice(i).trim();
    return before && after ? [before, after] : null;
  };
  if (at != null && at > 0 && at < text.length) {
    const chosen = cut(at);
    if (chosen) return chosen;
  }
  let best = -1;
  for (const match of text.matchAll(/\s+/g)) {
    const i = match.index;
    if (best < 0 || Math.abs(i - text.length / 2) < Math.abs(best - text.length / 2)) best = i;
  }
  return best > 0 ? cut(best) : null;
}

/** Splits cue INDEX in two: the text at AT (the cursor) or the middle, the time at its
 * midpoint. CUES unchanged (the same array) when it cannot be split. */
export function splitCue(cues: EditCue[], index: number, at?: number | null): EditCue[] {
  const cue = cues[index];
  const start = parseClock(cue?.start ?? "");
  const end = parseClock(cue?.end ?? "");
  const texts = cue ? splitText(cue.text, at) : null;
  if (!cue || start === null || end === null || end <= start || !texts) return cues;
  const middle = formatClock((start + end) / 2);
  const first = { ...cue, end: middle, text: texts[0] };
  const second = { key: newKey(), start: middle, end: cue.end, text: texts[1] };
  return [...cues.slice(0, index), first, second, ...cues.slice(index + 1)];
}

/** Joins two cue texts: on one line when it fits, on two when each was one line. */
export function joinText(a: string, b: string): string {
  const first = a.trim();
  const second = b.trim();
  if (!first || !second) return first || second;
  const flat = `${first} ${second}`.replace(/\s*\n\s*/g, " ");
  if (flat.length <= LINE) return flat;
  return first.includes("\n") || second.includes("\n") ? flat : `${first}\n${second}`;
}

/** Merges cue INDEX with the next one: from the first's start to the second's end. */
export function mergeWithNext(cues: EditCue[], index: number): EditCue[] {
  const cue = cues[index];
  const next = cues[index + 1];
  if (!cue || !next) return cues;
  const merged = { ...cue, end: next.end, text: joinText(cue.text, next.text) };
  return [...cues.slice(0, index), merged, ...cues.slice(index + 2)];
}

export function removeCue(cues: EditCue[], index: number): EditCue[] {
  return cues.filter((_, i) => i !== index);
}

/** Adds an empty cue after INDEX (-1: at the start): from the cue's end, for 2 s or up to
 * the next cue's start when that is sooner. */
export function insertAfter(cues: EditCue[], index: number): EditCue[] {
  const before = index >= 0 ? parseClock(cues[index]?.end ?? "") : 0;
  const start = before ?? 0;
  const next = parseClock(cues[index + 1]?.start ?? "");
  const end = next !== null && next > start ? Math.min(next, start + NEW_CUE_SECONDS) : start + NEW_CUE_SECONDS;
  const added = { key: newKey(), start: formatClock(start), end: formatClock(end), text: "" };
  return [...cues.slice(0, index + 1), added, ...cues.slice(index + 1)];
}

/** The cue playing at TIME (seconds), or -1. */
export function cueAt(cues: EditCue[], time: number): number {
  return cues.findIndex((c) => {
    const start = parseClock(c.start);
    const end = parseClock(c.end);
    return start !== null && end !== null && start <= time && time < end;
  });
}
