import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, unwrap, type Schemas } from "../api/client";
import { Loading, Notice, ProgressBar, useAction, useLoad } from "../components/ui";
import { formatNumber } from "../i18n/format";

export function MyLearning() {
  const { t } = useTranslation("catalog");
  const { data, error, loading } = useLoad(() => unwrap(api.GET("/api/me/courses")), []);
  return (
    <main>
      <h1>{t("my.title")}</h1>
      <Notice error={error} />
      {loading && !data && <Loading />}
      {data?.items.length === 0 && (
        <p className="empty">
          {t("my.empty")} <Link to="/">{t("my.browse")}</Link>.
        </p>
      )}
      <ul className="grid">
        {data?.items.map(({ course, percent, resume }) => (
          <li key={course.id} className="card course-card">
            <h2>
              <Link to={`/courses/${course.slug}`}>{course.title}</Link>
            </h2>
            <p className="muted">{t("by", { name: course.instructor_name })}</p>
            <ProgressBar value={percent} label={t("my.progress", { title: course.title })} />
            {resume ? (
              <Link className="button primary" to={`/learn/${course.id}/${resume.lesson_id}`}>
                {percent > 0 || resume.position > 0 ? t("resume") : t("my.start")}
              </Link>
            ) : (
              <p className="done">{t("my.completed")} ✓</p>
            )}
            {percent >= 100 && <CertificateLinks courseId={course.id} title={course.title} />}
          </li>
        ))}
      </ul>
    </main>
  );
}

/** The certificate of a completed course: issued on first request, then a PDF and a
 * public page that anyone can open to check it. */
function CertificateLinks({ courseId, title }: { courseId: string; title: string }) {
  const { t } = useTranslation("catalog");
  const { busy, error, run } = useAction();
  const [certificate, setCertificate] = useState<Schemas["CertificateRead"] | null>(null);
  async function open() {
    const found = await run(() =>
      unwrap(api.GET("/api/courses/{course_id}/certificate", { params: { path: { course_id: courseId } } })),
    );
    if (found) setCertificate(found);
  }
  if (!certificate)
    return (
      <>
        <button className="link" disabled={busy} onClick={() => void open()}>
          {t("certificate.get", { title })}
        </button>
        <Notice error={error} />
      </>
    );
  return (
    <p className="row wrap">
      <a href={certificate.pdf_url ?? "#"} download>
        {t("certificate.pdf")}
      </a>
      <a href={certificate.verify_url}>{t("certificate.verify")}</a>
      {certificate.score != null && (
        <span data-testid="certificate-score">
          {t("certificate.score", { score: formatNumber(Math.round(certificate.score * 10) / 10) })}
        </span>
      )}
    </p>
  );
}
