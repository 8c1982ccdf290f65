import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../api/client";
import { clock, type Chapter } from "../../components/player/Chapters";
import { formatDate, formatNumber } from "../../i18n/format";
import { dropPosition, landing, staysPut, useLessonDrag, type LessonSpot } from "./lessonDrag";
import { NewLesson } from "./NewLesson";
import { CheckpointsEditor } from "./quiz/CheckpointsEditor";
import { QuizEditor } from "./quiz/QuizEditor";
import { videoStatus } from "./statusLabels";
import type { CourseEditor } from "./useCourseEditor";
import "./studio.css";

type Course = Schemas["CourseRead"];
type Video = Schemas["VideoRead"];

/** Sections and lessons: reorder (drag a lesson by its handle, or the up and down
 * buttons from the keyboard), delete, mark as preview, add; a quiz lesson's questions
 * and a video lesson's checkpoints. */
export function Outline({
  course,
  videos,
  editor,
  onReload,
}: {
  course: Course;
  videos: Video[];
  editor: CourseEditor;
  onReload(): Promise<void>;
}) {
  const { t } = useTranslation("studio");
  const quizLessons = course.sections.flatMap((s) => s.lessons).filter((l) => l.quiz_id);
  const [sectionTitle, setSectionTitle] = useState("");
  const [announcement, setAnnouncement] = useState("");

  /** Moves a lesson and says where it went (for screen readers: the list changed). */
  async function moveLesson(lessonId: string, to: LessonSpot, position: number) {
    const from = spotOf(course, lessonId);
    const section = course.sections.find((s) => s.id === to.sectionId);
    if (!from || !section) return;
    const title = course.sections.find((s) => s.id === from.sectionId)?.lessons[from.index]?.title ?? "";
    await editor.move("lesson", lessonId, position, to.sectionId);
    const landed = landing(from, to.sectionId, position, section.lessons.length);
    setAnnouncement(
      t("outline.moved", {
        title,
        position: formatNumber(landed.position),
        total: formatNumber(landed.total),
        section: section.title,
      }),
    );
  }

  const drag = useLessonDrag((lessonId, to, side) => {
    const from = spotOf(course, lessonId);
    if (!from || staysPut(from, to, side)) return;
    void moveLesson(lessonId, to, dropPosition(from, to, side));
  });
  const dropClass = (lessonId: string) =>
    drag.target?.id === lessonId && drag.dragged !== lessonId ? `drop-${drag.target.side}` : "";

  return (
    <section className="card">
      <h2>{t("outline.title")}</h2>
      <p className="muted">{t("outline.hint")}</p>
      <p className="sr-only" role="status" aria-live="polite" data-testid="outline-announcement">
        {announcement}
      </p>
      {course.sections.map((section, si) => (
        <div key={section.id} className="studio-section">
          <div className="row spread">
            <h3>{section.title}</h3>
            <div className="row">
              <button
                aria-label={t("outline.sectionUp", { title: section.title })}
                disabled={si === 0}
                onClick={() => editor.move("section", section.id, si - 1)}
              >
                ↑
              </button>
              <button
                aria-label={t("outline.sectionDown", { title: section.title })}
                disabled={si === course.sections.length - 1}
                onClick={() => editor.move("section", section.id, si + 1)}
              >
                ↓
              </button>
              <button
                aria-label={t("outline.sectionDelete", { title: section.title })}
                onClick={() => window.confirm(t("outline.sectionDeleteConfirm")) && editor.deleteSection(section.id)}
              >
                ✕
              </button>
            </div>
          </div>
          {section.lessons.length === 0 && (
            <p
              className={`drop-zone ${drag.overEmpty === section.id ? "drop-here" : ""}`}
              data-testid="empty-section-drop"
              {...drag.emptySection(section.id)}
            >
              {t("outline.emptySection")}
            </p>
          )}
          <ol className="lessons">
            {section.lessons.map((lesson, li) => (
              <li
                key={lesson.id}
                id={`lesson-${lesson.id}`}
                data-testid="lesson-row"
                className={`lesson-row ${drag.dragged === lesson.id ? "dragging" : ""} ${dropClass(lesson.id)}`}
                {...drag.row(lesson.id, { sectionId: section.id, index: li })}
              >
                <span
                  className="drag-handle"
                  title={t("outline.dragHandle", { title: lesson.title })}
                  aria-hidden="true"
                  data-testid="drag-handle"
                  {...drag.handle(lesson.id)}
                >
                  ⠿
                </span>
                <span>
                  {lesson.kind === "video" ? "▶" : lesson.kind === "quiz" ? "?" : "¶"} {lesson.title}
                </span>
                {lesson.preview && <span className="badge">{t("outline.previewBadge")}</span>}
                {lesson.video_status && lesson.video_status !== "ready" && (
                  <span className="badge">{videoStatus(t, lesson.video_status)}</span>
                )}
                {course.policy.forensic_watermark && lesson.kind === "video" && (
                  <VariantsState lesson={lesson} video={videos.find((v) => v.id === lesson.video_id)} />
                )}
                <span className="right row">
                  <label className="inline">
                    <input
                      type="checkbox"
                      checked={lesson.preview}
                      onChange={(e) => editor.updateLesson(section.id, lesson.id, { preview: e.target.checked })}
                    />{" "}
                    {t("outline.preview")}
                  </label>
                  <button
                    aria-label={t("outline.lessonUp", { title: lesson.title })}
                    disabled={li === 0}
                    onClick={() => moveLesson(lesson.id, { sectionId: section.id, index: li - 1 }, li - 1)}
                  >
                    ↑
                  </button>
                  <button
                    aria-label={t("outline.lessonDown", { title: lesson.title })}
                    disabled={li === section.lessons.length - 1}
                    onClick={() => moveLesson(lesson.id, { sectionId: section.id, index: li + 1 }, li + 1)}
                  >
                    ↓
                  </button>
                  <button
                    aria-label={t("outline.lessonDelete", { title: lesson.title })}
                    onClick={() => editor.deleteLesson(section.id, lesson.id)}
                  >
                    ✕
                  </button>
                </span>
                <ReleaseEditor
                  title={lesson.title}
                  release={lesson.release ?? null}
                  quizzes={quizLessons.filter((q) => q.id !== lesson.id)}
                  onSave={(release) => editor.updateLesson(section.id, lesson.id, { release })}
                />
                {lesson.kind === "quiz" && lesson.quiz_id && (
                  <details className="chapters-editor">
                    <summary>{t("outline.quizSettings", { title: lesson.title })}</summary>
                    <QuizEditor quizId={lesson.quiz_id} name={lesson.title} />
                  </details>
                )}
                {lesson.kind === "video" && <CheckpointsEditor lesson={lesson} onChanged={onReload} />}
                {lesson.kind === "video" && (
                  <ChaptersEditor
                    title={lesson.title}
                    chapters={lesson.chapters ?? []}
                    onSave={(chapters) => editor.updateLesson(section.id, lesson.id, { chapters })}
                  />
                )}
              </li>
            ))}
          </ol>
          <NewLesson sectionId={section.id} videos={videos} editor={editor} />
        </div>
      ))}
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void editor.addSection(sectionTitle).then(() => setSectionTitle(""));
        }}
      >
        <label className="grow">
          <span className="sr-only">{t("outline.newSection")}</span>
          <input
            required
            placeholder={t("outline.newSection")}
            value={sectionTitle}
            onChange={(e) => setSectionTitle(e.target.value)}
          />
        </label>
        <button>{t("outline.addSection")}</button>
      </form>
    </section>
  );
}

