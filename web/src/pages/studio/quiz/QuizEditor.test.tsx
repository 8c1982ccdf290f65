// @vitest-environment jsdom
import { act } from "react";
import { createRoot } from "react-dom/client";
import { MemoryRouter } from "react-router-dom";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Schemas } from "../../../api/client";

const calls = vi.hoisted(() => ({ GET: vi.fn(), PATCH: vi.fn(), PUT: vi.fn(), POST: vi.fn() }));

vi.mock("../../../api/client", async (original) => ({
  ...(await original<typeof import("../../../api/client")>()),
  api: calls,
}));

import { QuizEditor } from "./QuizEditor";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const ok = (data: unknown) => Promise.resolve({ data, response: new Response(null, { status: 200 }) });

const stored = (kind: Schemas["QuizKind"], version: number): Schemas["QuizEdit"] => ({
  id: "qz",
  course_id: "c1",
  lesson_id: "l1",
  title: "Quiz",
  kind,
  version,
  settings: { pass_mark: 70, attempts: null, reveal: "after_pass", shuffle_options: false, shuffle_questions: false },
  questions: [
    {
      id: "q1",
      type: "true_false",
      stem: "Sky is blue",
      explanation: "",
      tolerance: 0,
      points: 1,
      options: [],
      correct: [],
      truth: true,
      accepted: [],
      fuzzy: false,
      partial_credit: false,
    },
  ],
});

const container = document.createElement("div");
document.body.append(container);
const root = createRoot(container);
const flush = () => act(async () => void (await new Promise((r) => setTimeout(r, 0))));
const button = (label: string) =>
  [...container.querySelectorAll<HTMLButtonElement>("button")].find((b) => b.textContent?.trim() === label)!;

const falseRadioOf = () =>
  [...container.querySelectorAll<HTMLInputElement>('input[type="radio"]')].find(
    (r) => r.parentElement?.textContent?.trim() === "False",
  )!;

async function open(kind: Schemas["QuizKind"]) {
  calls.GET.mockImplementation(() => ok(stored(kind, 3)));
  await act(async () =>
    root.render(
      <MemoryRouter>
        <QuizEditor quizId="qz" name="Quiz" />
      </MemoryRouter>,
    ),
  );
  await flush();
}

beforeEach(() => {
  // A settings save as the old server answered it: with the version moved on.
  calls.PATCH.mockImplementation(() => ok(stored("lesson", 4)));
  calls.PUT.mockImplementation((_, init: { body: { version: number } }) => ok(stored("lesson", init.body.version + 1)));
});

afterEach(async () => {
  await act(() => root.render(<></>));
  vi.clearAllMocks();
});

describe("quiz editor", () => {
  it("saves the questions with the version they were read at, even after a settings save", async () => {
    await open("lesson");
    await act(async () => button("Save quiz settings").click());
    await flush();
    expect(calls.PATCH).toHaveBeenCalledTimes(1);

    await act(async () => button("Edit question 1").click());
    await act(async () => falseRadioOf().click());
    await act(async () => button("Save questions").click());
    await flush();
    expect(calls.PUT.mock.calls[0][1].body.version).toBe(3);

    // After a save of the questions, the drafts come from the version it answered (4).
    await act(async () => button("Edit question 1").click());
    await act(async () => falseRadioOf().click());
    await act(async () => button("Save questions").click());
    await flush();
    expect(calls.PUT.mock.calls[1][1].body.version).toBe(4);
  });

  it("offers no attempt limit for a checkpoint, and says why", async () => {
    await open("checkpoint");
    expect(container.textContent).not.toContain("Attempts allowed");
    expect(container.querySelector('[data-testid="checkpoint-attempts"]')?.textContent).toContain("unlimited");
    await act(async () => button("Save quiz settings").click());
    await flush();
    expect(calls.PATCH.mock.calls[0][1].body.settings.attempts).toBeNull();
  });

  it("offers the attempt limit for a lesson quiz", async () => {
    await open("lesson");
    expect(container.textContent).toContain("Attempts allowed");
  });
});
