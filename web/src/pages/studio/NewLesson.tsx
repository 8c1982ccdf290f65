import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../api/client";
import { videoStatus } from "./statusLabels";
import type { CourseEditor } from "./useCourseEditor";

type Video = Schemas["VideoRead"];

/** Adds a video, text or quiz lesson to one section (a quiz lesson starts empty: its
 * questions are written in the outline's question editor). */
export function NewLesson({ sectionId, videos, editor }: { sectionId: string; videos: Video[]; editor: CourseEditor }) {
  const { t } = useTranslation("editor");
  const [title, setTitle] = useState("");
  const [kind, setKind] = useState<"video" | "text" | "quiz">("video");
  const [videoId, setVideoId] = useState("");
  const [body, setBody] = useState("");
  const [chapters, setChapters] = useState("");
  const [preview, setPreview] = useState(false);
  const usable = videos.filter((v) => v.status !== "failed");

  function submit(event: FormEvent) {
    event.preventDefault();
    void editor
      .addLesson(sectionId, {
        title,
        kind,
        video_id: kind === "video" ? videoId || usable[0]?.id : null,
        body,
        preview,
        chapters: kind === "video" ? chapters : "",
      })
      .then(() => {
        setTitle("");
        setBody("");
        setChapters("");
      });
  }

  return (
    <form className="new-lesson" onSubmit={submit}>
      <label>
        {t("newLesson.title")}
        <input required value={title} onChange={(e) => setTitle(e.target.value)} />
      </label>
      <label>
        {t("newLesson.kind")}
        <select value={kind} onChange={(e) => setKind(e.target.value as "video" | "text" | "quiz")}>
          <option value="video">{t("newLesson.kinds.video")}</option>
          <option value="text">{t("newLesson.kinds.text")}</option>
          <option value="quiz">{t("newLesson.kinds.quiz")}</option>
        </select>
      </label>
      {kind === "video" ? (
        <label>
          {t("newLesson.video")}
          <select value={videoId} onChange={(e) => setVideoId(e.target.value)} required={!usable.length}>
            {usable.length === 0 && <option value="">{t("newLesson.uploadFirst")}</option>}
            {usable.map((v) => (
              <option key={v.id} value={v.id}>
                {v.title} ({videoStatus(t, v.status)})
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {kind === "video" ? (
        <label>
          {t("newLesson.chapters")} <small>{t("newLesson.chaptersHint")}</small>
          <textarea rows={3} value={chapters} onChange={(e) => setChapters(e.target.value)} />
        </label>
      ) : kind === "quiz" ? null : (
        <label>
          {t("newLesson.text")}
          <textarea rows={4} value={body} onChange={(e) => setBody(e.target.value)} />
        </label>
      )}
      <label className="inline">
        <input type="checkbox" checked={preview} onChange={(e) => setPreview(e.target.checked)} />{" "}
        {t("newLesson.preview")}
      </label>
      <button>{t("newLesson.add")}</button>
    </form>
  );
}
