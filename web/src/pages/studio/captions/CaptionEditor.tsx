import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { api, ApiError, unwrap, type Schemas } from "../../../api/client";
import { startPlayback } from "../../../api/playback";
import { endSession, Player } from "../../../components/Player";
import { playerMedia } from "../../../components/player/media";
import { usePlaybackStart } from "../../../components/player/usePlaybackStart";
import { Loading, Notice, useAction, useLoad } from "../../../components/ui";
import type { PlaybackProblem } from "../../../playback";
import { cueAt, insertAfter, mergeWithNext, removeCue, splitCue, toEdit, toSave, type EditCue } from "./cueEdit";

type Track = Schemas["CaptionTrackDetail"];

/** A cue the server (or the time check) refused, by row key so it follows the row. */
interface Refusal {
  key: number;
  index: number;
  reason: string;
}

/** The caption editor: a video's track in one language as a list of cues beside the video
 * (played through a staff session of a lesson that shows it). Times, text, split, merge,
 * delete and add; Save replaces the track's cues (the rules of an uploaded file apply and a
 * refusal names the cue), Approve keeps an automatic track as it is. Either makes the
 * track the instructor's: no longer "automatic". */
export function CaptionEditor() {
  const { t } = useTranslation("editor");
  const { courseId = "", videoId = "", language = "" } = useParams();
  const course = useLoad(
    () => unwrap(api.GET("/api/courses/{ref}", { params: { path: { ref: courseId } } })),
    [courseId],
  );
  const video = useLoad(
    () => unwrap(api.GET("/api/videos/{video_id}", { params: { path: { video_id: videoId } } })),
    [videoId],
  );
  const track = useLoad(
    () =>
      unwrap(
        api.GET("/api/videos/{video_id}/captions/{language}", {
          params: { path: { video_id: videoId, language } },
        }),
      ),
    [videoId, language],
  );
  const lesson = course.data?.sections.flatMap((s) => s.lessons).find((l) => l.video_id === videoId);
  const title = video.data?.title ?? t("captionEditor.theVideo");

  if (track.error || course.error)
    return (
      <main>
        <Notice error={track.error ?? course.error} />
      </main>
    );
  if (!track.data || !course.data) return <Loading />;
  return (
    <main>
      <p className="crumbs">
        <Link to="/studio">{t("shared.studio")}</Link> /{" "}
        <Link to={`/studio/courses/${courseId}`}>{course.data.title}</Link> / {t("captionEditor.crumb")}
      </p>
      <CueEditor
        key={`${videoId}:${language}`}
        videoId={videoId}
        title={title}
        track={track.data}
        onSaved={track.setData}
        reload={() =>
          unwrap(
            api.GET("/api/videos/{video_id}/captions/{language}", {
              params: { path: { video_id: videoId, language } },
            }),
          )
        }
        lessonId={lesson?.id ?? null}
      />
    </main>
  );
}

