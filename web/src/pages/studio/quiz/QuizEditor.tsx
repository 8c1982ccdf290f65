import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, ApiError, unwrap, type Schemas } from "../../../api/client";
import { QuizPreview } from "../../../components/quiz/Quiz";
import { Loading, Notice, useAction, useLoad } from "../../../components/ui";
import { moved } from "../../../components/quiz/answers";
import { draftProblem, newDraft, toDraft, toQuestionIn, type QuestionDraft, type QuestionType } from "./drafts";
import { QuestionForm } from "./QuestionForm";
import { problemText, typeNames } from "./wording";

type QuizEdit = Schemas["QuizEdit"];

/** A quiz's questions and settings, its student preview, GIFT import and results link.
 * Questions are edited here and saved as one list (PUT with the version read: a save by
 * someone else in between is refused, not overwritten). The version belongs to the
 * drafts: only reading the questions (a load, a save of them, an import, a reload) moves
 * it on; a settings save does not, so stale drafts still meet 409 edit_conflict. */
export function QuizEditor({ quizId, name }: { quizId: string; name: string }) {
  const quiz = useLoad(
    () => unwrap(api.GET("/api/quizzes/{quiz_id}/edit", { params: { path: { quiz_id: quizId } } })),
    [quizId],
  );
  if (!quiz.data) return quiz.error ? <Notice error={quiz.error} /> : <Loading />;
  return <Editor key={quiz.data.id} quiz={quiz.data} name={name} onSaved={quiz.setData} />;
}

