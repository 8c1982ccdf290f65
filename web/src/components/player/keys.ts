/** The player's keyboard shortcuts (YouTube's, which viewers already know). */
export type KeyAction =
  | { kind: "toggle-play" }
  | { kind: "seek"; by: number }
  | { kind: "volume"; by: number }
  | { kind: "speed"; by: number }
  | { kind: "fullscreen" }
  | { kind: "mute" }
  | { kind: "captions" };

const KEYS: Record<string, KeyAction> = {
  " ": { kind: "toggle-play" },
  k: { kind: "toggle-play" },
  j: { kind: "seek", by: -10 },
  l: { kind: "seek", by: 10 },
  arrowleft: { kind: "seek", by: -5 },
  arrowright: { kind: "seek", by: 5 },
  arrowup: { kind: "volume", by: 0.1 },
  arrowdown: { kind: "volume", by: -0.1 },
  "<": { kind: "speed", by: -1 },
  ">": { kind: "speed", by: 1 },
  f: { kind: "fullscreen" },
  m: { kind: "mute" },
  c: { kind: "captions" },
};

export function actionFor(key: string): KeyAction | null {
  return KEYS[key.toLowerCase()] ?? null;
}

/** Whether KEY pressed on TARGET keeps its usual meaning there instead of being a shortcut:
 * everything typed into a text field or a list, Space and Enter on a button or link,
 * arrows on a slider or in a menu. M on the play button still mutes. */
export function ownsKeys(target: EventTarget | null, key: string): boolean {
  if (!(target instanceof Element)) return false;
  if (target.closest("select, textarea, [contenteditable=true]")) return true;
  const input = target.closest("input");
  if (input) return input.type !== "range" || key.startsWith("Arrow") || key === "Home" || key === "End";
  if (key.startsWith("Arrow") && target.closest("[role=slider], [role=menu]")) return true;
  return (key === " " || key === "Enter") && !!target.closest("button, a, [role=menuitemradio]");
}
