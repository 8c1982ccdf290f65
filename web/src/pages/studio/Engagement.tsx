import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap, type Schemas } from "../../api/client";
import { EngagementChart } from "../../components/EngagementChart";
import { Loading, Notice, useLoad } from "../../components/ui";

/** Where students drop off and what they watch again, per video lesson. */
export function Engagement({ lessons }: { lessons: Schemas["LessonRead"][] }) {
  const { t } = useTranslation("editor");
  const videos = lessons.filter((l) => l.kind === "video");
  const [chosen, setChosen] = useState("");
  const lessonId = chosen || videos[0]?.id || "";
  const engagement = useLoad(
    () =>
      lessonId
        ? unwrap(api.GET("/api/lessons/{lesson_id}/engagement", { params: { path: { lesson_id: lessonId } } }))
        : Promise.resolve(null),
    [lessonId],
  );
  if (videos.length === 0) return null;
  return (
    <>
      <h3>{t("engagement.title")}</h3>
      <label>
        {t("engagement.lesson")}
        <select value={lessonId} onChange={(e) => setChosen(e.target.value)}>
          {videos.map((l) => (
            <option key={l.id} value={l.id}>
              {l.title}
            </option>
          ))}
        </select>
      </label>
      <Notice error={engagement.error} />
      {engagement.data ? <EngagementChart data={engagement.data} /> : !engagement.error && <Loading />}
    </>
  );
}
