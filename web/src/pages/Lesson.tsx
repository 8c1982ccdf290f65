import { useCallback, useEffect, useMemo, useRef } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { api, duration, unwrap, type Schemas } from "../api/client";
import { endPlayback, startPlayback } from "../api/playback";
import { endSession, Player } from "../components/Player";
import { playerMedia } from "../components/player/media";
import type { Chapter } from "../components/player/Chapters";
import { PendingCopy } from "../components/player/PendingCopy";
import { usePlaybackStart } from "../components/player/usePlaybackStart";
import { CaptionSearch } from "../components/search/CaptionSearch";
import { Quiz } from "../components/quiz/Quiz";
import { afterQuizText, opensOn } from "../components/release";
import { Loading, Notice, useAction, useLoad } from "../components/ui";
import i18n from "../i18n";
import { formatDateTime } from "../i18n/format";
import { playbackProblem, type PlaybackProblem } from "../playback";

export function Lesson() {
  const { t } = useTranslation("player");
  const navigate = useNavigate();
  const { courseId = "", lessonId = "" } = useParams();
  const at = startAt(useSearchParams()[0]);
  const { data: course, reload: reloadCourse } = useLoad(
    () => unwrap(api.GET("/api/courses/{ref}", { params: { path: { ref: courseId } } })),
    [courseId],
  );
  const {
    data: lesson,
    error: lessonError,
    reload: reloadLesson,
  } = useLoad(
    () => unwrap(api.GET("/api/lessons/{lesson_id}", { params: { path: { lesson_id: lessonId } } })),
    [lessonId],
  );
  const lessons = course?.sections.flatMap((s) => s.lessons) ?? [];
  const index = lessons.findIndex((l) => l.id === lessonId);
  const following = index >= 0 ? lessons[index + 1] : undefined;
  const next = following && !following.opens_at && !following.after_quiz ? following : undefined; // held back: no link
  const held = (l: Schemas["LessonRead"]) => (l.opens_at ? opensOn(l.opens_at) : afterQuizText(l, lessons));
  const complete = useAction();
  const nextUrl = next ? `/learn/${courseId}/${next.id}` : null;
  const upNext = useMemo(
    () => (next && nextUrl ? { title: next.title, go: () => void navigate(nextUrl) } : undefined),
    [next, nextUrl, navigate],
  );

  async function markDone() {
    await complete.run(() =>
      unwrap(
        api.PUT("/api/lessons/{lesson_id}/progress", {
          params: { path: { lesson_id: lessonId } },
          body: { position: 0, completed: true },
        }),
      ),
    );
    await reloadLesson();
  }

  const problem = lessonError ? playbackProblem(lessonError) : null;

  return (
    <main className="lesson-layout">
      <section className="lesson-main">
        {course && (
          <p className="crumbs">
            <Link to={`/courses/${course.slug}`}>{course.title}</Link>
          </p>
        )}
        {problem ? (
          <ProblemView problem={problem} courseRef={course?.slug ?? courseId} onRetry={reloadLesson} />
        ) : !lesson ? (
          <Loading />
        ) : (
          <>
            <h1>{lesson.title}</h1>
            {lesson.kind === "video" ? (
              <VideoLesson
                lessonId={lessonId}
                courseRef={course?.slug ?? courseId}
                chapters={lesson.chapters ?? []}
                captions={lesson.captions ?? []}
                duration={lesson.duration ?? null}
                at={at}
                next={upNext}
              />
            ) : lesson.kind === "quiz" && lesson.quiz_id ? (
              <Quiz
                key={lesson.quiz_id}
                quizId={lesson.quiz_id}
                onFinished={() => {
                  void reloadCourse();
                  void reloadLesson();
                }}
              />
            ) : (
              <>
                {/* Server-rendered Markdown, sanitized with an allow-list (U6). */}
                <article className="card prose" dangerouslySetInnerHTML={{ __html: lesson.body_html ?? "" }} />
                {lesson.completed ? (
                  <Notice kind="success">{t("lessonCompleted")}</Notice>
                ) : (
                  <button className="primary" onClick={markDone} disabled={complete.busy}>
                    {t("markDone")}
                  </button>
                )}
              </>
            )}
            {next && (
              <p>
                <Link className="button" to={`/learn/${courseId}/${next.id}`}>
                  {t("nextLink", { title: next.title })}
                </Link>
              </p>
            )}
          </>
        )}
      </section>
      <nav className="card lesson-nav" aria-label={t("lessons")}>
        {course?.sections.map((section) => (
          <div key={section.id}>
            <h2>{section.title}</h2>
            <ol>
              {section.lessons.map((l) => (
                <li key={l.id} aria-current={l.id === lessonId ? "page" : undefined}>
                  {held(l) ? <span>{l.title}</span> : <Link to={`/learn/${courseId}/${l.id}`}>{l.title}</Link>}{" "}
                  {held(l) ? (
                    <span className="badge" data-testid="release">
                      {held(l)}
                    </span>
                  ) : (
                    <span className="muted">{duration(l.duration)}</span>
                  )}
                </li>
              ))}
            </ol>
          </div>
        ))}
        {course && <CaptionSearch courseId={course.id} compact />}
      </nav>
    </main>
  );
}

