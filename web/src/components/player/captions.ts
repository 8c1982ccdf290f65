import Hls, { type CuesParsedData } from "hls.js";

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

/** The transcript's language: the captions chosen; without a choice, the first of the
 * browser's languages (PREFERRED, navigator.languages) a track has, exactly ("pt-BR") or by
 * its base ("de-AT" reads "de"); else the first track. */
export function transcriptLanguage(
  available: string[],
  chosen: string | null,
  preferred: readonly string[],
): string | null {
  if (chosen && available.includes(chosen)) return chosen;
  const base = (code: string) => code.toLowerCase().split(/[-_]/)[0];
  for (const want of preferred) {
    const exact = available.find((a) => a.toLowerCase() === want.toLowerCase());
    const near = exact ?? available.find((a) => base(a) === base(want));
    if (near) return near;
  }
  return available[0] ?? null;
}

// Captions are drawn on text tracks of our own, not hls.js's: natively hls.js gives each
// subtitle track a <track src="data:,WEBVTT">, a source the page's CSP (media-src 'self'
// blob:) refuses, one violation report per track. A track made with addTextTrack() has no
// source at all; hls.js hands us the parsed cues (CUES_PARSED), on the video's timeline.
let installed = false;

/** Makes every hls.js instance of this page leave caption rendering to `renderCaptions`,
 * and create no metadata tracks (each would be another data: source; we use none). */
export function installCaptionRendering(): void {
  if (installed) return;
  Hls.DefaultConfig = {
    ...Hls.DefaultConfig,
    renderTextTracksNatively: false,
    enableID3MetadataCues: false,
    enableEmsgMetadataCues: false,
    enableDateRangeMetadataCues: false,
  };
  installed = true;
}

// Our tracks per media element, by language and label (a track's label cannot change).
const tracksOf = new WeakMap<HTMLMediaElement, Map<string, TextTrack>>();
const rendering = new WeakSet<Hls>();

function trackFor(media: HTMLMediaElement, language: string, label: string): TextTrack {
  let tracks = tracksOf.get(media);
  if (!tracks) tracksOf.set(media, (tracks = new Map()));
  const key = `${language}\n${label}`;
  let track = tracks.get(key);
  if (!track) tracks.set(key, (track = media.addTextTrack("subtitles", label, language)));
  return track;
}

/** Runs CHANGE on TRACK's cues, which a disabled track does not expose. */
function withCues(track: TextTrack, change: (cues: TextTrackCueList) => void): void {
  const mode = track.mode;
  if (mode === "disabled") track.mode = "hidden";
  if (track.cues) change(track.cues);
  track.mode = mode;
}

/** Puts the cues hls.js parses for HLS's subtitle renditions on our tracks; clears what a
 * lesson played before left on them (the media element outlives its hls.js instances). */
export function renderCaptions(hls: Hls): void {
  const media = hls.media;
  if (!media || rendering.has(hls)) return;
  rendering.add(hls);
  for (const track of tracksOf.get(media)?.values() ?? []) {
    withCues(track, (cues) => Array.from(cues).forEach((cue) => track.removeCue(cue)));
    track.mode = "disabled";
  }
  hls.on(Hls.Events.CUES_PARSED, (_, data: CuesParsedData) => {
    const rendition = data.subtitleTrack;
    if (data.type !== "subtitles" || !rendition) return;
    const track = trackFor(media, rendition.lang ?? "", rendition.name);
    const parsed = data.cues as VTTCue[];
    withCues(track, (cues) => parsed.filter((cue) => !cues.getCueById(cue.id)).forEach((cue) => track.addCue(cue)));
  });
}

/** Shows LANGUAGE's subtitle rendition through hls.js (null: none). */
export function applyCaptions(hls: Hls | null | undefined, language: string | null): void {
  if (!hls) return;
  const index = language ? hls.subtitleTracks.findIndex((t) => t.lang === language) : -1;
  hls.subtitleTrack = index; // hls.js loads (only) that rendition's WebVTT
  const media = hls.media;
  if (!media) return;
  const shown = index >= 0 ? trackFor(media, language ?? "", hls.subtitleTracks[index].name) : null;
  for (const track of tracksOf.get(media)?.values() ?? []) track.mode = track === shown ? "showing" : "disabled";
}
