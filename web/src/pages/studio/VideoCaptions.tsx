import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { Notice, useAction, useLoad } from "../../components/ui";
import { AutomaticCaptions } from "./captions/AutomaticCaptions";

/** One video's caption tracks: their automatic captions, upload a SubRip or WebVTT file per
 * language, edit a track's cues (the caption editor), delete one. The server checks a file
 * (its answer names the line that is wrong) and keeps text only. */
export function VideoCaptions({ videoId, title, courseId }: { videoId: string; title: string; courseId: string }) {
  const { t } = useTranslation("editor");
  const tracks = useLoad(
    () => unwrap(api.GET("/api/videos/{video_id}/captions", { params: { path: { video_id: videoId } } })),
    [videoId],
  );
  const [language, setLanguage] = useState("");
  const [label, setLabel] = useState("");
  const action = useAction();
  const items = tracks.data?.items ?? [];

  async function upload(file: File | undefined) {
    if (!file) return;
    const saved = await action.run(() =>
      unwrap(
        api.PUT("/api/videos/{video_id}/captions/{language}", {
          params: { path: { video_id: videoId, language: language.trim() }, query: { label: label.trim() || null } },
          body: file as never,
          bodySerializer: () => file,
          headers: { "Content-Type": "text/plain; charset=utf-8" },
        }),
      ),
    );
    if (saved) {
      setLanguage("");
      setLabel("");
      await tracks.reload();
    }
  }

  async function remove(code: string) {
    await action.run(async () => {
      await unwrap(
        api.DELETE("/api/videos/{video_id}/captions/{language}", {
          params: { path: { video_id: videoId, language: code } },
        }),
      );
      return true;
    });
    await tracks.reload();
  }

  const automatic = (code: string | null) => items.find((track) => track.language === code)?.automatic ?? null;

  return (
    <>
      <AutomaticCaptions videoId={videoId} title={title} automatic={automatic} onChanged={() => void tracks.reload()} />
      <details className="captions-editor">
        <summary>{t("videoCaptions.summary", { count: items.length })}</summary>
        <ul>
          {items.map((track) => (
            <li key={track.language} data-testid="caption-track" data-automatic={track.automatic}>
              {track.label}{" "}
              <span className="muted">
                ({t("videoCaptions.cues", { language: track.language, count: track.cue_count })})
              </span>{" "}
              {track.automatic && (
                <span className="badge" title={t("videoCaptions.automaticTitle")}>
                  {t("videoCaptions.automatic")}
                </span>
              )}{" "}
              <Link
                to={`/studio/courses/${courseId}/videos/${videoId}/captions/${track.language}`}
                aria-label={t("videoCaptions.editAria", { label: track.label, title })}
              >
                {t("videoCaptions.edit")}
              </Link>{" "}
              <button
                type="button"
                className="link"
                aria-label={t("videoCaptions.deleteAria", { label: track.label, title })}
                onClick={() => void remove(track.language)}
              >
                {t("shared.delete")}
              </button>
            </li>
          ))}
        </ul>
        <div className="row wrap">
          <label>
            {t("videoCaptions.language")} <small>{t("videoCaptions.languageHint")}</small>
            <input value={language} onChange={(e) => setLanguage(e.target.value)} maxLength={16} />
          </label>
          <label>
            {t("videoCaptions.label")} <small>{t("videoCaptions.labelHint")}</small>
            <input
              value={label}
              onChange={(e) => setLabel(e.target.value)}
              maxLength={40}
              placeholder={t("videoCaptions.labelExample")}
            />
          </label>
          <label>
            {t("videoCaptions.file", { title })} <small>{t("videoCaptions.fileHint")}</small>
            <input
              type="file"
              accept=".srt,.vtt,text/vtt"
              disabled={action.busy || !language.trim()}
              onChange={(e) => {
                void upload(e.target.files?.[0]);
                e.target.value = "";
              }}
            />
          </label>
        </div>
        <Notice error={action.error} />
      </details>
    </>
  );
}
