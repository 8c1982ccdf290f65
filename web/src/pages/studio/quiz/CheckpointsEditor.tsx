import { useState, type FormEvent } from "react";
import { api, unwrap, type Schemas } from "../../../api/client";
import { clock } from "../../../components/player/Chapters";
import { parseClock } from "../../../components/player/checkpoints";
import { Notice, useAction } from "../../../components/ui";
import { QuizEditor } from "./QuizEditor";

type Lesson = Schemas["LessonRead"];

/** A video lesson's checkpoints: questions the player stops at (Q3). Add one at a time of
 * the video, move it, edit its questions, delete it; ON_CHANGED reloads the course. */
export function CheckpointsEditor({ lesson, onChanged }: { lesson: Lesson; onChanged(): Promise<void> }) {
  const checkpoints = lesson.checkpoints ?? [];
  const [at, setAt] = useState("");
  const [title, setTitle] = useState("");
  const action = useAction();

  async function add(event: FormEvent) {
    event.preventDefault();
    const seconds = parseClock(at);
    if (seconds === null) return action.setError(new Error("Give the time as m:ss, e.g. 1:30."));
    const done = await action.run(() =>
      unwrap(
        api.POST("/api/lessons/{lesson_id}/checkpoints", {
          params: { path: { lesson_id: lesson.id } },
          body: { at: seconds, title: title.trim() || "Checkpoint" },
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
      <summary>Checkpoints ({checkpoints.length})</summary>
      <ul className="checkpoints">
        {checkpoints.map((c) => (
          <CheckpointRow key={c.id} checkpoint={c} lessonTitle={lesson.title} onChanged={onChanged} />
        ))}
      </ul>
      <form className="row wrap" onSubmit={add}>
        <label>
          New checkpoint time in {lesson.title} <small>(m:ss)</small>
          <input required placeholder="1:30" value={at} onChange={(e) => setAt(e.target.value)} />
        </label>
        <label>
          Checkpoint title <small>(optional)</small>
          <input value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} placeholder="Checkpoint" />
        </label>
        <button disabled={action.busy}>Add checkpoint</button>
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
  const [at, setAt] = useState(clock(checkpoint.at));
  const [editing, setEditing] = useState(false);
  const action = useAction();
  const label = `checkpoint at ${clock(checkpoint.at)}`;

  async function move(event: FormEvent) {
    event.preventDefault();
    const seconds = parseClock(at);
    if (seconds === null) return action.setError(new Error("Give the time as m:ss, e.g. 1:30."));
    const done = await action.run(() =>
      unwrap(
        api.PATCH("/api/quizzes/{quiz_id}", { params: { path: { quiz_id: checkpoint.id } }, body: { at: seconds } }),
      ),
    );
    if (done) await onChanged();
  }

  async function remove() {
    if (!window.confirm(`Delete the ${label} and its answers?`)) return;
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
          <span className="sr-only">Time of the {label}</span>
          <input value={at} onChange={(e) => setAt(e.target.value)} size={8} />
        </label>
        <button disabled={action.busy || parseClock(at) === checkpoint.at}>
          Save time <span className="sr-only">of the {label}</span>
        </button>
        <button type="button" aria-expanded={editing} onClick={() => setEditing(!editing)}>
          {editing ? "Close questions" : "Edit questions"} <span className="sr-only">of the {label}</span>
        </button>
        <button type="button" onClick={() => void remove()} disabled={action.busy}>
          Delete <span className="sr-only">the {label}</span>
        </button>
      </form>
      <Notice error={action.error} />
      {editing && <QuizEditor quizId={checkpoint.id} name={`the ${label} of ${lessonTitle}`} />}
    </li>
  );
}
