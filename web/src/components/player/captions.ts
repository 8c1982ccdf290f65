import type Hls from "hls.js";

/** The viewer's caption choice, remembered across lessons: a language, or off. */
const STORAGE = "coursevault.captions";

export function savedChoice(): string | null {
  try {
    return localStorage.getItem(STORAGE);
  } catch {
    return null;
  }
}

export function saveChoice(language: string | null): void {
  try {
    localStorage.setItem(STORAGE, language ?? "off");
  } catch {
    // storage refused (private mode): the choice lasts this page only
  }
}

/** Which language to show: the saved one when this lesson has it, else none. */
export function initialLanguage(available: string[], saved: string | null): string | null {
  return saved && saved !== "off" && available.includes(saved) ? saved : null;
}

/** What C does: captions off when on; else the saved language, else the first one. */
export function toggled(current: string | null, available: string[], saved: string | null): string | null {
  if (current) return null;
  return initialLanguage(available, saved) ?? available[0] ?? null;
}

/** Shows LANGUAGE's subtitle rendition through hls.js (null: none). */
export function applyCaptions(hls: Hls | null | undefined, language: string | null): void {
  if (!hls) return;
  const index = language ? hls.subtitleTracks.findIndex((t) => t.lang === language) : -1;
  hls.subtitleDisplay = index >= 0;
  hls.subtitleTrack = index;
}
