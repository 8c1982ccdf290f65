import { useState } from "react";
import { Link } from "react-router-dom";
import { api, unwrap, type Schemas } from "../api/client";
import { Loading, Notice, ProgressBar, useAction, useLoad } from "../components/ui";

export function MyLearning() {
  const { data, error, loading } = useLoad(() => unwrap(api.GET("/api/me/courses")), []);
  return (
    <main>
      <h1>My learning</h1>
      <Notice error={error} />
      {loading && !data && <Loading />}
      {data?.items.length === 0 && (
        <p className="empty">
          You are not enrolled in any course yet. <Link to="/">Browse the catalog</Link>.
        </p>
      )}
      <ul className="grid">
        {data?.items.map(({ course, percent, resume }) => (
          <li key={course.id} className="card course-card">
            <h2>
              <Link to={`/courses/${course.slug}`}>{course.title}</Link>
            </h2>
            <p className="muted">by {course.instructor_name}</p>
            <ProgressBar value={percent} label={`Progress in ${course.title}`} />
            {resume ? (
              <Link className="button primary" to={`/learn/${course.id}/${resume.lesson_id}`}>
                {percent > 0 || resume.position > 0 ? "Resume" : "Start"}
              </Link>
            ) : (
              <p className="done">Completed ✓</p>
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
          Get your certificate for {title}
        </button>
        <Notice error={error} />
      </>
    );
  return (
    <p className="row wrap">
      <a href={certificate.pdf_url ?? "#"} download>
        Download the certificate (PDF)
      </a>
      <a href={certificate.verify_url}>Public verification page</a>
      {certificate.score != null && (
        <span data-testid="certificate-score">Score: {Math.round(certificate.score * 10) / 10}%</span>
      )}
    </p>
  );
}
