import { GiftsGiven } from "./GiftsGiven";
import { TeamsManaged } from "./TeamsManaged";

/** `/my/gifts`: where a gift's receipt sends its buyer. */
export function MyGifts() {
  return (
    <main className="narrow wide-narrow">
      <GiftsGiven headingLevel={1} />
    </main>
  );
}

/** `/my/teams`: where a seat order's receipt sends the seat manager. */
export function MyTeams() {
  return (
    <main className="narrow wide-narrow">
      <TeamsManaged headingLevel={1} />
    </main>
  );
}
