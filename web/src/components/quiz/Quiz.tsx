import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, ApiError, unwrap, type Schemas } from "../../api/client";
import { Loading, Notice, useAction, useLoad } from "../ui";
import {
  answerPayload,
  attemptsLeft,
  countdown,
  draftOf,
  gradedAnswer,
  isAnswered,
  isTyped,
  limitText,
  percentText,
  timeWarning,
  unsavedMessage,
  unsentNote,
  type Draft,
} from "./answers";
import { formatNumber } from "../../i18n/format";
import { FeedbackView, Question, type SaveState } from "./Question";

type AttemptView = Schemas["AttemptView"];
type QuizView = Schemas["QuizView"];
type Feedback = Schemas["Feedback"];
type AnswerIn = Schemas["AnswerIn"];

const TYPING_PAUSE_MS = 500;

const getAttempt = (attempt_id: string) =>
  unwrap(api.GET("/api/attempts/{attempt_id}", { params: { path: { attempt_id } } }));

/** A quiz for its learner: what it asks and how they stand, then an attempt (started or
 * resumed), then its result. COMPACT (a checkpoint over the video) starts at once and
 * calls ON_PASSED as soon as an attempt passes. */
export function Quiz({
  quizId,
  compact = false,
  onPassed,
  onFinished,
}: {
  quizId: string;
  compact?: boolean;
  onPassed?(): void;
  onFinished?(): void;
}) {
  const { t } = useTranslation("quiz");
  const quiz = useLoad(
    () => unwrap(api.GET("/api/quizzes/{quiz_id}", { params: { path: { quiz_id: quizId } } })),
    [quizId],
  );
  const [attempt, setAttempt] = useState<AttemptView | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const start = useAction();
  const q = quiz.data;
  const reloadQuiz = quiz.reload;

  const begin = useCallback(async () => {
    setNote(null);
    const view = await start.run(() =>
      unwrap(api.POST("/api/quizzes/{quiz_id}/attempts", { params: { path: { quiz_id: quizId } } })),
    );
    if (view) setAttempt(view);
  }, [quizId, start]);

  // A checkpoint asks at once: no intro between the paused video and its question.
  const autoStarted = useRef(false);
  useEffect(() => {
    if (!compact || !q || autoStarted.current || q.passed || (!attemptsLeft(q) && !q.open_attempt)) return;
    autoStarted.current = true;
    void begin();
  }, [compact, q, begin]);

  async function finished(view: AttemptView, message?: string) {
    setAttempt(view);
    setNote(message ?? null);
    await reloadQuiz();
    onFinished?.();
    if (view.passed) onPassed?.();
  }

  if (!q) return quiz.error ? <Notice error={quiz.error} /> : <Loading />;

  return (
    <section className={`quiz${compact ? " compact" : ""}`} aria-label={t("label", { title: q.title })}>
      {!compact && <QuizFacts quiz={q} />}
      <Notice error={start.error} />
      {note && <Notice kind="info">{note}</Notice>}
      {attempt?.state === "open" ? (
        <AttemptForm key={attempt.id} attempt={attempt} onDone={finished} />
      ) : attempt ? (
        <>
          <AttemptResult attempt={attempt} passMark={q.pass_mark} />
          {!attempt.passed && attemptsLeft(q) && (
            <button className="primary" onClick={() => void begin()} disabled={start.busy}>
              {t("tryAgain")}
            </button>
          )}
          {!attempt.passed && !attemptsLeft(q) && <p className="muted">{t("noAttemptLeft")}</p>}
        </>
      ) : q.passed && compact ? (
        <Notice kind="success">{t("passedNotice")}</Notice>
      ) : q.open_attempt || attemptsLeft(q) ? (
        <button className="primary" onClick={() => void begin()} disabled={start.busy}>
          {q.open_attempt ? t("resume") : q.attempts_used > 0 ? t("startNew") : t("start")}
        </button>
      ) : (
        <p className="muted">{t("allUsed")}</p>
      )}
    </section>
  );
}

