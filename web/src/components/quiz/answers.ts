// The pure side of a quiz attempt: what the learner has typed or picked (a draft) and the
// AnswerIn the server stores for it, per question type.
import type { Schemas } from "../../api/client";
import i18n from "../../i18n";
import { formatNumber } from "../../i18n/format";

const t = i18n.getFixedT(null, "quiz");

type Question = Schemas["QuestionView"];
type AnswerIn = Schemas["AnswerIn"];

/** What an input holds: option ids (single, multiple, ordering), a truth, or typed text
 * (numeric answers stay text while typed, so "1." or "-" are not lost). */
export type Draft = { choices: string[]; truth: boolean | null; text: string };

export const EMPTY_DRAFT: Draft = { choices: [], truth: null, text: "" };

/** The draft an input starts from: the saved answer, or nothing (ordering: the order shown). */
export function draftOf(question: Question, saved: AnswerIn | undefined): Draft {
  const fallback = question.type === "ordering" ? question.options.map((o) => o.id) : [];
  return {
    choices: saved?.choices?.length ? saved.choices : fallback,
    truth: saved?.truth ?? null,
    text: saved?.number != null ? String(saved.number) : (saved?.text ?? ""),
  };
}

/** The AnswerIn for DRAFT, or null while there is nothing that can be saved. A cleared
 * choice or text is sent as such (`choices: []`, `text: ""`), so the server forgets the
 * previous answer; a number can only be replaced by another, so an empty or unreadable
 * one sends nothing (see `unsentNote`). */
export function answerPayload(type: Schemas["QuestionType"], draft: Draft): AnswerIn | null {
  switch (type) {
    case "single":
    case "multiple":
    case "ordering":
      return { choices: draft.choices };
    case "true_false":
      return draft.truth === null ? null : { choices: [], truth: draft.truth };
    case "numeric": {
      const text = draft.text.trim().replace(",", ".");
      if (!text) return null;
      const number = Number(text);
      return Number.isFinite(number) ? { choices: [], number } : null;
    }
    case "short_text": {
      const text = draft.text.trim();
      return { choices: [], text: text ? draft.text.slice(0, 500) : "" };
    }
  }
}

/** Whether ANSWER (as stored) holds something to grade: an empty one is no answer. */
export function isAnswered(answer: AnswerIn | null | undefined): boolean {
  if (!answer) return false;
  return answer.choices.length > 0 || answer.truth != null || answer.number != null || !!answer.text?.trim();
}

/** What the server will grade for a question once the pending saves land: what DRAFT
 * sends, else what was SAVED before (a cleared number keeps the saved one). */
export function gradedAnswer(
  type: Schemas["QuestionType"],
  draft: Draft,
  saved: AnswerIn | undefined,
): AnswerIn | undefined {
  return answerPayload(type, draft) ?? saved;
}

/** Why DRAFT was not sent, honestly, when that matters (a number field emptied or not a
 * number while SAVED still holds an answer, or nothing readable was typed), else null. */
export function unsentNote(type: Schemas["QuestionType"], draft: Draft, saved: AnswerIn | undefined): string | null {
  if (type !== "numeric" || answerPayload(type, draft)) return null;
  const kept = saved?.number != null ? formatNumber(saved.number) : null;
  if (!draft.text.trim()) return kept ? t("unsent.cleared", { number: kept }) : null;
  return kept ? t("unsent.notNumberKept", { number: kept }) : t("unsent.notNumber");
}

/** What the learner is told when a submit is held back by answers that did not save
 * (question NUMBERS, 1-based), or null when every answer is saved. */
export function unsavedMessage(numbers: number[]): string | null {
  if (!numbers.length) return null;
  if (numbers.length === 1) return t("unsaved.one", { number: numbers[0] });
  return t("unsaved.many", { numbers: numbers.slice(0, -1).join(", "), last: numbers[numbers.length - 1] });
}

/** Typed answers are saved once typing pauses; a click is saved at once. */
export function isTyped(type: Schemas["QuestionType"]): boolean {
  return type === "numeric" || type === "short_text";
}

/** IDS with the item at INDEX moved by STEP (-1 up, +1 down); unchanged at either end. */
export function moved<T>(ids: T[], index: number, step: -1 | 1): T[] {
  const to = index + step;
  if (index < 0 || index >= ids.length || to < 0 || to >= ids.length) return ids;
  const next = [...ids];
  [next[index], next[to]] = [next[to], next[index]];
  return next;
}

/** Seconds left as the countdown shows them: "1:05:09", "4:05", "0:09"; never negative. */
export function countdown(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

/** What a screen reader is told as time runs low (once per threshold), or null. */
export function timeWarning(before: number, now: number): string | null {
  for (const [at, words] of [
    [300, () => t("time.minutesLeft", { count: 5 })],
    [60, () => t("time.minutesLeft", { count: 1 })],
    [30, () => t("time.secondsLeft", { count: 30 })],
  ] as const) {
    if (before > at && now <= at) return words();
  }
  return null;
}

/** A time limit in words: "10 min", "1 h 30 min", "45 s". */
export function limitText(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const parts = [h && t("time.h", { count: h }), m && t("time.min", { count: m }), s && t("time.s", { count: s })];
  return parts.filter(Boolean).join(" ") || t("time.s", { count: 0 });
}

/** How a percent reads: "80%", "66.7%". */
export function percentText(value: number | null | undefined): string {
  if (value == null) return "–";
  return t("percent", { value: formatNumber(Math.round(value * 10) / 10) });
}

/** Whether the learner may start another attempt. */
export function attemptsLeft(quiz: Pick<Schemas["QuizView"], "attempts_allowed" | "attempts_used">): boolean {
  return quiz.attempts_allowed == null || quiz.attempts_used < quiz.attempts_allowed;
}