function CueEditor({
  videoId,
  title,
  track,
  onSaved,
  reload,
  lessonId,
}: {
  videoId: string;
  title: string;
  track: Track;
  onSaved(track: Track): void;
  reload(): Promise<Track>;
  lessonId: string | null;
}) {
  const { t } = useTranslation("editor");
  const [cues, setCues] = useState<EditCue[]>(() => toEdit(track.cues));
  const [baseline, setBaseline] = useState(() => snapshot(toEdit(track.cues)));
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [time, setTime] = useState<number | null>(null);
  const cursor = useRef(new Map<number, number>());
  const preview = useRef<HTMLDivElement>(null);
  const action = useAction();
  const dirty = snapshot(cues) !== baseline;
  const language = track.language;

  // Leaving with unsaved edits asks first (the browser's own prompt).
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  // The cue under the playing video, marked in the list (the Player keeps its time inside).
  useEffect(() => {
    if (!lessonId) return;
    const timer = setInterval(() => {
      const media = playerMedia(preview.current);
      setTime(media ? media.currentTime : null);
    }, 250);
    return () => clearInterval(timer);
  }, [lessonId]);
  const playing = time === null ? -1 : cueAt(cues, time);

  function edit(next: EditCue[]) {
    setCues(next);
    setDone(null);
  }

  function change(index: number, field: "start" | "end" | "text", value: string) {
    edit(cues.map((c, i) => (i === index ? { ...c, [field]: value } : c)));
  }

  function playFrom(seconds: string) {
    const media = playerMedia(preview.current);
    const at = toSave([{ key: 0, start: seconds, end: seconds, text: "" }]);
    if (!media || !("cues" in at)) return;
    media.currentTime = at.cues[0].start;
    void media.play().catch(() => undefined);
  }

  function focusCue(key: number) {
    // After React has drawn the rows (a refused cue may be far down the list).
    setTimeout(() => document.getElementById(`cue-${key}-start`)?.focus(), 0);
  }

  async function refresh(message: string) {
    const fresh = await reload();
    onSaved(fresh);
    const rows = toEdit(fresh.cues);
    setCues(rows);
    setBaseline(snapshot(rows));
    cursor.current.clear();
    setDone(message);
  }

  async function save() {
    setRefusal(null);
    setDone(null);
    const body = toSave(cues);
    if ("field" in body) {
      const key = cues[body.cue].key;
      const reason = body.field === "start" ? t("captionEditor.badStart") : t("captionEditor.badEnd");
      setRefusal({ key, index: body.cue, reason });
      focusCue(key);
      return;
    }
    const saved = await action.run(async () => {
      try {
        return await unwrap(
          api.PUT("/api/videos/{video_id}/captions/{language}/cues", {
            params: { path: { video_id: videoId, language } },
            body,
          }),
        );
      } catch (error) {
        const at = refusedCue(error);
        if (at && cues[at.cue]) {
          const key = cues[at.cue].key;
          setRefusal({ key, index: at.cue, reason: at.reason });
          focusCue(key);
          return undefined;
        }
        throw error;
      }
    });
    if (saved) await refresh(t("captionEditor.saved"));
  }

  async function approve() {
    setRefusal(null);
    const approved = await action.run(() =>
      unwrap(
        api.POST("/api/videos/{video_id}/captions/{language}/approve", {
          params: { path: { video_id: videoId, language } },
        }),
      ),
    );
    if (approved) await refresh(t("captionEditor.approved"));
  }

  return (
    <>
      <header className="row spread wrap">
        <h1>
          {t("captionEditor.heading", { label: track.label, title })}{" "}
          {track.automatic ? (
            <span className="badge" data-testid="track-state">
              {t("captionEditor.automatic")}
            </span>
          ) : (
            <span className="badge state-ready" data-testid="track-state">
              {t("captionEditor.approvedBadge")}
            </span>
          )}
        </h1>
        <div className="row">
          {dirty && <span className="muted">{t("shared.unsaved")}</span>}
          <button className="primary" disabled={action.busy || !dirty} onClick={() => void save()}>
            {t("captionEditor.save")}
          </button>
          {track.automatic && (
            <button disabled={action.busy || dirty} onClick={() => void approve()}>
              {t("captionEditor.approve")}
            </button>
          )}
        </div>
      </header>
      <p className="muted">
        {track.automatic ? t("captionEditor.introAutomatic") : t("captionEditor.introOwn")} {t("captionEditor.howTo")}
      </p>
      {refusal && <Notice>{t("captionEditor.notSaved", { n: refusal.index + 1, reason: refusal.reason })}</Notice>}
      <Notice error={action.error} />
      {done && <Notice kind="success">{done}</Notice>}
      <div className="caption-editor">
        <section className="caption-preview" aria-label={t("captionEditor.video")}>
          {lessonId ? (
            <div ref={preview}>
              <Preview lessonId={lessonId} />
            </div>
          ) : (
            <Notice kind="info">{t("captionEditor.noLesson")}</Notice>
          )}
        </section>
        <section aria-label={t("captionEditor.cues")} className="cue-list">
          <ol>
            {cues.map((cue, index) => (
              <CueRow
                key={cue.key}
                cue={cue}
                index={index}
                last={index === cues.length - 1}
                playing={index === playing}
                refused={refusal?.key === cue.key ? refusal.reason : null}
                canPlay={!!lessonId}
                onChange={(field, value) => change(index, field, value)}
                onCursor={(at) => cursor.current.set(cue.key, at)}
                onPlay={() => playFrom(cue.start)}
                onSplit={() => edit(splitCue(cues, index, cursor.current.get(cue.key)))}
                onMerge={() => edit(mergeWithNext(cues, index))}
                onDelete={() => edit(removeCue(cues, index))}
                onAdd={() => edit(insertAfter(cues, index))}
              />
            ))}
          </ol>
          {cues.length === 0 && (
            <button type="button" onClick={() => edit(insertAfter(cues, -1))}>
              {t("captionEditor.addCue")}
            </button>
          )}
        </section>
      </div>
    </>
  );
}

