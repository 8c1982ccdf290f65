import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../api/client";
import { formatNumber } from "../../i18n/format";
import { moved, type Draft } from "./answers";

type QuestionView = Schemas["QuestionView"];
type Feedback = Schemas["Feedback"];

/** "unsent": the input holds nothing that can be sent (an emptied number field). */
export type SaveState = "saving" | "saved" | "error" | "unsent" | undefined;

const round = (points: number) => Math.round(points * 100) / 100;

/** One question as a fieldset: its stem, the input its type asks for, the save state and,
 * once the server sends it, the feedback. */
export function Question({
  question,
  number,
  draft,
  state,
  note,
  feedback,
  disabled,
  onChange,
  onCommit,
}: {
  question: QuestionView;
  number: number;
  draft: Draft;
  state?: SaveState;
  /** Why the input was not sent, shown instead of the save state (e.g. a number kept). */
  note?: string | null;
  feedback?: Feedback;
  disabled: boolean;
  onChange(draft: Draft): void;
  /** Typing stopped (the input lost focus): save now rather than after the pause. */
  onCommit?(): void;
}) {
  const { t } = useTranslation("quiz");
  const name = `q-${question.id}`;
  const stemId = `${name}-stem`;
  const options = question.options;
  return (
    <fieldset className="card question" aria-describedby={stemId} data-question-type={question.type}>
      <legend>
        {t("question.title", { number })}{" "}
        <small className="muted">({t("points", { count: round(question.points) })})</small>
      </legend>
      {/* Markdown rendered and sanitised by the server with an allow-list (U6). */}
      <div id={stemId} className="prose" dangerouslySetInnerHTML={{ __html: question.stem_html }} />
      {question.type === "single" &&
        options.map((o) => (
          <label key={o.id} className="check">
            <input
              type="radio"
              name={name}
              value={o.id}
              checked={draft.choices[0] === o.id}
              disabled={disabled}
              onChange={() => onChange({ ...draft, choices: [o.id] })}
            />{" "}
            {o.text}
          </label>
        ))}
      {question.type === "multiple" &&
        options.map((o) => (
          <label key={o.id} className="check">
            <input
              type="checkbox"
              name={name}
              value={o.id}
              checked={draft.choices.includes(o.id)}
              disabled={disabled}
              onChange={(e) =>
                onChange({
                  ...draft,
                  choices: e.target.checked
                    ? options.map((x) => x.id).filter((id) => id === o.id || draft.choices.includes(id))
                    : draft.choices.filter((id) => id !== o.id),
                })
              }
            />{" "}
            {o.text}
          </label>
        ))}
      {question.type === "true_false" &&
        ([true, false] as const).map((value) => (
          <label key={String(value)} className="check">
            <input
              type="radio"
              name={name}
              checked={draft.truth === value}
              disabled={disabled}
              onChange={() => onChange({ ...draft, truth: value })}
            />{" "}
            {value ? t("true") : t("false")}
          </label>
        ))}
      {(question.type === "numeric" || question.type === "short_text") && (
        <label>
          {t("question.answer")} <span className="sr-only">{t("question.answerTo", { number })}</span>
          <input
            type="text"
            inputMode={question.type === "numeric" ? "decimal" : undefined}
            autoComplete="off"
            maxLength={500}
            value={draft.text}
            disabled={disabled}
            onChange={(e) => onChange({ ...draft, text: e.target.value })}
            onBlur={onCommit}
          />
        </label>
      )}
      {question.type === "ordering" && (
        <Ordering
          number={number}
          options={options}
          order={draft.choices}
          disabled={disabled}
          onChange={(choices) => onChange({ ...draft, choices })}
        />
      )}
      {note ? (
        <p className="save-state muted" data-testid="save-state">
          {note}
        </p>
      ) : (
        state &&
        state !== "unsent" && (
          <p className={`save-state ${state === "error" ? "error-text" : "muted"}`} data-testid="save-state">
            {state === "saving" ? t("save.saving") : state === "saved" ? t("save.saved") : t("save.failed")}
          </p>
        )
      )}
      {feedback && <FeedbackView question={question} feedback={feedback} />}
    </fieldset>
  );
}