function Editor({ quiz, name, onSaved }: { quiz: QuizEdit; name: string; onSaved(quiz: QuizEdit): void }) {
  const { t } = useTranslation("editor");
  const types = typeNames(t);
  const [drafts, setDrafts] = useState<QuestionDraft[]>(() => quiz.questions.map(toDraft));
  const [version, setVersion] = useState(quiz.version); // of the questions the drafts came from
  const [open, setOpen] = useState<number | null>(null);
  const [dirty, setDirty] = useState(false);
  const [addType, setAddType] = useState<QuestionType>("single");
  const save = useAction();
  const [conflict, setConflict] = useState(false);

  /** Starts again from the questions as stored (after a save, an import or a reload). */
  function adopt(stored: QuizEdit) {
    onSaved(stored);
    setDrafts(stored.questions.map(toDraft));
    setVersion(stored.version);
    setDirty(false);
    setOpen(null);
    setConflict(false);
  }

  async function reload() {
    const fresh = await save.run(() =>
      unwrap(api.GET("/api/quizzes/{quiz_id}/edit", { params: { path: { quiz_id: quiz.id } } })),
    );
    if (fresh) adopt(fresh);
  }

  function change(next: QuestionDraft[]) {
    setDrafts(next);
    setDirty(true);
  }

  async function saveQuestions() {
    const problems = drafts.map(draftProblem);
    const index = problems.findIndex(Boolean);
    const problem = problems[index];
    if (problem) {
      setOpen(index);
      save.setError(new Error(t("quiz.problem", { n: index + 1, problem: problemText(t, problem) })));
      return;
    }
    const saved = await save.run(async () => {
      try {
        return await unwrap(
          api.PUT("/api/quizzes/{quiz_id}/questions", {
            params: { path: { quiz_id: quiz.id } },
            body: { version, questions: drafts.map(toQuestionIn) },
          }),
        );
      } catch (e) {
        if (e instanceof ApiError && e.code === "edit_conflict") setConflict(true);
        throw e;
      }
    });
    if (saved) adopt(saved); // a new version: the editor starts again from what is stored
  }

  return (
    <div className="quiz-editor" data-testid="quiz-editor">
      {/* Settings only: the drafts keep the version they were read at (see QuizEditor). */}
      <QuizSettingsForm quiz={quiz} onSaved={onSaved} />
      <h4>{t("quiz.questionsOf", { name })}</h4>
      {drafts.length === 0 && <p className="muted">{t("quiz.empty")}</p>}
      <ol className="question-list">
        {drafts.map((d, i) => (
          <li key={i}>
            <div className="row spread">
              <span>
                <strong>{i + 1}.</strong> <span className="badge">{types[d.type]}</span>{" "}
                {d.stem.slice(0, 80) || <em className="muted">{t("quiz.noText")}</em>}
              </span>
              <span className="row">
                <button type="button" aria-expanded={open === i} onClick={() => setOpen(open === i ? null : i)}>
                  {open === i ? t("quiz.close") : t("shared.edit")}{" "}
                  <span className="sr-only">{t("quiz.questionWhich", { n: i + 1 })}</span>
                </button>
                <button
                  type="button"
                  aria-label={t("quiz.up", { n: i + 1 })}
                  disabled={i === 0}
                  onClick={() => {
                    change(moved(drafts, i, -1));
                    setOpen(null);
                  }}
                >
                  ↑
                </button>
                <button
                  type="button"
                  aria-label={t("quiz.down", { n: i + 1 })}
                  disabled={i === drafts.length - 1}
                  onClick={() => {
                    change(moved(drafts, i, 1));
                    setOpen(null);
                  }}
                >
                  ↓
                </button>
                <button
                  type="button"
                  aria-label={t("quiz.deleteAria", { n: i + 1 })}
                  onClick={() => {
                    if (!window.confirm(t("quiz.deleteConfirm", { n: i + 1 }))) return;
                    change(drafts.filter((_, j) => j !== i));
                    setOpen(null);
                  }}
                >
                  ✕
                </button>
              </span>
            </div>
            {open === i && (
              <QuestionForm
                number={i + 1}
                draft={d}
                onChange={(next) => change(drafts.map((x, j) => (j === i ? next : x)))}
              />
            )}
          </li>
        ))}
      </ol>
      <div className="row wrap">
        <label>
          {t("quiz.newType")}
          <select value={addType} onChange={(e) => setAddType(e.target.value as QuestionType)}>
            {Object.entries(types).map(([type, label]) => (
              <option key={type} value={type}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          onClick={() => {
            change([...drafts, newDraft(addType)]);
            setOpen(drafts.length);
          }}
        >
          {t("quiz.add")}
        </button>
        <button type="button" className="primary" disabled={!dirty || save.busy} onClick={() => void saveQuestions()}>
          {t("quiz.save")}
        </button>
        {dirty && <span className="muted">{t("shared.unsaved")}</span>}
      </div>
      <Notice error={save.error} />
      {conflict && (
        <button type="button" onClick={() => void reload()}>
          {t("quiz.reload")}
        </button>
      )}
      <GiftImport quizId={quiz.id} dirty={dirty} onImported={adopt} />
      <Preview quizId={quiz.id} dirty={dirty} />
      <p>
        <Link to={`/studio/quizzes/${quiz.id}/results`}>{t("quiz.resultsOf", { name })}</Link>
      </p>
    </div>
  );
}

function QuizSettingsForm({ quiz, onSaved }: { quiz: QuizEdit; onSaved(quiz: QuizEdit): void }) {
  const { t } = useTranslation("editor");
  const reveals: [Schemas["Reveal"], string][] = [
    ["after_pass", t("settings.reveals.after_pass")],
    ["after_last", t("settings.reveals.after_last")],
    ["after_each", t("settings.reveals.after_each")],
    ["never", t("settings.reveals.never")],
  ];
  const s = quiz.settings;
  // A checkpoint can always be tried again (the server enforces it): a limit would leave a
  // learner who failed it unable to watch the rest of the video.
  const checkpoint = quiz.kind === "checkpoint";
  const [passMark, setPassMark] = useState(String(s.pass_mark));
  const [attempts, setAttempts] = useState(s.attempts == null ? "" : String(s.attempts));
  const [minutes, setMinutes] = useState(s.time_limit == null ? "" : String(s.time_limit / 60));
  const [shuffleQuestions, setShuffleQuestions] = useState(s.shuffle_questions);
  const [shuffleOptions, setShuffleOptions] = useState(s.shuffle_options);
  const [reveal, setReveal] = useState(s.reveal);
  const action = useAction();
  const [saved, setSaved] = useState(false);
  useEffect(() => setSaved(false), [passMark, attempts, minutes, shuffleQuestions, shuffleOptions, reveal]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const done = await action.run(() =>
      unwrap(
        api.PATCH("/api/quizzes/{quiz_id}", {
          params: { path: { quiz_id: quiz.id } },
          body: {
            settings: {
              pass_mark: Number(passMark),
              attempts: !checkpoint && attempts.trim() ? Number(attempts) : null,
              time_limit: minutes.trim() ? Math.round(Number(minutes) * 60) : null,
              shuffle_questions: shuffleQuestions,
              shuffle_options: shuffleOptions,
              reveal,
            },
          },
        }),
      ),
    );
    if (done) {
      onSaved(done);
      setSaved(true);
    }
  }

  return (
    <form className="row wrap quiz-settings" onSubmit={submit} aria-label={t("settings.label")}>
      <label>
        {t("settings.passMark")}
        <input
          type="number"
          min="0"
          max="100"
          required
          value={passMark}
          onChange={(e) => setPassMark(e.target.value)}
        />
      </label>
      {checkpoint ? (
        <p className="muted" data-testid="checkpoint-attempts">
          {t("settings.checkpointAttempts")}
        </p>
      ) : (
        <label>
          {t("settings.attempts")}
          <input
            type="number"
            min="1"
            max="100"
            placeholder={t("settings.unlimited")}
            value={attempts}
            onChange={(e) => setAttempts(e.target.value)}
          />
        </label>
      )}
      <label>
        {t("settings.timeLimit")}
        <input
          type="number"
          min="0.5"
          max="1440"
          step="0.5"
          placeholder={t("settings.none")}
          value={minutes}
          onChange={(e) => setMinutes(e.target.value)}
        />
      </label>
      <label>
        {t("settings.reveal")}
        <select value={reveal} onChange={(e) => setReveal(e.target.value as Schemas["Reveal"])}>
          {reveals.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <label className="inline">
        <input type="checkbox" checked={shuffleQuestions} onChange={(e) => setShuffleQuestions(e.target.checked)} />{" "}
        {t("settings.shuffleQuestions")}
      </label>
      <label className="inline">
        <input type="checkbox" checked={shuffleOptions} onChange={(e) => setShuffleOptions(e.target.checked)} />{" "}
        {t("settings.shuffleOptions")}
      </label>
      <button disabled={action.busy}>{t("settings.save")}</button>
      {saved && <span role="status">{t("settings.saved")}</span>}
      <Notice error={action.error} />
    </form>
  );
}

/** Moodle GIFT, pasted or from a file; the server names the line it cannot read. */
function GiftImport({ quizId, dirty, onImported }: { quizId: string; dirty: boolean; onImported(q: QuizEdit): void }) {
  const { t } = useTranslation("editor");
  const [text, setText] = useState("");
  const action = useAction();
  async function submit(event: FormEvent) {
    event.preventDefault();
    const done = await action.run(() =>
      unwrap(api.POST("/api/quizzes/{quiz_id}/import", { params: { path: { quiz_id: quizId } }, body: { text } })),
    );
    if (done) {
      setText("");
      onImported(done);
    }
  }
  return (
    <details>
      <summary>{t("gift.summary")}</summary>
      <form onSubmit={submit}>
        <label>
          {t("gift.file")}
          <input
            type="file"
            accept=".gift,.txt,text/plain"
            onChange={(e) => void e.target.files?.[0]?.text().then(setText)}
          />
        </label>
        <label>
          {t("gift.text")} <small>{t("gift.textHint")}</small>
          <textarea rows={5} value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        {dirty && <p className="muted">{t("gift.saveFirst")}</p>}
        <button disabled={!text.trim() || dirty || action.busy}>{t("gift.import")}</button>
        <Notice error={action.error} />
      </form>
    </details>
  );
}

function Preview({ quizId, dirty }: { quizId: string; dirty: boolean }) {
  const { t } = useTranslation("editor");
  const [view, setView] = useState<Schemas["AttemptView"] | null>(null);
  const action = useAction();
  async function show() {
    const found = await action.run(() =>
      unwrap(api.GET("/api/quizzes/{quiz_id}/preview", { params: { path: { quiz_id: quizId } } })),
    );
    if (found) setView(found);
  }
  return (
    <div className="quiz-preview">
      {view ? (
        <>
          <div className="row spread">
            <h4>
              {t("preview.title")} {dirty && <small className="muted">{t("preview.savedOnly")}</small>}
            </h4>
            <button type="button" onClick={() => setView(null)}>
              {t("preview.close")}
            </button>
          </div>
          <QuizPreview attempt={view} />
        </>
      ) : (
        <button type="button" onClick={() => void show()} disabled={action.busy}>
          {t("preview.title")}
        </button>
      )}
      <Notice error={action.error} />
    </div>
  );
}