function spotOf(course: Course, lessonId: string): LessonSpot | null {
  for (const section of course.sections) {
    const index = section.lessons.findIndex((l) => l.id === lessonId);
    if (index >= 0) return { sectionId: section.id, index };
  }
  return null;
}

/** Whether a video lesson of a watermarked course already marks each session (F7): its
 * video's variants are published, being made (with the re-package's progress), or neither
 * (the last attempt failed: saving the policy again queues it again). */
function VariantsState({ lesson, video }: { lesson: Schemas["LessonRead"]; video?: Video }) {
  const { t } = useTranslation("studio");
  if (lesson.video_forensic_watermark || video?.forensic_watermark) {
    return (
      <span className="badge" data-testid="variants-ready">
        {t("outline.variantsReady")}
      </span>
    );
  }
  const progress = video?.forensic_progress ?? lesson.video_forensic_progress; // the list is polled
  if (progress === null || progress === undefined) {
    return (
      <span className="badge error-text" data-testid="variants-missing">
        {t("outline.variantsMissing")}
      </span>
    );
  }
  return (
    <span className="badge" data-testid="variants-pending">
      {t("outline.variantsPending", { percent: Math.round(progress * 100) })}
    </span>
  );
}

function ChaptersEditor({
  title,
  chapters,
  onSave,
}: {
  title: string;
  chapters: Chapter[];
  onSave(text: string): Promise<void>;
}) {
  const { t } = useTranslation("studio");
  const saved = chapters.map((c) => `${clock(c.start)} ${c.title}`).join("\n");
  const [text, setText] = useState(saved);
  return (
    <details className="chapters-editor">
      <summary>{t("chapters.summary", { count: chapters.length })}</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void onSave(text);
        }}
      >
        <label>
          {t("chapters.label", { title })}
          <textarea rows={4} value={text} onChange={(e) => setText(e.target.value)} aria-describedby="chapters-hint" />
        </label>
        <small id="chapters-hint">{t("chapters.hint")}</small>
        <button disabled={text === saved}>{t("chapters.save")}</button>
      </form>
    </details>
  );
}

