import { Link } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { Loading, Notice, ProgressBar, useLoad } from "../components/ui";

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
          </li>
        ))}
      </ul>
    </main>
  );
}
