import { useTranslation } from "react-i18next";

/** Completion per lesson as horizontal bars (plain SVG: no chart library needed). */
export function StatsChart({ lessons }: { lessons: { lesson_id: string; title: string; completion_rate: number }[] }) {
  const { t } = useTranslation("reports");
  const row = 26;
  const width = 560;
  const labelWidth = 200;
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${width} ${Math.max(1, lessons.length) * row + 4}`}
      role="img"
      aria-label={t("stats.label")}
    >
      {lessons.map((l, i) => {
        const bar = (width - labelWidth - 50) * l.completion_rate;
        return (
          <g key={l.lesson_id} transform={`translate(0, ${i * row + 2})`}>
            <text x={0} y={16} className="chart-label">
              {l.title.length > 26 ? `${l.title.slice(0, 25)}…` : l.title}
            </text>
            <rect x={labelWidth} y={4} width={width - labelWidth - 50} height={16} className="chart-track" rx={3} />
            <rect x={labelWidth} y={4} width={bar} height={16} className="chart-bar" rx={3} />
            <text x={width - 44} y={16} className="chart-value">
              {Math.round(l.completion_rate * 100)}%
            </text>
          </g>
        );
      })}
    </svg>
  );
}
