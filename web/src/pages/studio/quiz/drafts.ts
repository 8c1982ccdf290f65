// The question editor's working copy, and the QuestionIn it saves. Options carry their
// "correct" flag while edited, so removing or moving one never points `correct` at the
// wrong option; `correct` becomes indexes only when saved.
import type { Schemas } from "../../../api/client";

type QuestionIn = Schemas["QuestionIn"];
export type QuestionType = Schemas["QuestionType"];

export type OptionDraft = { id?: string | null; text: string; correct: boolean };
export type QuestionDraft = {
  id?: string | null;
  type: QuestionType;
  stem: string;
  points: string;
  explanation: string;
  options: OptionDraft[];
  truth: boolean | null;
  value: string;
  tolerance: string;
  accepted: string; // one per line
  fuzzy: boolean;
  partial_credit: boolean;
};

/** The fewest items an ordering question may have (the server refuses fewer: with two,
 * the order is a coin toss). */
export const MIN_ORDERING_ITEMS = 3;

/** The fewest options (or items) a question of TYPE may have; 0 for types without. */
export function minOptions(type: QuestionType): number {
  return type === "ordering" ? MIN_ORDERING_ITEMS : type === "single" || type === "multiple" ? 2 : 0;
}

const blankOptions = (count: number): OptionDraft[] =>
  Array.from({ length: Math.max(0, count) }, () => ({ text: "", correct: false }));

export function newDraft(type: QuestionType): QuestionDraft {
  return {
    type,
    stem: "",
    points: "1",
    explanation: "",
    options: blankOptions(minOptions(type)),
    truth: type === "true_false" ? true : null,
    value: "",
    tolerance: "0",
    accepted: "",
    fuzzy: false,
    partial_credit: false,
  };
}

export function toDraft(q: QuestionIn): QuestionDraft {
  return {
    id: q.id,
    type: q.type,
    stem: q.stem,
    points: String(q.points),
    explanation: q.explanation ?? "",
    options: q.options.map((o, i) => ({ id: o.id, text: o.text, correct: q.correct.includes(i) })),
    truth: q.truth ?? null,
    value: q.value == null ? "" : String(q.value),
    tolerance: String(q.tolerance ?? 0),
    accepted: q.accepted.join("\n"),
    fuzzy: q.fuzzy,
    partial_credit: q.partial_credit,
  };
}

const num = (text: string, fallback: number) => {
  const n = Number(text.trim().replace(",", "."));
  return text.trim() && Number.isFinite(n) ? n : fallback;
};

/** What PUT /questions takes for DRAFT; the server checks it and says what is missing. */
export function toQuestionIn(d: QuestionDraft): QuestionIn {
  const choice = d.type === "single" || d.type === "multiple";
  const listed = choice || d.type === "ordering";
  const options = listed ? d.options : [];
  return {
    id: d.id ?? null,
    type: d.type,
    stem: d.stem,
    points: num(d.points, 1),
    explanation: d.explanation,
    options: options.map((o) => ({ id: o.id ?? null, text: o.text })),
    correct: choice ? options.flatMap((o, i) => (o.correct ? [i] : [])) : [],
    truth: d.type === "true_false" ? d.truth : null,
    value: d.type === "numeric" ? num(d.value, NaN) : null,
    tolerance: d.type === "numeric" ? Math.abs(num(d.tolerance, 0)) : 0,
    accepted:
      d.type === "short_text"
        ? d.accepted
            .split("\n")
            .map((a) => a.trim())
            .filter(Boolean)
        : [],
    fuzzy: d.type === "short_text" && d.fuzzy,
    partial_credit: (d.type === "multiple" || d.type === "ordering") && d.partial_credit,
  };
}

/** Why a draft cannot be saved yet (wording.ts words it in the language shown). */
export type DraftProblem =
  | "no_stem"
  | "few_items"
  | "few_options"
  | "empty_option"
  | "not_one_correct"
  | "none_correct"
  | "no_value"
  | "no_accepted";

/** Why DRAFT cannot be saved yet, or null (the server checks too). */
export function draftProblem(d: QuestionDraft): DraftProblem | null {
  if (!d.stem.trim()) return "no_stem";
  const listed = d.type === "single" || d.type === "multiple" || d.type === "ordering";
  if (d.type === "ordering" && d.options.filter((o) => o.text.trim()).length < MIN_ORDERING_ITEMS) return "few_items";
  if (listed && d.options.filter((o) => o.text.trim()).length < 2) return "few_options";
  if (listed && d.options.some((o) => !o.text.trim())) return "empty_option";
  const right = d.options.filter((o) => o.correct).length;
  if (d.type === "single" && right !== 1) return "not_one_correct";
  if (d.type === "multiple" && right < 1) return "none_correct";
  if (d.type === "numeric" && !Number.isFinite(num(d.value, NaN))) return "no_value";
  if (d.type === "short_text" && !d.accepted.trim()) return "no_accepted";
  return null;
}

/** DRAFT as another type: what both types share (stem, points, options) is kept. */
export function retyped(d: QuestionDraft, type: QuestionType): QuestionDraft {
  const fresh = newDraft(type);
  const listed = type === "single" || type === "multiple" || type === "ordering";
  const kept = listed && d.options.length >= 2 ? d.options : fresh.options;
  // An ordering question gets the empty items it still needs to reach the minimum.
  const options = [...kept, ...blankOptions(minOptions(type) - kept.length)];
  return {
    ...fresh,
    id: d.id,
    stem: d.stem,
    points: d.points,
    explanation: d.explanation,
    options:
      type === "single"
        ? options.map((o, i) => ({ ...o, correct: i === options.findIndex((x) => x.correct) }))
        : options,
  };
}
