import { Link } from "react-router-dom";
import { myTeams } from "../../api/sales";
import { Loading, Notice, useLoad } from "../../components/ui";

/** The teams the account manages (seats it bought), each linking to its team page. */
export function TeamsManaged({ headingLevel = 2, hideEmpty = false }: { headingLevel?: 1 | 2; hideEmpty?: boolean }) {
  const teams = useLoad(myTeams, []);
  const Heading = headingLevel === 1 ? "h1" : "h2";
  if (hideEmpty && teams.data?.length === 0) return null;
  return (
    <section className="card" aria-labelledby="teams-title">
      <Heading id="teams-title">Teams you manage</Heading>
      <Notice error={teams.error} />
      {!teams.data ? (
        !teams.error && <Loading />
      ) : teams.data.length === 0 ? (
        <p className="muted">You have not bought seats for a team. A course’s page offers “Buy for a team”.</p>
      ) : (
        <ul className="plain">
          {teams.data.map((t) => (
            <li key={t.id} data-testid="team-row">
              <Link to={`/teams/${t.id}`}>{t.course_title}</Link>{" "}
              <span className="muted">
                {t.assigned} of {t.seats} seats assigned
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
