import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import * as tus from "tus-js-client";
import { api, csrfToken, refreshSession, unwrap } from "../api/client";
import { Notice, ProgressBar } from "./ui";

// Which video an unfinished upload of a given file belongs to, so that picking the same
// file again after a reload resumes it (tus-js-client stores the upload URL itself).
const PENDING = "coursevault.pendingUploads";
type Target = { videoId: string; uploadUrl: string };
type Pending = Record<string, Target>;

function fileKey(file: File): string {
  return `${file.name}:${file.size}:${file.lastModified}`;
}
function pending(): Pending {
  try {
    return JSON.parse(localStorage.getItem(PENDING) ?? "{}") as Pending;
  } catch {
    return {};
  }
}
function remember(key: string, value: Pending[string] | null) {
  const all = pending();
  if (value) all[key] = value;
  else delete all[key];
  localStorage.setItem(PENDING, JSON.stringify(all));
}

/** Uploads a video with tus: progress, pause/resume, and resume after a page reload. */
export function Uploader({
  onUploaded,
  forensic = false,
}: {
  onUploaded(videoId: string): void;
  forensic?: boolean; // encode the forensic variants at once (a watermarked course)
}) {
  const { t } = useTranslation();
  const upload = useRef<tus.Upload | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [paused, setPaused] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [name, setName] = useState("");

  useEffect(() => () => void upload.current?.abort(), []);

  async function begin(file: File) {
    setError(null);
    setName(file.name);
    const key = fileKey(file);
    let target: Target | undefined = pending()[key];
    if (target) {
      const video = await api.GET("/api/videos/{video_id}", { params: { path: { video_id: target.videoId } } });
      if (!video.data || !["awaiting_upload", "uploading"].includes(video.data.status)) target = undefined;
    }
    if (!target) {
      const title = file.name.replace(/\.[^.]+$/, "");
      const video = await unwrap(api.POST("/api/videos", { body: { title, forensic } }));
      target = { videoId: video.id, uploadUrl: video.upload_url };
      remember(key, target);
    }
    const { videoId, uploadUrl } = target;
    // The access cookie lives minutes; a long upload renews it as it goes.
    const keepAlive = setInterval(() => void refreshSession(), 4 * 60 * 1000);
    const next = new tus.Upload(file, {
      endpoint: uploadUrl,
      chunkSize: 16 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      metadata: { filename: file.name, filetype: file.type },
      onBeforeRequest(req) {
        req.setHeader("X-CSRF-Token", csrfToken());
      },
      onProgress(sent, total) {
        setProgress((sent / total) * 100);
      },
      onError(e) {
        clearInterval(keepAlive);
        setError(e);
      },
      onSuccess() {
        clearInterval(keepAlive);
        remember(key, null);
        setProgress(100);
        onUploaded(videoId);
      },
    });
    const previous = await next.findPreviousUploads();
    if (previous.length) next.resumeFromPreviousUpload(previous[0]);
    upload.current = next;
    setPaused(false);
    setProgress(0);
    next.start();
  }

  function toggle() {
    if (!upload.current) return;
    if (paused) upload.current.start();
    else void upload.current.abort();
    setPaused(!paused);
  }

  return (
    <div className="uploader">
      <label className="button">
        {t("uploader.choose")}
        <input
          type="file"
          accept="video/*"
          className="sr-only"
          data-testid="video-file"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void begin(file).catch(setError);
            e.target.value = "";
          }}
        />
      </label>
      {progress !== null && (
        <div className="upload-row">
          <span>{name}</span>
          <ProgressBar value={progress} label={t("uploader.uploading", { name })} />
          {progress < 100 && <button onClick={toggle}>{paused ? t("uploader.resume") : t("uploader.pause")}</button>}
        </div>
      )}
      <Notice error={error} />
    </div>
  );
}
