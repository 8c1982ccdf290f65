/** The viewer's volume and speed, remembered across lessons on this browser (the caption
 * choice is remembered in captions.ts). A stored value that is not one we could have
 * written (edited by hand, an older version) is ignored, not an error. */

export const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2]; // the server counts watching at up to 2× (L2)

export type Sound = { volume: number; muted: boolean };

const VOLUME = "coursevault.volume";
const SPEED = "coursevault.speed";
const DEFAULT_SOUND: Sound = { volume: 1, muted: false };

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // storage refused (private mode): the choice lasts this page only
  }
}

export function savedSound(): Sound {
  try {
    const stored: unknown = JSON.parse(read(VOLUME) ?? "null");
    if (typeof stored !== "object" || stored === null) return DEFAULT_SOUND;
    const { volume, muted } = stored as Record<string, unknown>;
    if (typeof volume !== "number" || !(volume >= 0 && volume <= 1)) return DEFAULT_SOUND;
    return { volume, muted: muted === true };
  } catch {
    return DEFAULT_SOUND;
  }
}

export function saveSound(sound: Sound): void {
  write(VOLUME, JSON.stringify(sound));
}

export function savedSpeed(): number {
  const stored = Number(read(SPEED));
  return SPEEDS.includes(stored) ? stored : 1;
}

export function saveSpeed(speed: number): void {
  if (SPEEDS.includes(speed)) write(SPEED, String(speed));
}

/** The speed BY steps away from SPEED in the list (< and >), held at its ends. */
export function steppedSpeed(speed: number, by: number): number {
  const at = SPEEDS.indexOf(speed);
  const from = at >= 0 ? at : SPEEDS.indexOf(1);
  return SPEEDS[Math.min(SPEEDS.length - 1, Math.max(0, from + by))];
}

/** VOLUME moved BY, kept within 0..1 and on tenths (so ten steps reach silence exactly). */
export function steppedVolume(volume: number, by: number): number {
  return Math.min(1, Math.max(0, Math.round((volume + by) * 10) / 10));
}
