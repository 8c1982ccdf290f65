import type { TFunction } from "i18next";
import type { Schemas } from "../../api/client";

// Any namespace's T will do: the keys name theirs ("studio:").
type T = TFunction<"studio"> | TFunction<"editor">;

/** A course's status in the language shown (one literal key per status, named with its
 * namespace: the translation check reads each, this file has no useTranslation); the
 * caller's T. */
export function courseStatus(t: T, status: Schemas["CourseStatus"]): string {
  return status === "published" ? t("studio:status.published") : t("studio:status.draft");
}

/** A video's processing status in the language shown; an unknown one as it comes. */
export function videoStatus(t: T, status: string): string {
  switch (status) {
    case "awaiting_upload":
      return t("studio:status.awaitingUpload");
    case "uploading":
      return t("studio:status.uploading");
    case "queued":
      return t("studio:status.queued");
    case "processing":
      return t("studio:status.processing");
    case "ready":
      return t("studio:status.ready");
    case "failed":
      return t("studio:status.failed");
    default:
      return status;
  }
}