function VideoLesson({
  lessonId,
  courseRef,
  chapters,
  captions,
  duration,
  at,
  next,
}: {
  lessonId: string;
  courseRef: string;
  chapters: Chapter[];
  captions: Schemas["CaptionLanguage"][];
  duration: number | null;
  at: number | null;
  next?: { title: string; go(): void };
}) {
  const { t } = useTranslation("player");
  const { start, problem, setProblem, retry } = usePlaybackStart(lessonId, beginPlayback, endLateSession);
  // The first reason playback stopped is the one to show: what follows is its echo (the
  // player ends its own session as it goes, and a heartbeat still on its way then hears
  // "ended", which would replace "your membership lapsed" with "ended on another device").
  const onProblem = useCallback((p: PlaybackProblem) => setProblem((shown) => shown ?? p), [setProblem]);
  // `?t=` (a search hit) starts the session there instead of the resume point; a later hit
  // in the same lesson, while it plays, moves the playing video.
  const shown = useRef<HTMLDivElement>(null);
  const { key: visit } = useLocation();
  const seen = useRef({ visit, lessonId });
  useEffect(() => {
    const same = seen.current.visit !== visit && seen.current.lessonId === lessonId;
    seen.current = { visit, lessonId };
    const media = same && at !== null ? playerMedia(shown.current) : null;
    if (media && at !== null) media.currentTime = at;
  }, [visit, lessonId, at]);
  const from = useMemo(() => (start && at !== null ? { ...start, resume_position: at } : start), [start, at]);

  if (problem?.kind === "pending") return <PendingCopy progress={problem.progress} />;
  if (problem) return <ProblemView problem={problem} courseRef={courseRef} onRetry={retry} />;
  if (!start || !from) return <Loading label={t("starting")} />;
  return (
    <div ref={shown}>
      <Player
        key={start.session_id}
        start={from}
        onProblem={onProblem}
        lessonId={lessonId}
        chapters={chapters}
        captions={captions}
        duration={duration}
        next={next}
      />
    </div>
  );
}

/** The second `?t=` asks the lesson to start at, or null. */
function startAt(params: URLSearchParams): number | null {
  const t = Number(params.get("t") ?? "");
  return params.has("t") && Number.isFinite(t) && t >= 0 ? t : null;
}

const beginPlayback = (lessonId: string) => startPlayback(lessonId, describeDevice());
const endLateSession = (sessionId: string) => void endSession(sessionId, null);

function describeDevice(): string {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua)
    ? "Edge"
    : /Chrome\//.test(ua)
      ? "Chrome"
      : /Firefox\//.test(ua)
        ? "Firefox"
        : /Safari\//.test(ua)
          ? "Safari"
          : i18n.t("browser", { ns: "player" });
  const system = /Android/.test(ua)
    ? "Android"
    : /iPhone|iPad/.test(ua)
      ? "iOS"
      : /Mac OS/.test(ua)
        ? "macOS"
        : /Windows/.test(ua)
          ? "Windows"
          : /Linux/.test(ua)
            ? "Linux"
            : "";
  return system ? i18n.t("deviceOn", { ns: "player", browser, system }) : browser;
}

function ProblemView({
  problem,
  courseRef,
  onRetry,
}: {
  problem: PlaybackProblem;
  courseRef: string;
  onRetry: () => Promise<void>;
}) {
  const { t } = useTranslation("player");
  const action = useAction();

  async function stopOtherDevice(id: string) {
    await action.run(() => endPlayback(id));
    await onRetry();
  }

  return (
    <div className="card problem" data-testid="playback-problem" data-kind={problem.kind}>
      <Notice>{problem.message}</Notice>
      {problem.kind === "not_enrolled" && (
        <Link className="button primary" to={`/courses/${courseRef}`}>
          {t("seeCourse")}
        </Link>
      )}
      {problem.kind === "stream_limit" && (
        <>
          <p>{t("watchingOn")}</p>
          <ul className="devices">
            {problem.sessions.map((s) => (
              <li key={s.id}>
                <strong>{s.device}</strong>{" "}
                <span className="muted">{t("since", { when: formatDateTime(s.started_at) })}</span>{" "}
                <button onClick={() => stopOtherDevice(s.id)} disabled={action.busy}>
                  {t("stopThere")}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {problem.kind === "ended" && (
        <button className="primary" onClick={() => void onRetry()}>
          {t("restart")}
        </button>
      )}
      {problem.kind === "not_ready" && <button onClick={() => void onRetry()}>{t("tryAgain")}</button>}
      {problem.kind === "signed_out" && (
        <Link className="button primary" to="/signin">
          {t("signIn")}
        </Link>
      )}
      <Notice error={action.error} />
    </div>
  );
}
