import { describe, expect, it } from "vitest";
import {
  answerPayload,
  attemptsLeft,
  countdown,
  draftOf,
  EMPTY_DRAFT,
  gradedAnswer,
  isAnswered,
  limitText,
  moved,
  percentText,
  timeWarning,
  unsavedMessage,
  unsentNote,
} from "./answers";

describe("answerPayload", () => {
  it("sends chosen option ids for choice and ordering questions", () => {
    expect(answerPayload("single", { ...EMPTY_DRAFT, choices: ["o1"] })).toEqual({ choices: ["o1"] });
    expect(answerPayload("multiple", { ...EMPTY_DRAFT, choices: ["o1", "o3"] })).toEqual({ choices: ["o1", "o3"] });
    expect(answerPayload("ordering", { ...EMPTY_DRAFT, choices: ["c", "a", "b"] })).toEqual({
      choices: ["c", "a", "b"],
    });
  });

  it("sends a cleared choice as no choices, so the server forgets the old one", () => {
    expect(answerPayload("multiple", EMPTY_DRAFT)).toEqual({ choices: [] });
    expect(answerPayload("single", EMPTY_DRAFT)).toEqual({ choices: [] });
  });

  it("sends truth for true/false", () => {
    expect(answerPayload("true_false", { ...EMPTY_DRAFT, truth: false })).toEqual({ choices: [], truth: false });
    expect(answerPayload("true_false", EMPTY_DRAFT)).toBeNull();
  });

  it("sends a number for numeric, accepting a decimal comma, and nothing while unreadable", () => {
    expect(answerPayload("numeric", { ...EMPTY_DRAFT, text: " 3.5 " })).toEqual({ choices: [], number: 3.5 });
    expect(answerPayload("numeric", { ...EMPTY_DRAFT, text: "3,5" })).toEqual({ choices: [], number: 3.5 });
    expect(answerPayload("numeric", { ...EMPTY_DRAFT, text: "-" })).toBeNull();
    expect(answerPayload("numeric", { ...EMPTY_DRAFT, text: "" })).toBeNull();
  });

  it("sends text for short text, and an empty text when cleared", () => {
    expect(answerPayload("short_text", { ...EMPTY_DRAFT, text: "Paris" })).toEqual({ choices: [], text: "Paris" });
    expect(answerPayload("short_text", { ...EMPTY_DRAFT, text: "  " })).toEqual({ choices: [], text: "" });
    expect(answerPayload("short_text", EMPTY_DRAFT)).toEqual({ choices: [], text: "" });
  });
});

describe("what gets graded", () => {
  it("counts an empty answer as no answer", () => {
    expect(isAnswered(undefined)).toBe(false);
    expect(isAnswered({ choices: [] })).toBe(false);
    expect(isAnswered({ choices: [], text: " " })).toBe(false);
    expect(isAnswered({ choices: ["o1"] })).toBe(true);
    expect(isAnswered({ choices: [], truth: false })).toBe(true);
    expect(isAnswered({ choices: [], number: 0 })).toBe(true);
    expect(isAnswered({ choices: [], text: "x" })).toBe(true);
  });

  it("grades a cleared choice or text as cleared, but a cleared number as the one saved", () => {
    const saved = { choices: ["o1"] };
    expect(isAnswered(gradedAnswer("multiple", EMPTY_DRAFT, saved))).toBe(false);
    expect(isAnswered(gradedAnswer("short_text", EMPTY_DRAFT, { choices: [], text: "Paris" }))).toBe(false);
    expect(gradedAnswer("numeric", EMPTY_DRAFT, { choices: [], number: 7 })).toEqual({ choices: [], number: 7 });
    expect(gradedAnswer("numeric", { ...EMPTY_DRAFT, text: "8" }, { choices: [], number: 7 })).toEqual({
      choices: [],
      number: 8,
    });
    expect(gradedAnswer("numeric", { ...EMPTY_DRAFT, text: "x" }, undefined)).toBeUndefined();
  });

  it("says honestly why a number was not sent", () => {
    const seven = { choices: [], number: 7 };
    expect(unsentNote("numeric", EMPTY_DRAFT, seven)).toBe("Cleared here; your saved answer is still 7.");
    expect(unsentNote("numeric", EMPTY_DRAFT, undefined)).toBeNull();
    expect(unsentNote("numeric", { ...EMPTY_DRAFT, text: "-" }, seven)).toBe(
      "Not saved: enter a number (your saved answer is still 7).",
    );
    expect(unsentNote("numeric", { ...EMPTY_DRAFT, text: "abc" }, undefined)).toBe("Not saved: enter a number.");
    expect(unsentNote("numeric", { ...EMPTY_DRAFT, text: "3" }, seven)).toBeNull();
    expect(unsentNote("short_text", EMPTY_DRAFT, { choices: [], text: "x" })).toBeNull();
  });

  it("names the questions whose answers did not save", () => {
    expect(unsavedMessage([])).toBeNull();
    expect(unsavedMessage([2])).toBe(
      "Not submitted: the answer to question 2 is not saved. Check it and submit again.",
    );
    expect(unsavedMessage([1, 3, 4])).toBe(
      "Not submitted: the answers to questions 1, 3 and 4 are not saved. Check them and submit again.",
    );
  });
});

describe("draftOf", () => {
  const q = (type: "ordering" | "numeric") => ({
    id: "q",
    type,
    stem_html: "",
    points: 1,
    options: [
      { id: "x", text: "X" },
      { id: "y", text: "Y" },
    ],
  });

  it("starts an ordering question from the order shown, or the saved one", () => {
    expect(draftOf(q("ordering"), undefined).choices).toEqual(["x", "y"]);
    expect(draftOf(q("ordering"), { choices: ["y", "x"] }).choices).toEqual(["y", "x"]);
  });

  it("shows a saved number as text", () => {
    expect(draftOf(q("numeric"), { choices: [], number: 42 }).text).toBe("42");
  });
});

describe("moved", () => {
  it("swaps with the neighbour and stays put at the ends", () => {
    expect(moved(["a", "b", "c"], 1, -1)).toEqual(["b", "a", "c"]);
    expect(moved(["a", "b", "c"], 1, 1)).toEqual(["a", "c", "b"]);
    expect(moved(["a", "b", "c"], 0, -1)).toEqual(["a", "b", "c"]);
    expect(moved(["a", "b", "c"], 2, 1)).toEqual(["a", "b", "c"]);
  });
});

describe("countdown", () => {
  it("formats minutes and hours and never goes below zero", () => {
    expect(countdown(9)).toBe("0:09");
    expect(countdown(245)).toBe("4:05");
    expect(countdown(3909)).toBe("1:05:09");
    expect(countdown(0.2)).toBe("0:01");
    expect(countdown(-5)).toBe("0:00");
  });

  it("warns once as each threshold is crossed", () => {
    expect(timeWarning(301, 300)).toBe("5 minutes left");
    expect(timeWarning(300, 299)).toBeNull();
    expect(timeWarning(61, 59)).toBe("1 minute left");
    expect(timeWarning(31, 30)).toBe("30 seconds left");
  });
});

describe("words", () => {
  it("reads limits, percents and attempts", () => {
    expect(limitText(600)).toBe("10 min");
    expect(limitText(5400)).toBe("1 h 30 min");
    expect(percentText(66.666)).toBe("66.7%");
    expect(percentText(null)).toBe("–");
    expect(attemptsLeft({ attempts_allowed: null, attempts_used: 9 })).toBe(true);
    expect(attemptsLeft({ attempts_allowed: 2, attempts_used: 2 })).toBe(false);
  });
});