/** Pass mark, attempts, best score and time limit, as a definition list. */
function QuizFacts({ quiz }: { quiz: QuizView }) {
  const { t } = useTranslation("quiz");
  return (
    <dl className="quiz-facts card">
      <div>
        <dt>{t("facts.questions")}</dt>
        <dd>{quiz.question_count}</dd>
      </div>
      <div>
        <dt>{t("facts.passMark")}</dt>
        <dd>{percentText(quiz.pass_mark)}</dd>
      </div>
      <div>
        <dt>{t("facts.attempts")}</dt>
        <dd data-testid="attempts">
          {quiz.attempts_allowed == null
            ? t("facts.usedUnlimited", { used: quiz.attempts_used })
            : t("facts.used", { used: quiz.attempts_used, count: quiz.attempts_allowed })}
        </dd>
      </div>
      <div>
        <dt>{t("facts.best")}</dt>
        <dd data-testid="best-score">
          {percentText(quiz.best_percent)}
          {quiz.passed && <span className="badge done">{t("facts.passed")}</span>}
        </dd>
      </div>
      <div>
        <dt>{t("facts.timeLimit")}</dt>
        <dd>{quiz.time_limit ? limitText(quiz.time_limit) : t("facts.none")}</dd>
      </div>
    </dl>
  );
}

