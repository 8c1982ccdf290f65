import type { TFunction } from "i18next";
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap, type Schemas } from "../../../api/client";
import { Notice, ProgressBar, useAction, useLoad } from "../../../components/ui";
import { formatNumber } from "../../../i18n/format";

type Transcription = Schemas["TranscriptionRead"];

const POLL_MS = 1500;
const WORKING = new Set<Transcription["state"]>(["queued", "running"]);

/** The editor namespace's `t` (a parameter, so the wording is tested without rendering). */
export type Translate = TFunction<"editor">;

/** What the line says about a video's automatic captions. AUTOMATIC: whether the track they
 * made is still unapproved (null when the video has no track in that language). */
export function describeTranscription(tr: Transcription, automatic: boolean | null, t: Translate): string {
  const why = tr.message ?? "";
  const count = tr.cue_count;
  switch (tr.state) {
    case "none":
      return t("autoCaptions.states.none");
    case "queued":
      return t("autoCaptions.states.queued");
    case "running":
      return t("autoCaptions.running", { percent: formatNumber(Math.round(tr.progress * 100)) });
    case "done":
      if (count === 0) return t("autoCaptions.doneWhy", { why: why || t("autoCaptions.noSpeech") });
      // The track's own state, once the list of tracks says it (null: not listed).
      if (automatic === null) return t("autoCaptions.done", { count });
      return automatic ? t("autoCaptions.doneAutomatic", { count }) : t("autoCaptions.doneApproved", { count });
  }
  const stopped = {
    skipped: t("autoCaptions.states.skipped"),
    failed: t("autoCaptions.states.failed"),
    unavailable: t("autoCaptions.states.unavailable"),
  }[tr.state];
  return why ? t("autoCaptions.withReason", { state: stopped, why }) : stopped;
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
  const { t } = useTranslation("editor");
  const status = useLoad(
    () => unwrap(api.GET("/api/videos/{video_id}/transcription", { params: { path: { video_id: videoId } } })),
    [videoId],
  );
  const action = useAction();
  const tr = status.data;
  const working = !!tr && WORKING.has(tr.state);
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

  if (!tr) return <Notice error={status.error} />;
  return (
    <div className="auto-captions" data-testid="auto-captions" data-state={tr.state}>
      <span className={tr.state === "failed" || tr.state === "unavailable" ? "error-text" : undefined}>
        {t("autoCaptions.line", { state: describeTranscription(tr, automatic(tr.language), t) })}
      </span>
      {tr.state === "running" && (
        <ProgressBar value={tr.progress * 100} label={t("autoCaptions.progress", { title })} />
      )}
      {!working && (
        <button type="button" className="small" disabled={action.busy} onClick={() => void generate()}>
          {tr.state === "none" ? t("autoCaptions.generate") : t("autoCaptions.again")}
          <span className="sr-only"> {t("autoCaptions.for", { title })}</span>
        </button>
      )}
      <Notice error={action.error} />
    </div>
  );
}