type Release = Schemas["Release"];

type ReleaseMode = "now" | "days" | "date" | "quiz";

/** Drip release of one lesson: at once, N days after enrollment, on a date, or once a quiz
 * lesson of the course is passed. */
function ReleaseEditor({
  title,
  release,
  quizzes,
  onSave,
}: {
  title: string;
  release: Release | null;
  quizzes: Schemas["LessonRead"][];
  onSave(release: Release): Promise<void>;
}) {
  const { t } = useTranslation("studio");
  const initial = release?.after_quiz ? "quiz" : release?.on ? "date" : release?.after_days != null ? "days" : "now";
  const [mode, setMode] = useState<ReleaseMode>(initial);
  const [quiz, setQuiz] = useState(release?.after_quiz ?? quizzes[0]?.quiz_id ?? "");
  const quizTitle = quizzes.find((q) => q.quiz_id === release?.after_quiz)?.title;
  const [days, setDays] = useState(String(release?.after_days ?? 7));
  const [date, setDate] = useState(release?.on ? release.on.slice(0, 10) : "");
  const summary = release?.after_quiz
    ? quizTitle
      ? t("release.afterQuiz", { quiz: quizTitle })
      : t("release.afterAQuiz")
    : release?.on
      ? t("release.onDate", {
          date: formatDate(release.on, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" }),
        })
      : release?.after_days
        ? t("release.afterDays", { count: release.after_days })
        : t("release.atOnce");
  return (
    <details className="chapters-editor">
      <summary>{t("release.summary", { summary })}</summary>
      <form
        className="row wrap"
        onSubmit={(e) => {
          e.preventDefault();
          void onSave(
            mode === "days"
              ? { after_days: Number(days) }
              : mode === "date"
                ? { on: new Date(`${date}T00:00:00Z`).toISOString() }
                : mode === "quiz"
                  ? { after_quiz: quiz }
                  : {},
          );
        }}
      >
        <label>
          {t("release.opens", { title })}
          <select value={mode} onChange={(e) => setMode(e.target.value as ReleaseMode)}>
            <option value="now">{t("release.modeNow")}</option>
            <option value="days">{t("release.modeDays")}</option>
            <option value="date">{t("release.modeDate")}</option>
            {(quizzes.length > 0 || mode === "quiz") && <option value="quiz">{t("release.modeQuiz")}</option>}
          </select>
        </label>
        {mode === "days" && (
          <label>
            {t("release.days")}
            <input type="number" min="0" max="3650" value={days} onChange={(e) => setDays(e.target.value)} />
          </label>
        )}
        {mode === "date" && (
          <label>
            {t("release.date")}
            <input type="date" required value={date} onChange={(e) => setDate(e.target.value)} />
          </label>
        )}
        {mode === "quiz" && (
          <label>
            {t("release.quiz")}
            <select required value={quiz} onChange={(e) => setQuiz(e.target.value)}>
              {quizzes.map((q) => (
                <option key={q.id} value={q.quiz_id ?? ""}>
                  {q.title}
                </option>
              ))}
            </select>
          </label>
        )}
        <button>{t("release.save")}</button>
      </form>
    </details>
  );
}
