import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import { Notice, useLoad } from "../ui";
import { SeekList } from "./Chapters";

/** The lesson's captions as a list of lines; a click seeks there. Text only, never HTML. */
export function Transcript({
  lessonId,
  language,
  time,
  onSeek,
}: {
  lessonId: string;
  language: string;
  time: number;
  onSeek(seconds: number): void;
}) {
  const { t } = useTranslation("player");
  const { data, error } = useLoad(
    () =>
      unwrap(
        api.GET("/api/lessons/{lesson_id}/transcript/{language}", {
          params: { path: { lesson_id: lessonId, language } },
        }),
      ),
    [lessonId, language],
  );
  if (error) return <Notice error={error} />;
  if (!data) return null;
  const current = data.cues.findIndex((c) => c.start <= time && time < c.end);
  return (
    <details className="transcript" open>
      <summary>{t("transcript", { label: data.label })}</summary>
      <SeekList
        items={data.cues.map((cue) => ({ start: cue.start, text: cue.text }))}
        current={current}
        onSeek={onSeek}
      />
    </details>
  );
}
