// @vitest-environment jsdom
import { act } from "react";
import { createRoot } from "react-dom/client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Schemas } from "../../api/client";

const calls = vi.hoisted(() => ({
  GET: vi.fn(),
  POST: vi.fn(),
  PUT: vi.fn(),
}));

vi.mock("../../api/client", async (original) => ({
  ...(await original<typeof import("../../api/client")>()),
  api: calls,
}));

import { Quiz } from "./Quiz";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

/** What openapi-fetch resolves to: data on success, the error body otherwise. */
const ok = (data: unknown) => Promise.resolve({ data, response: new Response(null, { status: 200 }) });
const fail = (status: number) =>
  Promise.resolve({
    error: { error: { code: "internal", message: "Try again" } },
    response: new Response(null, { status }),
  });

const question = (id: string, type: Schemas["QuestionType"]): Schemas["QuestionView"] => ({
  id,
  type,
  stem_html: `<p>${id}</p>`,
  points: 1,
  options: type === "multiple" ? [{ id: `${id}a`, text: `${id} A` }] : [],
});

const attempt: Schemas["AttemptView"] = {
  id: "at1",
  quiz_id: "qz",
  number: 1,
  state: "open",
  expired: false,
  started_at: "2026-01-01T00:00:00Z",
  answers: { q3: { choices: [], number: 7 } },
  feedback: [],
  questions: [question("q1", "multiple"), question("q2", "short_text"), question("q3", "numeric")],
};

const quiz = {
  id: "qz",
  title: "Quiz",
  kind: "lesson",
  lesson_id: "l1",
  attempts: [],
  attempts_allowed: null,
  attempts_used: 0,
  max_score: 3,
  open_attempt: "at1",
  pass_mark: 50,
  passed: false,
  question_count: 3,
  reveal: "after_pass",
  time_limit: null,
} as Schemas["QuizView"];

const container = document.createElement("div");
document.body.append(container);
const root = createRoot(container);
const flush = () => act(async () => void (await new Promise((r) => setTimeout(r, 0))));
const $ = <T extends Element>(selector: string) => container.querySelector<T>(selector)!;
const text = () => container.textContent ?? "";
const putBodies = () =>
  calls.PUT.mock.calls.map(([, init]) => [init.params.path.question_id, init.body] as [string, unknown]);

async function typeInto(input: HTMLInputElement, value: string) {
  await act(async () => {
    const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")!.set!;
    setter.call(input, value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
}

async function openAttempt() {
  await act(async () => root.render(<Quiz quizId="qz" />));
  await flush();
  await act(async () => $<HTMLButtonElement>("button.primary").click()); // Resume quiz
  await flush();
}

const submitButton = () =>
  [...container.querySelectorAll<HTMLButtonElement>("button")].find((b) => b.textContent === "Submit answers")!;

beforeEach(() => {
  calls.GET.mockImplementation(() => ok(quiz));
  calls.POST.mockImplementation((path: string) =>
    ok(path.endsWith("/submit") ? { ...attempt, state: "submitted", passed: true, score: 1, max_score: 3 } : attempt),
  );
  calls.PUT.mockImplementation(() => ok({ question_id: "q", saved_at: "2026-01-01T00:00:00Z" }));
  vi.spyOn(window, "confirm").mockReturnValue(true);
});

afterEach(async () => {
  await act(() => root.render(<></>));
  vi.clearAllMocks();
  vi.restoreAllMocks();
});

describe("clearing an answer", () => {
  it("sends no choices when every box is unticked, and an empty text when the text is cleared", async () => {
    await openAttempt();
    const box = $<HTMLInputElement>('input[type="checkbox"]');
    await act(async () => box.click());
    await flush();
    await act(async () => box.click());
    await flush();
    const field = container.querySelectorAll<HTMLInputElement>('input[type="text"]')[0];
    await typeInto(field, "Paris");
    await act(async () => field.dispatchEvent(new FocusEvent("focusout", { bubbles: true })));
    await flush();
    await typeInto(field, "");
    await act(async () => field.dispatchEvent(new FocusEvent("focusout", { bubbles: true })));
    await flush();
    expect(putBodies()).toEqual([
      ["q1", { choices: ["q1a"] }],
      ["q1", { choices: [] }],
      ["q2", { choices: [], text: "Paris" }],
      ["q2", { choices: [], text: "" }],
    ]);
  });

  it("sends nothing for an emptied number and says the saved one still counts", async () => {
    await openAttempt();
    const field = container.querySelectorAll<HTMLInputElement>('input[type="text"]')[1];
    expect(field.value).toBe("7");
    await typeInto(field, "");
    await act(async () => field.dispatchEvent(new FocusEvent("focusout", { bubbles: true })));
    await flush();
    expect(calls.PUT).not.toHaveBeenCalled();
    expect(text()).toContain("Cleared here; your saved answer is still 7.");
  });
});

describe("submitting", () => {
  it("holds the submit back while an answer is not saved, names it, and submits once it is", async () => {
    calls.PUT.mockImplementation(() => fail(500));
    await openAttempt();
    await act(async () => $<HTMLInputElement>('input[type="checkbox"]').click());
    await flush();
    await act(async () => submitButton().click());
    await flush();
    expect(calls.PUT).toHaveBeenCalledTimes(2); // tried once more before giving up
    expect(calls.POST.mock.calls.some(([path]) => String(path).endsWith("/submit"))).toBe(false);
    const alert = $('[data-testid="unsaved-answers"]');
    expect(alert.getAttribute("role")).toBe("alert");
    expect(alert.textContent).toBe("Not submitted: the answer to question 1 is not saved. Check it and submit again.");

    calls.PUT.mockImplementation(() => ok({ question_id: "q1", saved_at: "2026-01-01T00:00:00Z" }));
    await act(async () => submitButton().click());
    await flush();
    expect(calls.POST.mock.calls.some(([path]) => String(path).endsWith("/submit"))).toBe(true);
    expect(container.querySelector('[data-testid="unsaved-answers"]')).toBeNull();
  });
});
