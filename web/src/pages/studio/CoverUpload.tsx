import { useTranslation } from "react-i18next";
import { api, unwrap, type Schemas } from "../../api/client";
import { Notice, useAction } from "../../components/ui";

type Course = Schemas["CourseRead"];

/** The course's cover: the image is sent as it is; the server checks it by its bytes and
 * makes the 1280×720 JPEG that visitors see. */
export function CoverUpload({ course, onSaved }: { course: Course; onSaved(course: Course): void }) {
  const { t } = useTranslation("editor");
  const { busy, error, run } = useAction();

  async function choose(file: File | undefined) {
    if (!file) return;
    const saved = await run(() =>
      unwrap(
        api.PUT("/api/covers/{course_id}", {
          params: { path: { course_id: course.id } },
          body: file as never,
          bodySerializer: () => file,
          headers: { "Content-Type": file.type || "application/octet-stream" },
        }),
      ),
    );
    if (saved) onSaved(saved);
  }

  return (
    <section className="card">
      <h2>{t("cover.title")}</h2>
      {course.cover_url ? (
        <img className="cover" src={course.cover_url} alt={t("cover.alt", { title: course.title })} />
      ) : (
        <p className="muted">{t("cover.none")}</p>
      )}
      <label>
        {t("cover.image")} <small>{t("cover.imageHint")}</small>
        <input
          type="file"
          accept="image/jpeg,image/png,image/webp"
          disabled={busy}
          onChange={(e) => void choose(e.target.files?.[0])}
        />
      </label>
      <Notice error={error} />
    </section>
  );
}
