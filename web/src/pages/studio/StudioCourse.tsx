import { useEffect } from "react";
import { Link, useParams } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { Uploader } from "../../components/Uploader";
import { Loading, Notice, ProgressBar, useLoad } from "../../components/ui";
import { CoverUpload } from "./CoverUpload";
import { Details } from "./Details";
import { Outline } from "./Outline";
import { Stats } from "./Stats";
import { VideoCaptions } from "./VideoCaptions";
import { useCourseEditor } from "./useCourseEditor";

/** The instructor's page for one course: details, outline, videos, stats. */
export function StudioCourse() {
  const { courseId = "" } = useParams();
  const course = useLoad(
    () => unwrap(api.GET("/api/courses/{ref}", { params: { path: { ref: courseId } } })),
    [courseId],
  );
  const videos = useLoad(() => unwrap(api.GET("/api/videos")), []);
  const editor = useCourseEditor(courseId, course.setData);
  const c = course.data;
  const reloadVideos = videos.reload;

  // Poll while a video is still being uploaded or transcoded.
  const working = videos.data?.items.some((v) => !["ready", "failed", "awaiting_upload"].includes(v.status));
  useEffect(() => {
    if (!working) return;
    const timer = setInterval(() => void reloadVideos(), 1500);
    return () => clearInterval(timer);
  }, [working, reloadVideos]);

  if (!c)
    return course.error ? (
      <main>
        <Notice error={course.error} />
      </main>
    ) : (
      <Loading />
    );

  return (
    <main>
      <p className="crumbs">
        <Link to="/studio">Studio</Link> / {c.title}
      </p>
      <header className="row spread">
        <h1>
          {c.title} <span className={`badge state-${c.status}`}>{c.status}</span>
        </h1>
        <div className="row">
          <Link className="button" to={`/courses/${c.slug}`}>
            View page
          </Link>
          {c.status === "draft" ? (
            <button className="primary" disabled={editor.busy} onClick={editor.publish}>
              Publish
            </button>
          ) : (
            <button disabled={editor.busy} onClick={editor.unpublish}>
              Unpublish
            </button>
          )}
        </div>
      </header>
      <Notice error={editor.error} />
      <div className="studio-grid">
        <div>
          <Details course={c} onSave={editor.update} />
          <CoverUpload course={c} onSaved={course.setData} />
          <Outline course={c} videos={videos.data?.items ?? []} editor={editor} />
        </div>
        <div>
          <section className="card">
            <h2>Videos</h2>
            <Uploader onUploaded={() => void reloadVideos()} forensic={c.policy.forensic_watermark ?? false} />
            <ul className="videos">
              {videos.data?.items.map((v) => (
                <li key={v.id} data-testid="video-row" data-status={v.status}>
                  <strong>{v.title}</strong> <span className={`badge state-${v.status}`}>{v.status}</span>
                  {v.forensic_watermark && <span className="badge">forensic mark</span>}
                  {v.status === "processing" && (
                    <ProgressBar value={v.progress * 100} label={`Transcoding ${v.title}`} />
                  )}
                  {v.status === "failed" && <span className="error-text"> {v.error}</span>}
                  {v.status === "ready" && <VideoCaptions videoId={v.id} title={v.title} />}
                </li>
              ))}
            </ul>
          </section>
          <Stats courseId={c.id} lessons={c.sections.flatMap((s) => s.lessons)} />
        </div>
      </div>
    </main>
  );
}
