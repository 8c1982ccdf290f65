import { useId } from "react";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../api/client";
import { formatDate } from "../../i18n/format";
import "./studio.css";

type Week = Schemas["DashboardWeek"];

const WIDTH = 480;
const HEIGHT = 190;
const TOP = 26; // room for the scale's label above the plot
const BOTTOM = 24; // room for the week labels under it
const LABEL_EVERY = 3; // weeks between two labels: they stay readable on a phone

/** One value per week as bars (plain SVG: no chart library), with the same figures in a
 * visually hidden table for screen readers. */
export function WeeklyBars({
  title,
  weeks,
  values,
  format,
  testId,
}: {
  title: string;
  weeks: Week[];
  values: number[];
  format(value: number): string;
  testId?: string;
}) {
  const { t } = useTranslation("studio");
  const titleId = useId();
  const most = Math.max(0, ...values);
  const plot = HEIGHT - TOP - BOTTOM;
  const step = WIDTH / Math.max(1, weeks.length);
  const day = (week: Week) =>
    formatDate(`${week.starts_on}T00:00:00Z`, { day: "numeric", month: "short", timeZone: "UTC" });
  const summary = t("chart.summary", {
    title,
    from: weeks.length ? day(weeks[0]) : "",
    total: format(values.reduce((a, b) => a + b, 0)),
    best: format(most),
  });
  return (
    <figure className="weekly-chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <svg className="chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={titleId}>
        <title id={titleId}>{summary}</title>
        <text x={0} y={14} className="chart-label">
          {format(most)}
        </text>
        <line x1={0} x2={WIDTH} y1={TOP} y2={TOP} className="chart-grid" />
        <line x1={0} x2={WIDTH} y1={TOP + plot} y2={TOP + plot} className="chart-grid" />
        {weeks.map((week, i) => {
          const bar = most > 0 ? (plot * (values[i] ?? 0)) / most : 0;
          return (
            <g key={week.week}>
              <rect
                x={i * step + 3}
                y={TOP + plot - bar}
                width={Math.max(1, step - 6)}
                height={bar}
                rx={2}
                className="chart-bar"
              />
              {(weeks.length - 1 - i) % LABEL_EVERY === 0 && (
                <text
                  x={i === weeks.length - 1 ? WIDTH : i * step + step / 2}
                  y={HEIGHT - 6}
                  textAnchor={i === weeks.length - 1 ? "end" : "middle"}
                  className="chart-label"
                >
                  {day(week)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <table className="sr-only">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">{t("chart.weekOf")}</th>
            <th scope="col">{title}</th>
          </tr>
        </thead>
        <tbody>
          {weeks.map((week, i) => (
            <tr key={week.week}>
              <th scope="row">{day(week)}</th>
              <td>{format(values[i] ?? 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