/** Put the items in order with buttons (no dragging: keyboard and touch work alike). The
 * moved item's button keeps the focus, so pressing it again moves it further. */
function Ordering({
  number,
  options,
  order,
  disabled,
  onChange,
}: {
  number: number;
  options: Schemas["OptionView"][];
  order: string[];
  disabled: boolean;
  onChange(order: string[]): void;
}) {
  const { t } = useTranslation("quiz");
  const list = useRef<HTMLOListElement>(null);
  const [focus, setFocus] = useState<{ id: string; dir: "up" | "down" } | null>(null);
  const text = new Map(options.map((o) => [o.id, o.text]));
  useEffect(() => {
    if (!focus || !list.current) return;
    const item = list.current.querySelector(`[data-option="${CSS.escape(focus.id)}"]`);
    const wanted = item?.querySelector<HTMLButtonElement>(`button[data-dir="${focus.dir}"]`);
    const other = item?.querySelector<HTMLButtonElement>(`button[data-dir="${focus.dir === "up" ? "down" : "up"}"]`);
    (wanted && !wanted.disabled ? wanted : other)?.focus();
    setFocus(null);
  }, [focus, order]);

  function move(index: number, dir: "up" | "down") {
    onChange(moved(order, index, dir === "up" ? -1 : 1));
    setFocus({ id: order[index], dir });
  }

  return (
    <ol className="ordering" ref={list} aria-label={t("order.label", { number })}>
      {order.map((id, i) => (
        <li key={id} data-option={id}>
          <span>{text.get(id) ?? id}</span>
          <span className="row">
            <button
              type="button"
              data-dir="up"
              aria-label={t("order.up", { item: text.get(id) })}
              disabled={disabled || i === 0}
              onClick={() => move(i, "up")}
            >
              ↑
            </button>
            <button
              type="button"
              data-dir="down"
              aria-label={t("order.down", { item: text.get(id) })}
              disabled={disabled || i === order.length - 1}
              onClick={() => move(i, "down")}
            >
              ↓
            </button>
          </span>
        </li>
      ))}
    </ol>
  );
}

/** Right or wrong, the points, and the right answer and explanation when the server sent
 * them (the quiz's reveal policy decides; nothing here guesses an answer). */
export function FeedbackView({ question, feedback }: { question: QuestionView; feedback: Feedback }) {
  const { t } = useTranslation("quiz");
  const answer = feedback.answer;
  const text = new Map(question.options.map((o) => [o.id, o.text]));
  const partial = !feedback.correct && feedback.points > 0;
  return (
    <div className={`feedback ${feedback.correct ? "right" : "wrong"}`} data-testid="feedback">
      <p>
        <strong>
          {feedback.correct ? t("feedback.correct") : partial ? t("feedback.partly") : t("feedback.incorrect")}
        </strong>{" "}
        <span className="muted">
          ({t("feedback.points", { points: round(feedback.points), count: round(feedback.max_points) })})
        </span>
      </p>
      {answer && (
        <>
          {answer.correct.length > 0 && (
            <p>
              {question.type === "ordering" ? t("feedback.rightOrder") : t("feedback.rightAnswer")}{" "}
              {answer.correct.map((id) => text.get(id) ?? id).join(question.type === "ordering" ? " → " : ", ")}
            </p>
          )}
          {answer.truth != null && (
            <p>
              {t("feedback.rightAnswer")} {answer.truth ? t("true") : t("false")}
            </p>
          )}
          {answer.value != null && (
            <p>
              {t("feedback.rightAnswer")} {formatNumber(answer.value)}
              {answer.tolerance ? ` (± ${formatNumber(answer.tolerance)})` : ""}
            </p>
          )}
          {answer.accepted.length > 0 && (
            <p>
              {t("feedback.accepted")} {answer.accepted.join(", ")}
            </p>
          )}
          {answer.explanation_html && (
            /* Sanitised by the server like every rendered Markdown (U6). */
            <div className="prose" dangerouslySetInnerHTML={{ __html: answer.explanation_html }} />
          )}
        </>
      )}
    </div>
  );
}
