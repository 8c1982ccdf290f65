/** The player's keyboard shortcuts (YouTube's, which viewers already know). */
export type KeyAction =
  | { kind: "toggle-play" }
  | { kind: "seek"; by: number }
  | { kind: "volume"; by: number }
  | { kind: "fullscreen" }
  | { kind: "mute" }
  | { kind: "captions" };

export function actionFor(key: string): KeyAction | null {
  switch (key) {
    case " ":
    case "k":
    case "K":
      return { kind: "toggle-play" };
    case "j":
    case "J":
      return { kind: "seek", by: -10 };
    case "l":
    case "L":
      return { kind: "seek", by: 10 };
    case "ArrowLeft":
      return { kind: "seek", by: -5 };
    case "ArrowRight":
      return { kind: "seek", by: 5 };
    case "ArrowUp":
      return { kind: "volume", by: 0.1 };
    case "ArrowDown":
      return { kind: "volume", by: -0.1 };
    case "f":
    case "F":
      return { kind: "fullscreen" };
    case "m":
    case "M":
      return { kind: "mute" };
    case "c":
    case "C":
      return { kind: "captions" };
    default:
      return null;
  }
}

/** Keys typed into a control keep their usual meaning (a space on a button presses it). */
export function ownsKeys(target: EventTarget | null): boolean {
  if (!(target instanceof Element)) return false;
  return !!target.closest("input, select, textarea, button, a, [contenteditable=true]");
}

/** Carries out ACTION on the media element; captions are the player's (they go through hls.js). */
export function perform(
  action: Exclude<KeyAction, { kind: "captions" }>,
  video: HTMLMediaElement,
  frame: HTMLElement | null,
): void {
  switch (action.kind) {
    case "toggle-play":
      if (video.paused) void video.play().catch(() => undefined);
      else video.pause();
      break;
    case "seek": {
      const end = Number.isFinite(video.duration) ? video.duration : Infinity;
      video.currentTime = Math.min(Math.max(0, video.currentTime + action.by), end);
      break;
    }
    case "volume":
      video.volume = Math.min(1, Math.max(0, Math.round((video.volume + action.by) * 10) / 10));
      break;
    case "mute":
      video.muted = !video.muted;
      break;
    case "fullscreen":
      if (document.fullscreenElement) void document.exitFullscreen();
      else void frame?.requestFullscreen?.().catch(() => undefined);
      break;
  }
}
