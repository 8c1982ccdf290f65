import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap, type Schemas } from "../../../api/client";
import { clock } from "../../../components/player/Chapters";
import { parseClock } from "../../../components/player/checkpoints";
import { Notice, useAction } from "../../../components/ui";
import { QuizEditor } from "./QuizEditor";

type Lesson = Schemas["LessonRead"];

/** A video lesson's checkpoints: questions the player stops at (Q3). Add one at a time of
 * the video, move it, edit its questions, delete it; ON_CHANGED reloads the course. */
export function CheckpointsEditor({ lesson, onChanged }: { lesson: Lesson; onChanged(): Promise<void> }) {
  const { t } = useTranslation("editor");
  const checkpoints = lesson.checkpoints ?? [];
  const [at, setAt] = useState("");
  const [title, setTitle] = useState("");
  const action = useAction();

  async function add(event: FormEvent) {
    event.preventDefault();
    const seconds = parseClock(at);
    if (seconds === null) return action.setError(new Error(t("checkpoints.badTime")));
    const done = await action.run(() =>
      unwrap(
        api.POST("/api/lessons/{lesson_id}/checkpoints", {
          params: { path: { lesson_id: lesson.id } },
          body: { at: seconds, title: title.trim() || t("checkpoints.defaultTitle") },
        }),
      ),
    );
    if (done) {
      setAt("");
      setTitle("");
      await onChanged();
    }
  }

  return (
    <details className="chapters-editor">
      <summary>{t("checkpoints.summary", { count: checkpoints.length })}</summary>
      <ul className="checkpoints">
        {checkpoints.map((c) => (
          <CheckpointRow key={c.id} checkpoint={c} lessonTitle={lesson.title} onChanged={onChanged} />
        ))}
      </ul>
      <form className="row wrap" onSubmit={add}>
        <label>
          {t("checkpoints.newTime", { lesson: lesson.title })} <small>{t("checkpoints.timeHint")}</small>
          <input required placeholder="1:30" value={at} onChange={(e) => setAt(e.target.value)} />
        </label>
        <label>
          {t("checkpoints.title")} <small>{t("shared.optional")}</small>
          <input
            value={title}
            maxLength={200}
            onChange={(e) => setTitle(e.target.value)}
            placeholder={t("checkpoints.defaultTitle")}
          />
        </label>
        <button disabled={action.busy}>{t("checkpoints.add")}</button>
      </form>
      <Notice error={action.error} />
    </details>
  );
}

function CheckpointRow({
  checkpoint,
  lessonTitle,
  onChanged,
}: {
  checkpoint: Schemas["CheckpointRef"];
  lessonTitle: string;
  onChanged(): Promise<void>;
}) {
  const { t } = useTranslation("editor");
  const [at, setAt] = useState(clock(checkpoint.at));
  const [editing, setEditing] = useState(false);
  const action = useAction();
  const when = { at: clock(checkpoint.at) };

  async function move(event: FormEvent) {
    event.preventDefault();
    const seconds = parseClock(at);
    if (seconds === null) return action.setError(new Error(t("checkpoints.badTime")));
    const done = await action.run(() =>
      unwrap(
        api.PATCH("/api/quizzes/{quiz_id}", { params: { path: { quiz_id: checkpoint.id } }, body: { at: seconds } }),
      ),
    );
    if (done) await onChanged();
  }

  async function remove() {
    if (!window.confirm(t("checkpoints.deleteConfirm", when))) return;
    const done = await action.run(async () => {
      await unwrap(api.DELETE("/api/quizzes/{quiz_id}", { params: { path: { quiz_id: checkpoint.id } } }));
      return true;
    });
    if (done) await onChanged();
  }

  return (
    <li data-testid="checkpoint-row">
      <form className="row wrap" onSubmit={move}>
        <strong>{clock(checkpoint.at)}</strong>
        <label>
          <span className="sr-only">{t("checkpoints.timeOf", when)}</span>
          <input value={at} onChange={(e) => setAt(e.target.value)} size={8} />
        </label>
        <button disabled={action.busy || parseClock(at) === checkpoint.at}>
          {t("checkpoints.saveTime")} <span className="sr-only">{t("checkpoints.ofCheckpoint", when)}</span>
        </button>
        <button type="button" aria-expanded={editing} onClick={() => setEditing(!editing)}>
          {editing ? t("checkpoints.closeQuestions") : t("checkpoints.editQuestions")}{" "}
          <span className="sr-only">{t("checkpoints.ofCheckpoint", when)}</span>
        </button>
        <button type="button" onClick={() => void remove()} disabled={action.busy}>
          {t("shared.delete")} <span className="sr-only">{t("checkpoints.theCheckpoint", when)}</span>
        </button>
      </form>
      <Notice error={action.error} />
      {editing && (
        <QuizEditor quizId={checkpoint.id} name={t("checkpoints.quizName", { ...when, lesson: lessonTitle })} />
      )}
    </li>
  );
}