function CueRow({
  cue,
  index,
  last,
  playing,
  refused,
  canPlay,
  onChange,
  onCursor,
  onPlay,
  onSplit,
  onMerge,
  onDelete,
  onAdd,
}: {
  cue: EditCue;
  index: number;
  last: boolean;
  playing: boolean;
  refused: string | null;
  canPlay: boolean;
  onChange(field: "start" | "end" | "text", value: string): void;
  onCursor(at: number): void;
  onPlay(): void;
  onSplit(): void;
  onMerge(): void;
  onDelete(): void;
  onAdd(): void;
}) {
  const { t } = useTranslation("editor");
  const n = index + 1;
  const id = `cue-${cue.key}`;
  const problem = refused ? `${id}-problem` : undefined;
  return (
    <li
      className={`cue-row${playing ? " playing" : ""}${refused ? " refused" : ""}`}
      data-testid="cue"
      aria-current={playing ? "time" : undefined}
    >
      <div className="row wrap">
        <span className="cue-number" aria-hidden="true">
          {n}
        </span>
        <label className="cue-time">
          {t("cue.start")}
          <span className="sr-only"> {t("cue.ofCue", { n })}</span>
          <input
            id={`${id}-start`}
            value={cue.start}
            inputMode="decimal"
            aria-invalid={refused ? true : undefined}
            aria-describedby={problem}
            onChange={(e) => onChange("start", e.target.value)}
          />
        </label>
        <label className="cue-time">
          {t("cue.end")}
          <span className="sr-only"> {t("cue.ofCue", { n })}</span>
          <input
            value={cue.end}
            inputMode="decimal"
            aria-invalid={refused ? true : undefined}
            aria-describedby={problem}
            onChange={(e) => onChange("end", e.target.value)}
          />
        </label>
        {canPlay && (
          <button type="button" className="small" onClick={onPlay}>
            ▶ {t("cue.play")}
            <span className="sr-only"> {t("cue.inBrackets", { n })}</span>
          </button>
        )}
      </div>
      <label>
        {t("cue.text")}
        <span className="sr-only"> {t("cue.ofCue", { n })}</span>
        <textarea
          rows={2}
          value={cue.text}
          aria-describedby={problem}
          onChange={(e) => onChange("text", e.target.value)}
          onSelect={(e) => onCursor(e.currentTarget.selectionStart)}
        />
      </label>
      {refused && (
        <p className="error-text" id={problem}>
          {refused}
        </p>
      )}
      <div className="row wrap cue-actions">
        <button type="button" className="small" onClick={onSplit}>
          {t("cue.split")}
          <span className="sr-only"> {t("cue.splitWhich", { n })}</span>
        </button>
        <button type="button" className="small" disabled={last} onClick={onMerge}>
          {t("cue.merge")}
          <span className="sr-only"> {t("cue.inBrackets", { n })}</span>
        </button>
        <button type="button" className="small" onClick={onAdd}>
          {t("cue.addAfter")}
          <span className="sr-only"> {t("cue.addAfterWhich", { n })}</span>
        </button>
        <button type="button" className="small" onClick={onDelete}>
          {t("shared.delete")}
          <span className="sr-only"> {t("cue.deleteWhich", { n })}</span>
        </button>
      </div>
    </li>
  );
}

/** The lesson's video through a staff playback session (staff watch every lesson, with no
 * stream limit or checkpoint), without its captions: the list beside it is the transcript. */
function Preview({ lessonId }: { lessonId: string }) {
  const { t } = useTranslation("editor");
  const { start, problem, setProblem } = usePlaybackStart(lessonId, beginPreview, endLatePreview);
  const onProblem = useCallback((p: PlaybackProblem) => setProblem(p), [setProblem]);
  if (problem) return <Notice kind="info">{t("captionEditor.cannotPlay", { message: problem.message })}</Notice>;
  if (!start) return <Loading label={t("captionEditor.starting")} />;
  return <Player key={start.session_id} start={start} onProblem={onProblem} lessonId={lessonId} />;
}

const beginPreview = (lessonId: string) => startPlayback(lessonId, "Studio caption editor");
const endLatePreview = (sessionId: string) => void endSession(sessionId, null);

const snapshot = (cues: EditCue[]) => JSON.stringify(cues.map((c) => [c.start, c.end, c.text]));

/** The cue a `422 invalid_captions` names (0-based, as sent) and why, or null. */
function refusedCue(error: unknown): { cue: number; reason: string } | null {
  if (!(error instanceof ApiError) || error.code !== "invalid_captions") return null;
  const detail = (error.detail ?? {}) as { cue?: unknown; reason?: unknown };
  if (typeof detail.cue !== "number") return null;
  return { cue: detail.cue, reason: typeof detail.reason === "string" ? detail.reason : error.message };
}
