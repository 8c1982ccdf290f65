import type { Schemas } from "../api/client";

type Release = Schemas["Release"];

const DATE = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric" });

/** How a drip rule reads in the outline: "opens 3 days after you enroll", "opens 24 Dec 2026". */
export function describeRelease(release: Release | null | undefined): string | null {
  if (!release) return null;
  if (release.on) return `opens ${DATE.format(new Date(release.on))}`;
  if (release.after_days != null)
    return release.after_days === 0
      ? null
      : `opens ${release.after_days} day${release.after_days === 1 ? "" : "s"} after you enroll`;
  return null;
}

export function opensOn(iso: string): string {
  return `opens ${DATE.format(new Date(iso))}`;
}
