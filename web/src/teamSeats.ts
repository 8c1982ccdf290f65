// The seat manager's list: counts, each seat's state in words, and the list after an
// assignment, a reassignment or a release (applied at once from the server's answer).
import type { Schemas } from "./api/client";
import i18n from "./i18n";

const t = i18n.getFixedT(null, "team");

type Team = Schemas["TeamRead"];
type Seat = Schemas["SeatRead"];

export interface SeatCounts {
  bought: number;
  used: number;
  free: number;
}

export function seatCounts(team: Pick<Team, "seats" | "assigned">): SeatCounts {
  return { bought: team.seats, used: team.assigned, free: Math.max(0, team.seats - team.assigned) };
}

/** How long ago AT was, in words ("just now", "5 min ago", "3 h ago", "2 days ago"). */
export function ago(at: string, now: Date): string {
  const seconds = Math.max(0, (now.getTime() - new Date(at).getTime()) / 1000);
  if (seconds < 60) return t("ago.now");
  if (seconds < 3600) return t("ago.minutes", { count: Math.floor(seconds / 60) });
  if (seconds < 86400) return t("ago.hours", { count: Math.floor(seconds / 3600) });
  return t("ago.days", { count: Math.floor(seconds / 86400) });
}

/** The seat's state and its holder's viewing, in words. */
export function seatStatus(seat: Seat, now: Date): { state: string; activity: string } {
  if (seat.state !== "claimed") return { state: t("seat.waiting"), activity: t("seat.invited") };
  const activity = seat.watching
    ? t("seat.watching")
    : seat.last_watched_at
      ? t("seat.lastWatched", { when: ago(seat.last_watched_at, now) })
      : t("seat.notWatched");
  return { state: t("seat.claimed"), activity };
}

export type SeatChange =
  | { type: "assigned"; seat: Seat }
  | { type: "reassigned"; seatId: string; seat: Seat }
  | { type: "released"; seatId: string };

/** The team after CHANGE, as the server answered it. */
export function applySeatChange(team: Team, change: SeatChange): Team {
  switch (change.type) {
    case "assigned":
      if (team.members.some((m) => m.id === change.seat.id)) return team;
      return { ...team, assigned: team.assigned + 1, members: [...team.members, change.seat] };
    case "reassigned":
      return { ...team, members: team.members.map((m) => (m.id === change.seatId ? change.seat : m)) };
    case "released": {
      if (!team.members.some((m) => m.id === change.seatId)) return team;
      return {
        ...team,
        assigned: Math.max(0, team.assigned - 1),
        members: team.members.filter((m) => m.id !== change.seatId),
      };
    }
  }
}
