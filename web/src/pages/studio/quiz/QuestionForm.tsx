import { moved } from "../../../components/quiz/answers";
import {
  MIN_ORDERING_ITEMS,
  retyped,
  TYPE_NAMES,
  type OptionDraft,
  type QuestionDraft,
  type QuestionType,
} from "./drafts";

/** One question as its instructor writes it; every control is labelled with the
 * question's number so a page with several open forms stays unambiguous. */
export function QuestionForm({
  number,
  draft,
  onChange,
}: {
  number: number;
  draft: QuestionDraft;
  onChange(draft: QuestionDraft): void;
}) {
  const set = (patch: Partial<QuestionDraft>) => onChange({ ...draft, ...patch });
  const setOptions = (options: OptionDraft[]) => set({ options });
  const choice = draft.type === "single" || draft.type === "multiple";
  const ordering = draft.type === "ordering";
  const n = number;

  function setOption(i: number, patch: Partial<OptionDraft>) {
    setOptions(
      draft.options.map((o, j) =>
        j === i ? { ...o, ...patch } : draft.type === "single" && patch.correct ? { ...o, correct: false } : o,
      ),
    );
  }

  return (
    <fieldset className="question-form">
      <legend>Question {n}</legend>
      <div className="row wrap">
        <label>
          Question type
          <select value={draft.type} onChange={(e) => onChange(retyped(draft, e.target.value as QuestionType))}>
            {Object.entries(TYPE_NAMES).map(([type, name]) => (
              <option key={type} value={type}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Points
          <input
            type="number"
            min="0.01"
            max="1000"
            step="any"
            value={draft.points}
            onChange={(e) => set({ points: e.target.value })}
          />
        </label>
      </div>
      <label>
        Question text <small>(Markdown)</small>
        <textarea rows={3} value={draft.stem} onChange={(e) => set({ stem: e.target.value })} />
      </label>
      {(choice || ordering) && (
        <fieldset>
          <legend>
            {ordering ? (
              <>
                Items, in the right order <small>(at least {MIN_ORDERING_ITEMS})</small>
              </>
            ) : (
              "Options"
            )}
          </legend>
          {draft.options.map((o, i) => (
            <div key={i} className="option-row">
              {choice && (
                <label className="inline">
                  <input
                    type={draft.type === "single" ? "radio" : "checkbox"}
                    name={`correct-${n}`}
                    checked={o.correct}
                    onChange={(e) => setOption(i, { correct: e.target.checked })}
                  />
                  <span className="sr-only">
                    Option {i + 1} of question {n} is
                  </span>{" "}
                  correct
                </label>
              )}
              <input
                type="text"
                aria-label={`${ordering ? "Item" : "Option"} ${i + 1} of question ${n}`}
                value={o.text}
                maxLength={2000}
                onChange={(e) => setOption(i, { text: e.target.value })}
              />
              {ordering && (
                <>
                  <button
                    type="button"
                    aria-label={`Move item ${i + 1} of question ${n} up`}
                    disabled={i === 0}
                    onClick={() => setOptions(moved(draft.options, i, -1))}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    aria-label={`Move item ${i + 1} of question ${n} down`}
                    disabled={i === draft.options.length - 1}
                    onClick={() => setOptions(moved(draft.options, i, 1))}
                  >
                    ↓
                  </button>
                </>
              )}
              <button
                type="button"
                aria-label={`Remove ${ordering ? "item" : "option"} ${i + 1} of question ${n}`}
                onClick={() => setOptions(draft.options.filter((_, j) => j !== i))}
              >
                ✕
              </button>
            </div>
          ))}
          <button
            type="button"
            disabled={draft.options.length >= 20}
            onClick={() => setOptions([...draft.options, { text: "", correct: false }])}
          >
            {ordering ? "Add item" : "Add option"}
          </button>
        </fieldset>
      )}
      {draft.type === "true_false" && (
        <fieldset>
          <legend>The statement of question {n} is</legend>
          {([true, false] as const).map((value) => (
            <label key={String(value)} className="inline">
              <input
                type="radio"
                name={`truth-${n}`}
                checked={draft.truth === value}
                onChange={() => set({ truth: value })}
              />{" "}
              {value ? "True" : "False"}
            </label>
          ))}
        </fieldset>
      )}
      {draft.type === "numeric" && (
        <div className="row wrap">
          <label>
            Right value
            <input inputMode="decimal" value={draft.value} onChange={(e) => set({ value: e.target.value })} />
          </label>
          <label>
            Tolerance (±)
            <input inputMode="decimal" value={draft.tolerance} onChange={(e) => set({ tolerance: e.target.value })} />
          </label>
        </div>
      )}
      {draft.type === "short_text" && (
        <>
          <label>
            Accepted answers <small>(one per line; case, spaces and accents never matter)</small>
            <textarea rows={3} value={draft.accepted} onChange={(e) => set({ accepted: e.target.value })} />
          </label>
          <label className="inline">
            <input type="checkbox" checked={draft.fuzzy} onChange={(e) => set({ fuzzy: e.target.checked })} /> Forgive a
            typo
          </label>
        </>
      )}
      {(draft.type === "multiple" || ordering) && (
        <label className="inline">
          <input
            type="checkbox"
            checked={draft.partial_credit}
            onChange={(e) => set({ partial_credit: e.target.checked })}
          />{" "}
          Partial credit
        </label>
      )}
      <label>
        Explanation <small>(Markdown; shown with the right answer)</small>
        <textarea rows={2} value={draft.explanation} onChange={(e) => set({ explanation: e.target.value })} />
      </label>
    </fieldset>
  );
}
