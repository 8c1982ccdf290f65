import type Hls from "hls.js";

type LevelLoaded = { details: { live: boolean } };

/** First play (issue #26): while a new upload's ladder is encoded, its master lists one
 * early rendition whose EVENT playlist grows. hls.js reloads a live playlist but never the
 * master; once that playlist has ended (the whole ladder is published, holding the same
 * segments), the master is loaded again from where the viewer is, so the other qualities
 * become available in the same session. `onSwitched` runs once the new ladder is parsed. */
export function followFullLadder(
  hls: Hls,
  media: HTMLVideoElement,
  masterUrl: string,
  onSwitched: (hls: Hls) => void,
): () => void {
  const on = hls.on.bind(hls) as unknown as (event: string, listener: (e: string, data: LevelLoaded) => void) => void;
  const off = hls.off.bind(hls) as unknown as (event: string, listener: (e: string, data: LevelLoaded) => void) => void;
  let live = false;
  const onLevel = (_: string, data: LevelLoaded) => {
    if (data.details.live) {
      live = true;
      return;
    }
    if (!live) return; // a finished ladder from the start: nothing to follow
    live = false;
    off("hlsLevelLoaded", onLevel);
    const playing = !media.paused;
    const at = media.currentTime;
    // Reattaching the media pauses it and rewinds it; hls-video-element may not start
    // loading by itself (autoStartLoad follows its preload), so both are asked for here.
    const once = hls.once.bind(hls) as unknown as (event: string, listener: () => void) => void;
    once("hlsManifestParsed", () => {
      hls.startLoad(at);
      onSwitched(hls);
    });
    if (playing) media.addEventListener("canplay", () => void media.play().catch(() => undefined), { once: true });
    hls.loadSource(masterUrl);
  };
  on("hlsLevelLoaded", onLevel);
  return () => off("hlsLevelLoaded", onLevel);
}
