import { useTranslation } from "react-i18next";
import type { Schemas } from "../api/client";
import { clock } from "./player/Chapters";

type Engagement = Schemas["LessonEngagement"];

/** Retention as a line (share of views still watching) over replays as bars (plays per
 * viewer of each 10 s), in plain SVG. */
export function EngagementChart({ data }: { data: Engagement }) {
  const { t } = useTranslation("reports");
  const width = 560;
  const height = 180;
  const left = 36;
  const bottom = 20;
  const points = data.points;
  const plotWidth = width - left - 8;
  const plotHeight = height - bottom - 8;
  const step = points.length ? plotWidth / points.length : plotWidth;
  const most = Math.max(1, ...points.map((p) => p.replays));
  const line = points.map((p, i) => `${left + (i + 0.5) * step},${8 + plotHeight * (1 - p.retention)}`).join(" ");
  const half = points.find((p) => p.retention < 0.5);
  const summary =
    data.views === 0
      ? t("engagement.none")
      : `${t("engagement.views", { count: data.views })} ${
          half ? t("engagement.half", { time: clock(half.start) }) : t("engagement.most")
        }`;
  return (
    <figure className="engagement">
      <svg
        className="chart"
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={t("engagement.label", { summary })}
      >
        {[0, 0.5, 1].map((share) => (
          <g key={share}>
            <line
              x1={left}
              x2={width - 8}
              y1={8 + plotHeight * (1 - share)}
              y2={8 + plotHeight * (1 - share)}
              className="chart-grid"
            />
            <text x={0} y={12 + plotHeight * (1 - share)} className="chart-label">
              {share * 100}%
            </text>
          </g>
        ))}
        {points.map((p, i) => {
          const bar = (plotHeight * p.replays) / most;
          return (
            <rect
              key={p.start}
              x={left + i * step + 1}
              y={8 + plotHeight - bar}
              width={Math.max(1, step - 2)}
              height={bar}
              className="chart-replays"
            />
          );
        })}
        {points.length > 0 && <polyline points={line} className="chart-line" fill="none" />}
        {points.map((p, i) => (
          <circle
            key={p.start}
            cx={left + (i + 0.5) * step}
            cy={8 + plotHeight * (1 - p.retention)}
            r={3}
            className="chart-dot"
          />
        ))}
        <text x={left} y={height - 4} className="chart-label">
          0:00
        </text>
        <text x={width - 8} y={height - 4} textAnchor="end" className="chart-label">
          {clock(data.duration ?? points.length * data.bucket_seconds)}
        </text>
      </svg>
      <figcaption>
        {summary} <span className="muted">{t("engagement.legend")}</span>
      </figcaption>
    </figure>
  );
}
