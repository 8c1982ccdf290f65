import type { Schemas } from "../api/client";
import i18n from "../i18n";
import { formatDate } from "../i18n/format";

type Release = Schemas["Release"];

const t = i18n.getFixedT(null, "catalog");
const DAY: Intl.DateTimeFormatOptions = { day: "numeric", month: "short", year: "numeric" };

/** How a drip rule reads in the outline: "opens 3 days after you enroll", "opens 24 Dec 2026". */
export function describeRelease(release: Release | null | undefined): string | null {
  if (!release) return null;
  if (release.on) return opensOn(release.on);
  if (release.after_quiz) return t("release.afterQuiz");
  if (release.after_days != null)
    return release.after_days === 0 ? null : t("release.afterDays", { count: release.after_days });
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
  return quiz ? t("release.afterPassing", { title: quiz.title }) : t("release.afterPassingAQuiz");
}

export function opensOn(iso: string): string {
  return t("release.on", { date: formatDate(iso, DAY) });
}
