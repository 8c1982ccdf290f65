import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { myTeams } from "../../api/sales";
import { Loading, Notice, useLoad } from "../../components/ui";

/** The teams the account manages (seats it bought), each linking to its team page. */
export function TeamsManaged({ headingLevel = 2, hideEmpty = false }: { headingLevel?: 1 | 2; hideEmpty?: boolean }) {
  const { t } = useTranslation("account");
  const teams = useLoad(myTeams, []);
  const Heading = headingLevel === 1 ? "h1" : "h2";
  if (hideEmpty && teams.data?.length === 0) return null;
  return (
    <section className="card" aria-labelledby="teams-title">
      <Heading id="teams-title">{t("teams.title")}</Heading>
      <Notice error={teams.error} />
      {!teams.data ? (
        !teams.error && <Loading />
      ) : teams.data.length === 0 ? (
        <p className="muted">{t("teams.empty")}</p>
      ) : (
        <ul className="plain">
          {teams.data.map((team) => (
            <li key={team.id} data-testid="team-row">
              <Link to={`/teams/${team.id}`}>{team.course_title}</Link>{" "}
              <span className="muted">{t("teams.assigned", { assigned: team.assigned, count: team.seats })}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
