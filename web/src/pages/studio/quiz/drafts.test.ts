import { describe, expect, it } from "vitest";
import i18n from "../../../i18n";
import { draftProblem as problemOf, MIN_ORDERING_ITEMS, newDraft, retyped, toDraft, toQuestionIn } from "./drafts";
import { problemText } from "./wording";

/** The sentence the editor shows for a draft's problem (English, as the tests render). */
function draftProblem(d: Parameters<typeof problemOf>[0]): string | null {
  const problem = problemOf(d);
  return problem && problemText(i18n.getFixedT("en", "editor"), problem);
}

describe("question drafts", () => {
  it("turns correct flags into indexes and keeps option ids", () => {
    const draft = {
      ...newDraft("multiple"),
      stem: "Pick",
      options: [
        { id: "a", text: "A", correct: true },
        { id: null, text: "B", correct: false },
        { text: "C", correct: true },
      ],
    };
    const q = toQuestionIn(draft);
    expect(q.correct).toEqual([0, 2]);
    expect(q.options).toEqual([
      { id: "a", text: "A" },
      { id: null, text: "B" },
      { id: null, text: "C" },
    ]);
    expect(toDraft(q).options.map((o) => o.correct)).toEqual([true, false, true]);
  });

  it("sends only what the type uses", () => {
    const numeric = toQuestionIn({ ...newDraft("numeric"), stem: "Pi", value: "3,14", tolerance: "0.01" });
    expect(numeric).toMatchObject({ value: 3.14, tolerance: 0.01, options: [], correct: [], truth: null });
    const text = toQuestionIn({ ...newDraft("short_text"), stem: "Capital", accepted: "Paris\n\n paris \n" });
    expect(text.accepted).toEqual(["Paris", "paris"]);
    expect(toQuestionIn({ ...newDraft("true_false"), stem: "x", truth: false }).truth).toBe(false);
  });

  it("says what is missing before the server has to", () => {
    expect(draftProblem(newDraft("single"))).toBe("Write the question.");
    const single = {
      ...newDraft("single"),
      stem: "?",
      options: [
        { text: "A", correct: false },
        { text: "B", correct: false },
      ],
    };
    expect(draftProblem(single)).toBe("Mark exactly one option as correct.");
    expect(
      draftProblem({
        ...single,
        options: [
          { text: "A", correct: true },
          { text: "B", correct: false },
        ],
      }),
    ).toBeNull();
    expect(draftProblem({ ...newDraft("numeric"), stem: "?" })).toBe("Give the right value.");
  });

  it("keeps the stem and options when the type changes", () => {
    const d = {
      ...newDraft("multiple"),
      stem: "S",
      options: [
        { text: "A", correct: true },
        { text: "B", correct: true },
      ],
    };
    const single = retyped(d, "single");
    expect(single.stem).toBe("S");
    expect(single.options.map((o) => o.correct)).toEqual([true, false]);
    expect(retyped(d, "numeric").options).toEqual([]);
  });

  it("asks for at least three items in an ordering question", () => {
    expect(MIN_ORDERING_ITEMS).toBe(3);
    const fresh = newDraft("ordering");
    expect(fresh.options).toHaveLength(3);
    const items = (...texts: string[]) => texts.map((text) => ({ text, correct: false }));
    expect(draftProblem({ ...fresh, stem: "Order", options: items("A", "B") })).toBe(
      "Give at least 3 items to put in order.",
    );
    expect(draftProblem({ ...fresh, stem: "Order", options: items("A", "B", "") })).toBe(
      "Give at least 3 items to put in order.",
    );
    expect(draftProblem({ ...fresh, stem: "Order", options: items("A", "B", "C") })).toBeNull();
    const few = problemOf({ ...fresh, stem: "Order", options: items("A", "B") });
    expect(few && problemText(i18n.getFixedT("de", "editor"), few)).toBe(
      "Geben Sie mindestens 3 Elemente zum Ordnen an.",
    );
    expect(newDraft("single").options).toHaveLength(2);
  });

  it("tops an ordering question up to three items when the type changes", () => {
    const two = {
      ...newDraft("single"),
      stem: "S",
      options: [
        { text: "A", correct: true },
        { text: "B", correct: false },
      ],
    };
    expect(retyped(two, "ordering").options.map((o) => o.text)).toEqual(["A", "B", ""]);
    expect(retyped(retyped(two, "ordering"), "multiple").options).toHaveLength(3);
  });
});
