import type { Schemas } from "../api/client";

type Release = Schemas["Release"];

const DATE = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric" });

/** How a drip rule reads in the outline: "opens 3 days after you enroll", "opens 24 Dec 2026". */
export function describeRelease(release: Release | null | undefined): string | null {
  if (!release) return null;
  if (release.on) return `opens ${DATE.format(new Date(release.on))}`;
  if (release.after_quiz) return "opens after a quiz is passed";
  if (release.after_days != null)
    return release.after_days === 0
      ? null
      : `opens ${release.after_days} day${release.after_days === 1 ? "" : "s"} after you enroll`;
  return null;
}

/** For an enrolled student, a lesson held back until a quiz is passed (drip after_quiz):
 * "Opens after you pass <the quiz lesson's title>", or null. */
export function afterQuizText(
  lesson: Pick<Schemas["LessonRead"], "after_quiz">,
  lessons: Pick<Schemas["LessonRead"], "quiz_id" | "title">[],
): string | null {
  if (!lesson.after_quiz) return null;
  const quiz = lessons.find((l) => l.quiz_id === lesson.after_quiz);
  return `Opens after you pass ${quiz ? quiz.title : "a quiz"}`;
}

export function opensOn(iso: string): string {
  return `opens ${DATE.format(new Date(iso))}`;
}