/** The questions of an open attempt; each answer is saved as it is given. */
function AttemptForm({
  attempt,
  onDone,
}: {
  attempt: AttemptView;
  onDone(view: AttemptView, message?: string): Promise<void>;
}) {
  const { t } = useTranslation("quiz");
  const [drafts, setDrafts] = useState<Record<string, Draft>>(() =>
    Object.fromEntries(attempt.questions.map((q) => [q.id, draftOf(q, attempt.answers[q.id])])),
  );
  const [states, setStates] = useState<Record<string, SaveState>>(() =>
    Object.fromEntries(Object.keys(attempt.answers).map((id) => [id, "saved" as SaveState])),
  );
  const [feedback, setFeedback] = useState<Record<string, Feedback>>(() =>
    Object.fromEntries(attempt.feedback.map((f) => [f.question_id, f])),
  );
  // What the server holds for each question, as far as this page knows (a cleared number
  // is not sent, so the number saved before stays and is what gets graded).
  const [saved, setSaved] = useState<Record<string, AnswerIn>>(() => ({ ...attempt.answers }));
  const [error, setError] = useState<unknown>(null);
  const [announce, setAnnounce] = useState("");
  const [blocked, setBlocked] = useState(false); // a submit was held back by unsaved answers
  const submit = useAction();
  const timers = useRef<Record<string, number>>({});
  const tickets = useRef<Record<string, number>>({});
  const applied = useRef<Record<string, number>>({}); // the ticket of the save last stored
  const failed = useRef(new Set<string>()); // questions whose latest save failed
  const pending = useRef(new Set<Promise<unknown>>());
  const closed = useRef(false);
  useEffect(() => {
    const waiting = timers.current;
    return () => Object.values(waiting).forEach((id) => window.clearTimeout(id));
  }, []);

  // The server is the clock's authority: once it says time is up, show what it graded.
  const expire = useCallback(async () => {
    if (closed.current) return;
    closed.current = true;
    const view = await getAttempt(attempt.id).catch(() => null);
    if (view && view.state !== "open") {
      await onDone(view, t("timeUp"));
    } else {
      closed.current = false;
    }
  }, [attempt.id, onDone, t]);

  const save = useCallback(
    (question: Schemas["QuestionView"], number: number, draft: Draft) => {
      if (closed.current) return;
      const body = answerPayload(question.type, draft);
      const id = question.id;
      const ticket = (tickets.current[id] ?? 0) + 1;
      tickets.current[id] = ticket;
      if (!body) {
        // Nothing to send (an emptied or unreadable number): whatever is saved stays, and
        // the question says so (see unsentNote) rather than showing an earlier "Saved".
        failed.current.delete(id);
        setStates((s) => ({ ...s, [id]: "unsent" }));
        return;
      }
      setStates((s) => ({ ...s, [id]: "saving" }));
      const call = unwrap(
        api.PUT("/api/attempts/{attempt_id}/answers/{question_id}", {
          params: { path: { attempt_id: attempt.id, question_id: id } },
          body,
        }),
      ).then(
        (stored) => {
          if (ticket > (applied.current[id] ?? 0)) {
            applied.current[id] = ticket;
            setSaved((a) => ({ ...a, [id]: body }));
          }
          if (tickets.current[id] !== ticket) return;
          failed.current.delete(id);
          setStates((s) => ({ ...s, [id]: "saved" }));
          setAnnounce(isAnswered(body) ? t("announce.saved", { number }) : t("announce.cleared", { number }));
          if (stored.feedback) setFeedback((f) => ({ ...f, [id]: stored.feedback! }));
        },
        (e: unknown) => {
          if (e instanceof ApiError && e.code === "attempt_expired") return void expire();
          if (tickets.current[id] !== ticket) return;
          failed.current.add(id);
          setStates((s) => ({ ...s, [id]: "error" }));
          setError(e);
          setAnnounce(t("announce.failed", { number }));
        },
      );
      pending.current.add(call);
      void call.finally(() => pending.current.delete(call));
    },
    [attempt.id, expire, t],
  );

  function change(question: Schemas["QuestionView"], number: number, draft: Draft) {
    setDrafts((d) => ({ ...d, [question.id]: draft }));
    setError(null);
    window.clearTimeout(timers.current[question.id]);
    delete timers.current[question.id];
    if (!isTyped(question.type)) return save(question, number, draft);
    setStates((s) => ({ ...s, [question.id]: undefined }));
    timers.current[question.id] = window.setTimeout(() => {
      delete timers.current[question.id];
      save(question, number, draft);
    }, TYPING_PAUSE_MS);
  }

  function commit(question: Schemas["QuestionView"], number: number) {
    if (timers.current[question.id] === undefined) return;
    window.clearTimeout(timers.current[question.id]);
    delete timers.current[question.id];
    save(question, number, drafts[question.id]);
  }

  async function send() {
    const unanswered = attempt.questions.filter(
      (q) => !feedback[q.id] && !isAnswered(gradedAnswer(q.type, drafts[q.id], saved[q.id])),
    ).length;
    const ask = unanswered ? t("confirm.unanswered", { count: unanswered }) : t("confirm.final");
    if (!window.confirm(ask)) return;
    // Typed answers still waiting for the pause, orders left as shown, and answers whose
    // save failed (tried once more) are saved first.
    attempt.questions.forEach((q, i) => {
      const waiting = timers.current[q.id] !== undefined;
      const untouchedOrder = q.type === "ordering" && states[q.id] === undefined;
      if (waiting || untouchedOrder || failed.current.has(q.id)) {
        window.clearTimeout(timers.current[q.id]);
        delete timers.current[q.id];
        save(q, i + 1, drafts[q.id]);
      }
    });
    await Promise.allSettled([...pending.current]);
    if (closed.current) return;
    // An answer that did not save would be graded as it was before (or as missing): the
    // attempt stays open, and the questions concerned are named, to try again.
    if (attempt.questions.some((q) => failed.current.has(q.id))) {
      setBlocked(true);
      return;
    }
    setBlocked(false);
    const view = await submit.run(async () => {
      try {
        return await unwrap(
          api.POST("/api/attempts/{attempt_id}/submit", { params: { path: { attempt_id: attempt.id } } }),
        );
      } catch (e) {
        if (e instanceof ApiError && e.code === "attempt_expired") {
          closed.current = true;
          await onDone(await getAttempt(attempt.id), e.message);
          return undefined;
        }
        throw e;
      }
    });
    if (view) {
      closed.current = true;
      await onDone(view);
    }
  }

  const answered = attempt.questions.filter((q) => feedback[q.id] || isAnswered(saved[q.id])).length;
  const unsaved = blocked
    ? unsavedMessage(attempt.questions.flatMap((q, i) => (states[q.id] === "error" ? [i + 1] : [])))
    : null;
  return (
    <form
      className="attempt"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <div className="row spread attempt-head">
        <span className="muted">
          {t("attempt.head", { number: attempt.number, answered, count: attempt.questions.length })}
        </span>
        {attempt.deadline && <Countdown deadline={attempt.deadline} onWarn={setAnnounce} onExpire={expire} />}
      </div>
      <p className="sr-only" aria-live="polite" role="status">
        {announce}
      </p>
      {attempt.questions.map((question, i) => (
        <Question
          key={question.id}
          question={question}
          number={i + 1}
          draft={drafts[question.id]}
          state={states[question.id]}
          note={
            states[question.id] === "unsent" ? unsentNote(question.type, drafts[question.id], saved[question.id]) : null
          }
          feedback={feedback[question.id]}
          disabled={!!feedback[question.id] || submit.busy}
          onChange={(draft) => change(question, i + 1, draft)}
          onCommit={() => commit(question, i + 1)}
        />
      ))}
      <Notice error={submit.error ?? error} />
      {unsaved && (
        <p className="error-text" role="alert" data-testid="unsaved-answers">
          {unsaved}
        </p>
      )}
      <button className="primary" disabled={submit.busy}>
        {t("submit")}
      </button>
    </form>
  );
}

