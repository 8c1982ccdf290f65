import { useTranslation } from "react-i18next";
import { moved } from "../../../components/quiz/answers";
import { MIN_ORDERING_ITEMS, retyped, type OptionDraft, type QuestionDraft, type QuestionType } from "./drafts";
import { typeNames } from "./wording";

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
  const { t } = useTranslation("editor");
  const types = typeNames(t);
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
      <legend>{t("question.legend", { n })}</legend>
      <div className="row wrap">
        <label>
          {t("question.type")}
          <select value={draft.type} onChange={(e) => onChange(retyped(draft, e.target.value as QuestionType))}>
            {Object.entries(types).map(([type, name]) => (
              <option key={type} value={type}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("question.points")}
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
        {t("question.text")} <small>{t("shared.markdown")}</small>
        <textarea rows={3} value={draft.stem} onChange={(e) => set({ stem: e.target.value })} />
      </label>
      {(choice || ordering) && (
        <fieldset>
          <legend>
            {ordering ? (
              <>
                {t("question.items")} <small>{t("question.atLeast", { count: MIN_ORDERING_ITEMS })}</small>
              </>
            ) : (
              t("question.options")
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
                  <span className="sr-only">{t("question.correctWhich", { i: i + 1, n })}</span> {t("question.correct")}
                </label>
              )}
              <input
                type="text"
                aria-label={
                  ordering ? t("question.itemAria", { i: i + 1, n }) : t("question.optionAria", { i: i + 1, n })
                }
                value={o.text}
                maxLength={2000}
                onChange={(e) => setOption(i, { text: e.target.value })}
              />
              {ordering && (
                <>
                  <button
                    type="button"
                    aria-label={t("question.itemUp", { i: i + 1, n })}
                    disabled={i === 0}
                    onClick={() => setOptions(moved(draft.options, i, -1))}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    aria-label={t("question.itemDown", { i: i + 1, n })}
                    disabled={i === draft.options.length - 1}
                    onClick={() => setOptions(moved(draft.options, i, 1))}
                  >
                    ↓
                  </button>
                </>
              )}
              <button
                type="button"
                aria-label={
                  ordering ? t("question.removeItem", { i: i + 1, n }) : t("question.removeOption", { i: i + 1, n })
                }
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
            {ordering ? t("question.addItem") : t("question.addOption")}
          </button>
        </fieldset>
      )}
      {draft.type === "true_false" && (
        <fieldset>
          <legend>{t("question.statement", { n })}</legend>
          {([true, false] as const).map((value) => (
            <label key={String(value)} className="inline">
              <input
                type="radio"
                name={`truth-${n}`}
                checked={draft.truth === value}
                onChange={() => set({ truth: value })}
              />{" "}
              {value ? t("question.true") : t("question.false")}
            </label>
          ))}
        </fieldset>
      )}
      {draft.type === "numeric" && (
        <div className="row wrap">
          <label>
            {t("question.value")}
            <input inputMode="decimal" value={draft.value} onChange={(e) => set({ value: e.target.value })} />
          </label>
          <label>
            {t("question.tolerance")}
            <input inputMode="decimal" value={draft.tolerance} onChange={(e) => set({ tolerance: e.target.value })} />
          </label>
        </div>
      )}
      {draft.type === "short_text" && (
        <>
          <label>
            {t("question.accepted")} <small>{t("question.acceptedHint")}</small>
            <textarea rows={3} value={draft.accepted} onChange={(e) => set({ accepted: e.target.value })} />
          </label>
          <label className="inline">
            <input type="checkbox" checked={draft.fuzzy} onChange={(e) => set({ fuzzy: e.target.checked })} />{" "}
            {t("question.fuzzy")}
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
          {t("question.partial")}
        </label>
      )}
      <label>
        {t("question.explanation")} <small>{t("question.explanationHint")}</small>
        <textarea rows={2} value={draft.explanation} onChange={(e) => set({ explanation: e.target.value })} />
      </label>
    </fieldset>
  );
}
