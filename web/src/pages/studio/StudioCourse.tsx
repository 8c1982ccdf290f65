import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useParams } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { Uploader } from "../../components/Uploader";
import { Loading, Notice, ProgressBar, useLoad } from "../../components/ui";
import { Completion } from "./Completion";
import { CoverUpload } from "./CoverUpload";
import { Details } from "./Details";
import { Outline } from "./Outline";
import { Stats } from "./Stats";
import { courseStatus, videoStatus } from "./statusLabels";
import { Tabs, useTabParam } from "./Tabs";
import { VideoCaptions } from "./VideoCaptions";
import { useCourseEditor } from "./useCourseEditor";
import "./studio.css";

const TABS = ["details", "lessons", "videos", "completion", "stats"];

/** The instructor's page for one course, in tabs (the chosen one in the URL): details,
 * lessons, videos and captions, completion, stats and students. */
export function StudioCourse() {
  const { t } = useTranslation("studio");
  const { courseId = "" } = useParams();
  const [tab, chooseTab] = useTabParam(TABS);
  const { hash } = useLocation();
  const course = useLoad(
    () => unwrap(api.GET("/api/courses/{ref}", { params: { path: { ref: courseId } } })),
    [courseId],
  );
  const videos = useLoad(() => unwrap(api.GET("/api/videos")), []);
  const editor = useCourseEditor(courseId, course.setData);
  const c = course.data;
  const reloadVideos = videos.reload;

  // Poll while a video is still being uploaded or transcoded, or gets its forensic variants.
  const working = videos.data?.items.some(
    (v) => !["ready", "failed", "awaiting_upload"].includes(v.status) || v.forensic_progress != null,
  );
  useEffect(() => {
    if (!working) return;
    const timer = setInterval(() => void reloadVideos(), 1500);
    return () => clearInterval(timer);
  }, [working, reloadVideos]);
  // The course's own view says which lessons have their variants: read it again whenever
  // the set of videos still getting them changes (a re-package started or finished).
  const preparing = videos.data?.items
    .filter((v) => v.forensic_progress != null)
    .map((v) => v.id)
    .join(",");
  const reloadCourse = course.reload;
  const seen = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (preparing === undefined) return;
    if (seen.current !== undefined && seen.current !== preparing) void reloadCourse();
    seen.current = preparing;
  }, [preparing, reloadCourse]);
  // And the other way: turning the watermark on, or adding a lesson to a watermarked
  // course, queues re-packages, which the video list then shows (and polls).
  const queued = c?.sections
    .flatMap((s) => s.lessons)
    .filter((l) => l.video_forensic_progress != null)
    .map((l) => l.video_id)
    .join(",");
  useEffect(() => {
    if (queued) void reloadVideos();
  }, [queued, reloadVideos]);
  // A link to one lesson (the dashboard's "where viewers stop") shows it once loaded.
  const loaded = Boolean(c);
  useEffect(() => {
    if (loaded && hash) document.getElementById(decodeURIComponent(hash.slice(1)))?.scrollIntoView();
  }, [loaded, hash]);

  if (!c)
    return course.error ? (
      <main>
        <Notice error={course.error} />
      </main>
    ) : (
      <Loading />
    );

  const videosPanel = (
    <section className="card">
      <h2>{t("editor.videos")}</h2>
      <Uploader onUploaded={() => void reloadVideos()} forensic={c.policy.forensic_watermark ?? false} />
      <ul className="videos">
        {videos.data?.items.map((v) => (
          <li key={v.id} data-testid="video-row" data-status={v.status}>
            <strong>{v.title}</strong> <span className={`badge state-${v.status}`}>{videoStatus(t, v.status)}</span>
            {v.forensic_watermark && <span className="badge">{t("editor.forensicMark")}</span>}
            {v.status === "ready" && v.forensic_progress != null && (
              <ProgressBar value={v.forensic_progress * 100} label={t("editor.addingVariants", { title: v.title })} />
            )}
            {v.status === "processing" && v.playable && (
              <span className="badge state-ready" data-testid="playable-now">
                {t("editor.playableNow", { percent: Math.round(v.progress * 100) })}
              </span>
            )}
            {v.status === "processing" && (
              <ProgressBar value={v.progress * 100} label={t("editor.transcoding", { title: v.title })} />
            )}
            {v.status === "failed" && <span className="error-text"> {v.error}</span>}
            {v.status === "ready" && <VideoCaptions videoId={v.id} title={v.title} courseId={c.id} />}
          </li>
        ))}
      </ul>
    </section>
  );

  return (
    <main className="studio-course">
      <p className="crumbs">
        <Link to="/studio">{t("editor.crumb")}</Link> / {c.title}
      </p>
      <header className="row spread wrap">
        <h1>
          {c.title} <span className={`badge state-${c.status}`}>{courseStatus(t, c.status)}</span>{" "}
          {c.policy.forensic_watermark &&
            (c.forensic_watermark ? (
              <span className="badge" data-testid="course-watermarked">
                {t("editor.watermarked")}
              </span>
            ) : (
              <span className="badge" data-testid="course-watermark-pending">
                {t("editor.watermarkPending")}
              </span>
            ))}
        </h1>
        <div className="row">
          <Link className="button" to={`/courses/${c.slug}`}>
            {t("editor.viewPage")}
          </Link>
          {c.status === "draft" ? (
            <button className="primary" disabled={editor.busy} onClick={editor.publish}>
              {t("editor.publish")}
            </button>
          ) : (
            <button disabled={editor.busy} onClick={editor.unpublish}>
              {t("editor.unpublish")}
            </button>
          )}
        </div>
      </header>
      <Notice error={editor.error} />
      <Tabs
        label={t("editor.tabsLabel", { title: c.title })}
        current={tab}
        onSelect={chooseTab}
        tabs={[
          {
            id: "details",
            label: t("editor.tabs.details"),
            panel: (
              <>
                <Details course={c} onSave={editor.update} />
                <CoverUpload course={c} onSaved={course.setData} />
              </>
            ),
          },
          {
            id: "lessons",
            label: t("editor.tabs.lessons"),
            panel: <Outline course={c} videos={videos.data?.items ?? []} editor={editor} onReload={course.reload} />,
          },
          { id: "videos", label: t("editor.tabs.videos"), panel: videosPanel },
          {
            id: "completion",
            label: t("editor.tabs.completion"),
            panel: <Completion course={c} onSave={editor.update} />,
          },
          {
            id: "stats",
            label: t("editor.tabs.stats"),
            panel: <Stats courseId={c.id} lessons={c.sections.flatMap((s) => s.lessons)} />,
          },
        ]}
      />
    </main>
  );
}
