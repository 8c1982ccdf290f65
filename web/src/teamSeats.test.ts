import { describe, expect, it } from "vitest";
import type { Schemas } from "./api/client";
import { ago, applySeatChange, seatCounts, seatStatus } from "./teamSeats";

type Seat = Schemas["SeatRead"];
type Team = Schemas["TeamRead"];

const NOW = new Date("2030-01-10T12:00:00Z");

function seat(id: string, fields: Partial<Seat> = {}): Seat {
  return {
    id,
    email: `${id}@example.com`,
    state: "invited",
    assigned_at: "2030-01-01T00:00:00Z",
    claimed_at: null,
    claimed_by: null,
    last_watched_at: null,
    watching: false,
    ...fields,
  };
}

function team(members: Seat[], seats = 3): Team {
  return { id: "t", course_id: "c", course_title: "C", seats, assigned: members.length, members };
}

describe("the seat list", () => {
  it("counts free seats", () => {
    expect(seatCounts({ seats: 3, assigned: 1 })).toEqual({ bought: 3, used: 1, free: 2 });
    expect(seatCounts({ seats: 1, assigned: 2 })).toEqual({ bought: 1, used: 2, free: 0 }); // after a refund
  });

  it("says whether a seat was claimed and when its holder watched", () => {
    expect(seatStatus(seat("a"), NOW)).toEqual({ state: "Waiting for claim", activity: "Invitation sent" });
    const claimed = seat("b", { state: "claimed", claimed_by: { id: "u", name: "B", email: "b@example.com" } });
    expect(seatStatus(claimed, NOW).activity).toBe("Not watched yet");
    expect(seatStatus({ ...claimed, watching: true, last_watched_at: "2030-01-10T11:59:50Z" }, NOW)).toEqual({
      state: "Claimed",
      activity: "Watching now",
    });
    expect(seatStatus({ ...claimed, last_watched_at: "2030-01-08T08:00:00Z" }, NOW).activity).toBe(
      "Last watched 2 days ago",
    );
  });

  it("words how long ago", () => {
    expect(ago("2030-01-10T11:59:30Z", NOW)).toBe("just now");
    expect(ago("2030-01-10T11:55:00Z", NOW)).toBe("5 min ago");
    expect(ago("2030-01-10T09:00:00Z", NOW)).toBe("3 h ago");
    expect(ago("2030-01-09T11:00:00Z", NOW)).toBe("1 day ago");
    expect(ago("2030-01-11T00:00:00Z", NOW)).toBe("just now"); // a clock ahead of ours
  });

  it("follows assignments, reassignments and releases", () => {
    const start = team([seat("a")]);
    const assigned = applySeatChange(start, { type: "assigned", seat: seat("b") });
    expect(assigned.assigned).toBe(2);
    expect(assigned.members.map((m) => m.id)).toEqual(["a", "b"]);
    expect(applySeatChange(assigned, { type: "assigned", seat: seat("b") })).toBe(assigned); // no double count

    const moved = applySeatChange(assigned, {
      type: "reassigned",
      seatId: "a",
      seat: seat("a", { email: "carol@example.com" }),
    });
    expect(moved.assigned).toBe(2);
    expect(moved.members.map((m) => m.email)).toEqual(["carol@example.com", "b@example.com"]);

    const released = applySeatChange(moved, { type: "released", seatId: "b" });
    expect(released.assigned).toBe(1);
    expect(released.members.map((m) => m.id)).toEqual(["a"]);
    expect(applySeatChange(released, { type: "released", seatId: "b" })).toBe(released);
    expect(start.members).toHaveLength(1); // the old list is left as it was
  });
});
