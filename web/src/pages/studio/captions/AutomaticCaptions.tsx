import { useEffect, useRef } from "react";
import { api, unwrap, type Schemas } from "../../../api/client";
import { Notice, ProgressBar, useAction, useLoad } from "../../../components/ui";

type Transcription = Schemas["TranscriptionRead"];

const POLL_MS = 1500;
const WORKING = new Set<Transcription["state"]>(["queued", "running"]);

/** What the line says about a video's automatic captions. AUTOMATIC: whether the track they
 * made is still unapproved (null when the video has no track in that language). */
export function describeTranscription(t: Transcription, automatic: boolean | null): string {
  const why = t.message ?? "";
  switch (t.state) {
    case "none":
      return "not made yet";
    case "queued":
      return "queued";
    case "running":
      return `${Math.round(t.progress * 100)} %`;
    case "done":
      if (t.cue_count === 0) return `done — ${why || "no speech found"}`;
      // The track's own state, once the list of tracks says it (null: not listed).
      return `done — ${t.cue_count} ${t.cue_count === 1 ? "cue" : "cues"}${automatic === null ? "" : automatic ? ", automatic" : ", approved"}`;
    default:
      return why ? `${t.state}: ${why}` : t.state;
  }
}

/** A video's automatic captions in the studio: their state (polled while they are made, like
 * the transcode) and a button that asks for them (again). ONCHANGED runs when a run ends:
 * the video's caption tracks changed. */
export function AutomaticCaptions({
  videoId,
  title,
  automatic,
  onChanged,
}: {
  videoId: string;
  title: string;
  automatic(language: string | null): boolean | null;
  onChanged(): void;
}) {
  const status = useLoad(
    () => unwrap(api.GET("/api/videos/{video_id}/transcription", { params: { path: { video_id: videoId } } })),
    [videoId],
  );
  const action = useAction();
  const t = status.data;
  const working = !!t && WORKING.has(t.state);
  const reload = status.reload;

  useEffect(() => {
    if (!working) return;
    const timer = setInterval(() => void reload(), POLL_MS);
    return () => clearInterval(timer);
  }, [working, reload]);
  const wasWorking = useRef(working);
  const changed = useRef(onChanged);
  useEffect(() => {
    changed.current = onChanged;
  });
  useEffect(() => {
    if (wasWorking.current && !working) changed.current();
    wasWorking.current = working;
  }, [working]);

  async function generate() {
    const queued = await action.run(() =>
      unwrap(api.POST("/api/videos/{video_id}/transcription", { params: { path: { video_id: videoId } } })),
    );
    if (queued) status.setData(queued);
    else await reload(); // a 409 records why (no usable model)
  }

  if (!t) return <Notice error={status.error} />;
  return (
    <div className="auto-captions" data-testid="auto-captions" data-state={t.state}>
      <span className={t.state === "failed" || t.state === "unavailable" ? "error-text" : undefined}>
        Automatic captions: {describeTranscription(t, automatic(t.language))}
      </span>
      {t.state === "running" && <ProgressBar value={t.progress * 100} label={`Captioning ${title}`} />}
      {!working && (
        <button type="button" className="small" disabled={action.busy} onClick={() => void generate()}>
          {t.state === "none" ? "Generate captions" : "Generate again"}
          <span className="sr-only"> for {title}</span>
        </button>
      )}
      <Notice error={action.error} />
    </div>
  );
}
