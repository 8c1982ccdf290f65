import { useState } from "react";
import type { Schemas } from "../../api/client";
import { clock, type Chapter } from "../../components/player/Chapters";
import { describeRelease } from "../../components/release";
import { NewLesson } from "./NewLesson";
import { CheckpointsEditor } from "./quiz/CheckpointsEditor";
import { QuizEditor } from "./quiz/QuizEditor";
import type { CourseEditor } from "./useCourseEditor";

type Course = Schemas["CourseRead"];
type Video = Schemas["VideoRead"];

/** Sections and lessons: reorder, delete, mark as preview, add; a quiz lesson's questions
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
  const quizLessons = course.sections.flatMap((s) => s.lessons).filter((l) => l.quiz_id);
  const [sectionTitle, setSectionTitle] = useState("");

  return (
    <section className="card">
      <h2>Sections and lessons</h2>
      {course.sections.map((section, si) => (
        <div key={section.id} className="studio-section">
          <div className="row spread">
            <h3>{section.title}</h3>
            <div className="row">
              <button
                aria-label={`Move section ${section.title} up`}
                disabled={si === 0}
                onClick={() => editor.move("section", section.id, si - 1)}
              >
                ↑
              </button>
              <button
                aria-label={`Move section ${section.title} down`}
                disabled={si === course.sections.length - 1}
                onClick={() => editor.move("section", section.id, si + 1)}
              >
                ↓
              </button>
              <button
                aria-label={`Delete section ${section.title}`}
                onClick={() =>
                  window.confirm("Delete this section and its lessons?") && editor.deleteSection(section.id)
                }
              >
                ✕
              </button>
            </div>
          </div>
          <ol className="lessons">
            {section.lessons.map((lesson, li) => (
              <li key={lesson.id}>
                <span>
                  {lesson.kind === "video" ? "▶" : lesson.kind === "quiz" ? "?" : "¶"} {lesson.title}
                </span>
                {lesson.preview && <span className="badge">preview</span>}
                {lesson.video_status && lesson.video_status !== "ready" && (
                  <span className="badge">{lesson.video_status}</span>
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
                    preview
                  </label>
                  <button
                    aria-label={`Move ${lesson.title} up`}
                    disabled={li === 0}
                    onClick={() => editor.move("lesson", lesson.id, li - 1, section.id)}
                  >
                    ↑
                  </button>
                  <button
                    aria-label={`Move ${lesson.title} down`}
                    disabled={li === section.lessons.length - 1}
                    onClick={() => editor.move("lesson", lesson.id, li + 1, section.id)}
                  >
                    ↓
                  </button>
                  <button
                    aria-label={`Delete ${lesson.title}`}
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
                    <summary>Questions and settings of {lesson.title}</summary>
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
          <span className="sr-only">New section title</span>
          <input
            required
            placeholder="New section title"
            value={sectionTitle}
            onChange={(e) => setSectionTitle(e.target.value)}
          />
        </label>
        <button>Add section</button>
      </form>
    </section>
  );
}

/** Whether a video lesson of a watermarked course already marks each session (F7): its
 * video's variants are published, being made (with the re-package's progress), or neither
 * (the last attempt failed: saving the policy again queues it again). */
function VariantsState({ lesson, video }: { lesson: Schemas["LessonRead"]; video?: Video }) {
  if (lesson.video_forensic_watermark || video?.forensic_watermark) {
    return (
      <span className="badge" data-testid="variants-ready">
        variants ready
      </span>
    );
  }
  const progress = video?.forensic_progress ?? lesson.video_forensic_progress; // the list is polled
  if (progress === null || progress === undefined) {
    return (
      <span className="badge error-text" data-testid="variants-missing">
        no variants: save the details again to retry
      </span>
    );
  }
  return (
    <span className="badge" data-testid="variants-pending">
      preparing variants {Math.round(progress * 100)}%
    </span>
  );
}

const CHAPTERS_HINT = "One per line: a time and a title, e.g. 0:00 Welcome, 1:30 Setup, 1:02:00 Wrap-up.";

function ChaptersEditor({
  title,
  chapters,
  onSave,
}: {
  title: string;
  chapters: Chapter[];
  onSave(text: string): Promise<void>;
}) {
  const saved = chapters.map((c) => `${clock(c.start)} ${c.title}`).join("\n");
  const [text, setText] = useState(saved);
  return (
    <details className="chapters-editor">
      <summary>Chapters ({chapters.length})</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void onSave(text);
        }}
      >
        <label>
          Chapters of {title}
          <textarea rows={4} value={text} onChange={(e) => setText(e.target.value)} aria-describedby="chapters-hint" />
        </label>
        <small id="chapters-hint">{CHAPTERS_HINT}</small>
        <button disabled={text === saved}>Save chapters</button>
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
  const initial = release?.after_quiz ? "quiz" : release?.on ? "date" : release?.after_days != null ? "days" : "now";
  const [mode, setMode] = useState<ReleaseMode>(initial);
  const [quiz, setQuiz] = useState(release?.after_quiz ?? quizzes[0]?.quiz_id ?? "");
  const quizTitle = quizzes.find((q) => q.quiz_id === release?.after_quiz)?.title;
  const [days, setDays] = useState(String(release?.after_days ?? 7));
  const [date, setDate] = useState(release?.on ? release.on.slice(0, 10) : "");
  const summary = release?.after_quiz
    ? `after passing ${quizTitle ?? "a quiz"}`
    : (describeRelease(release) ?? "at once");
  return (
    <details className="chapters-editor">
      <summary>Release: {summary}</summary>
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
          {title} opens
          <select value={mode} onChange={(e) => setMode(e.target.value as ReleaseMode)}>
            <option value="now">at once</option>
            <option value="days">days after enrollment</option>
            <option value="date">on a date (UTC)</option>
            {(quizzes.length > 0 || mode === "quiz") && <option value="quiz">after passing a quiz</option>}
          </select>
        </label>
        {mode === "days" && (
          <label>
            Days
            <input type="number" min="0" max="3650" value={days} onChange={(e) => setDays(e.target.value)} />
          </label>
        )}
        {mode === "date" && (
          <label>
            Date
            <input type="date" required value={date} onChange={(e) => setDate(e.target.value)} />
          </label>
        )}
        {mode === "quiz" && (
          <label>
            Quiz to pass
            <select required value={quiz} onChange={(e) => setQuiz(e.target.value)}>
              {quizzes.map((q) => (
                <option key={q.id} value={q.quiz_id ?? ""}>
                  {q.title}
                </option>
              ))}
            </select>
          </label>
        )}
        <button>Save release</button>
      </form>
    </details>
  );
}