/** Time left until DEADLINE; screen readers hear it at 5 min, 1 min and 30 s. */
function Countdown({ deadline, onWarn, onExpire }: { deadline: string; onWarn(text: string): void; onExpire(): void }) {
  const { t } = useTranslation("quiz");
  const end = Date.parse(deadline);
  const [left, setLeft] = useState(() => (end - Date.now()) / 1000);
  const last = useRef(left);
  useEffect(() => {
    const timer = window.setInterval(() => {
      const now = (end - Date.now()) / 1000;
      const warning = timeWarning(last.current, now);
      if (warning) onWarn(t("time.warning", { left: warning }));
      // Ask the server a moment after the deadline (its clock decides), then every 2 s.
      if (now <= -1 && Math.round(now) % 2 === 0) onExpire();
      last.current = now;
      setLeft(now);
    }, 1000);
    return () => window.clearInterval(timer);
  }, [end, onWarn, onExpire, t]);
  return (
    <span className={`countdown${left <= 60 ? " low" : ""}`} role="timer" aria-label={t("time.label")}>
      ⏱ {countdown(left)}
    </span>
  );
}

/** A submitted attempt: score, passed or not, and the feedback the server chose to send. */
export function AttemptResult({ attempt, passMark }: { attempt: AttemptView; passMark: number }) {
  const { t } = useTranslation("quiz");
  const byId = new Map(attempt.feedback.map((f) => [f.question_id, f]));
  return (
    <div className="attempt-result" data-testid="quiz-result" data-passed={attempt.passed ? "true" : "false"}>
      <div className={`card result-head ${attempt.passed ? "right" : "wrong"}`} role="status">
        <h2>{attempt.passed ? t("result.passed") : t("result.notPassed")}</h2>
        <p>
          {t("result.score", {
            score: formatNumber(Math.round((attempt.score ?? 0) * 100) / 100),
            max: formatNumber(Math.round((attempt.max_score ?? 0) * 100) / 100),
            percent: percentText(attempt.percent),
            passMark: percentText(passMark),
          })}
        </p>
        {attempt.expired && <p className="muted">{t("result.expired")}</p>}
      </div>
      {attempt.feedback.length > 0 && (
        <ol className="result-questions">
          {attempt.questions.map((q, i) => {
            const f = byId.get(q.id);
            return (
              <li key={q.id} className="card">
                <h3>{t("question.title", { number: i + 1 })}</h3>
                <div className="prose" dangerouslySetInnerHTML={{ __html: q.stem_html }} />
                {f ? <FeedbackView question={q} feedback={f} /> : <p className="muted">{t("result.notAnswered")}</p>}
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}

/** The quiz as a new attempt would show it, with nothing saved (the studio's preview). */
export function QuizPreview({ attempt }: { attempt: AttemptView }) {
  return (
    <div className="attempt preview" data-testid="quiz-preview">
      {attempt.questions.map((question, i) => (
        <Question
          key={question.id}
          question={question}
          number={i + 1}
          draft={draftOf(question, undefined)}
          disabled
          onChange={() => undefined}
        />
      ))}
    </div>
  );
}
