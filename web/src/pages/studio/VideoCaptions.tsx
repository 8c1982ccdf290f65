import { useState } from "react";
import { Link } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { Notice, useAction, useLoad } from "../../components/ui";
import { AutomaticCaptions } from "./captions/AutomaticCaptions";

/** One video's caption tracks: their automatic captions, upload a SubRip or WebVTT file per
 * language, edit a track's cues (the caption editor), delete one. The server checks a file
 * (its answer names the line that is wrong) and keeps text only. */
export function VideoCaptions({ videoId, title, courseId }: { videoId: string; title: string; courseId: string }) {
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

  const automatic = (code: string | null) => items.find((t) => t.language === code)?.automatic ?? null;

  return (
    <>
      <AutomaticCaptions videoId={videoId} title={title} automatic={automatic} onChanged={() => void tracks.reload()} />
      <details className="captions-editor">
        <summary>Captions ({items.length})</summary>
        <ul>
          {items.map((t) => (
            <li key={t.language} data-testid="caption-track" data-automatic={t.automatic}>
              {t.label}{" "}
              <span className="muted">
                ({t.language}, {t.cue_count} cues)
              </span>{" "}
              {t.automatic && (
                <span className="badge" title="Made by speech recognition; not approved yet">
                  automatic
                </span>
              )}{" "}
              <Link
                to={`/studio/courses/${courseId}/videos/${videoId}/captions/${t.language}`}
                aria-label={`Edit the ${t.label} captions of ${title}`}
              >
                Edit cues
              </Link>{" "}
              <button
                type="button"
                className="link"
                aria-label={`Delete the ${t.label} captions of ${title}`}
                onClick={() => void remove(t.language)}
              >
                Delete
              </button>
            </li>
          ))}
        </ul>
        <div className="row wrap">
          <label>
            Language <small>(e.g. en, de, pt-BR)</small>
            <input value={language} onChange={(e) => setLanguage(e.target.value)} maxLength={16} />
          </label>
          <label>
            Label <small>(shown in the player)</small>
            <input value={label} onChange={(e) => setLabel(e.target.value)} maxLength={40} placeholder="English" />
          </label>
          <label>
            Caption file for {title} <small>(.srt or .vtt, UTF-8, up to 512 KiB)</small>
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
