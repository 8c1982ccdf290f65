import type { TFunction } from "i18next";
import { MIN_ORDERING_ITEMS, type DraftProblem, type QuestionType } from "./drafts";

// Keys name their namespace: this module has no useTranslation of its own.
type T = TFunction<"editor">;

/** Each question type's name, in the order the editor offers them. */
export function typeNames(t: T): Record<QuestionType, string> {
  return {
    single: t("editor:questionTypes.single"),
    multiple: t("editor:questionTypes.multiple"),
    true_false: t("editor:questionTypes.true_false"),
    numeric: t("editor:questionTypes.numeric"),
    short_text: t("editor:questionTypes.short_text"),
    ordering: t("editor:questionTypes.ordering"),
  };
}

/** What the editor says about a draft that cannot be saved yet. */
export function problemText(t: T, problem: DraftProblem): string {
  switch (problem) {
    case "no_stem":
      return t("editor:drafts.writeQuestion");
    case "few_items":
      return t("editor:drafts.orderingItems", { count: MIN_ORDERING_ITEMS });
    case "few_options":
      return t("editor:drafts.twoOptions");
    case "empty_option":
      return t("editor:drafts.emptyOption");
    case "not_one_correct":
      return t("editor:drafts.exactlyOne");
    case "none_correct":
      return t("editor:drafts.atLeastOne");
    case "no_value":
      return t("editor:drafts.rightValue");
    case "no_accepted":
      return t("editor:drafts.acceptedAnswer");
  }
}
