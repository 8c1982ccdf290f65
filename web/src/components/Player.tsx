import { useCallback, useEffect, useRef, useState } from "react";
import ReactPlayer from "react-player";
import type Hls from "hls.js";
import { api, csrfToken, unwrap, type Schemas } from "../api/client";
import { mediaProblem, playbackProblem, watermarkSpot, type PlaybackProblem } from "../playback";

type Start = Schemas["PlaybackStart"];
type HlsElement = HTMLVideoElement & { api?: Hls | null };
type HlsErrorData = { fatal: boolean; response?: { code?: number } };

const SPEEDS = [0.75, 1, 1.25, 1.5, 2];
const WATERMARK_MOVE_MS = 4000;

const pendingEnds = new Map<string, number>();

/** Stores the last position, then ends the session (frees the stream slot). */
export async function endSession(id: string, position: number | null): Promise<void> {
  pendingEnds.delete(id);
  if (position !== null) {
    await api.POST("/api/playback/{session_id}/heartbeat", { params: { path: { session_id: id } }, body: { position } });
  }
  await api.DELETE("/api/playback/{session_id}", { params: { path: { session_id: id } } });
}

interface Props {
  start: Start;
  onProblem(problem: PlaybackProblem): void;
}

/** The secure player: signed playlist, heartbeats, resume, quality and speed, a moving
 * watermark that pauses playback if it is hidden, no download or context menu. */
export function Player({ start, onProblem }: Props) {
  const video = useRef<HlsElement | null>(null);
  const watermark = useRef<HTMLDivElement>(null);
  const [levels, setLevels] = useState<{ index: number; height: number }[]>([]);
  const [level, setLevel] = useState(-1);
  const [speed, setSpeed] = useState(1);
  const [tick, setTick] = useState(0);
  const [tampered, setTampered] = useState(false);
  const resumed = useRef(false);

  // Until the video has loaded and jumped to the resume point, report that point, so an
  // early heartbeat never moves the stored position back to 0.
  const position = () => (resumed.current ? (video.current?.currentTime ?? 0) : start.resume_position);

  const beat = useCallback(async () => {
    try {
      await unwrap(
        api.POST("/api/playback/{session_id}/heartbeat", {
          params: { path: { session_id: start.session_id } },
          body: { position: position() },
        }),
      );
    } catch (error) {
      video.current?.pause();
      onProblem(playbackProblem(error));
    }
  }, [start.session_id, onProblem]);

  // Heartbeats keep the session's lease and store the resume position.
  useEffect(() => {
    const timer = setInterval(() => void beat(), start.heartbeat_interval * 1000);
    return () => clearInterval(timer);
  }, [beat, start.heartbeat_interval]);

  // Leaving the page ends the session, which frees the stream slot at once. The end waits
  // one tick so that React's development double-mount (StrictMode) does not end it.
  useEffect(() => {
    const id = start.session_id;
    window.clearTimeout(pendingEnds.get(id));
    pendingEnds.delete(id);
    // Closing the tab or leaving the site: a keepalive request still goes out.
    const leave = () => {
      void fetch(`/api/playback/${encodeURIComponent(id)}`, {
        method: "DELETE",
        keepalive: true,
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrfToken() },
      });
    };
    window.addEventListener("pagehide", leave);
    return () => {
      window.removeEventListener("pagehide", leave);
      const last = resumed.current ? (video.current?.currentTime ?? null) : null;
      pendingEnds.set(id, window.setTimeout(() => void endSession(id, last), 0));
    };
  }, [start.session_id]);

  // The watermark moves, and playback pauses while it is hidden or removed.
  useEffect(() => {
    const move = setInterval(() => setTick((t) => t + 1), WATERMARK_MOVE_MS);
    const guard = setInterval(() => {
      const el = watermark.current;
      const style = el && el.isConnected ? getComputedStyle(el) : null;
      const hidden =
        !style || style.display === "none" || style.visibility !== "visible" || Number(style.opacity) < 0.2 || el!.offsetWidth === 0;
      setTampered(hidden);
      if (hidden) video.current?.pause();
    }, 1000);
    return () => {
      clearInterval(move);
      clearInterval(guard);
    };
  }, []);

  const attach = useCallback((el: HlsElement | null) => {
    video.current = el;
    if (!el) return;
    el.setAttribute("controlsList", "nodownload noremoteplayback");
    el.setAttribute("disablePictureInPicture", "");
  }, []);

  // The <hls-video> element (react-player 3) creates its hls.js instance after mount and
  // does not re-dispatch every media event, so we wait for the parsed ladder instead.
  useEffect(() => {
    const timer = setInterval(() => {
      const el = video.current;
      if (el?.api && el.api.levels.length > 0 && el.readyState >= 1) {
        clearInterval(timer);
        onLoadedRef.current();
      }
    }, 200);
    return () => clearInterval(timer);
  }, [start.session_id]);
  const onLoadedRef = useRef<() => void>(() => {});

  function onLoaded() {
    const hls = video.current?.api;
    if (hls) {
      setLevels(hls.levels.map((l, index) => ({ index, height: l.height })).sort((a, b) => b.height - a.height));
      const on = hls.on.bind(hls) as unknown as (event: string, listener: (event: string, data: HlsErrorData) => void) => void;
      on("hlsError", (_, data) => {
        const problem = mediaProblem(data.response?.code, data.fatal);
        if (problem) onProblem(problem);
      });
    }
    if (!resumed.current && video.current && start.resume_position > 1) {
      video.current.currentTime = start.resume_position;
    }
    resumed.current = true;
  }

  onLoadedRef.current = onLoaded;

  function chooseLevel(index: number) {
    setLevel(index);
    const hls = video.current?.api;
    if (hls) hls.currentLevel = index;
  }

  const spot = watermarkSpot(tick);
  return (
    <div className="player" onContextMenu={(e) => e.preventDefault()} data-testid="player">
      <div className="player-frame">
        <ReactPlayer
          ref={attach}
          src={start.playlist_url}
          controls
          playsInline
          playbackRate={speed}
          width="100%"
          height="100%"
          onPause={() => void beat()}
        />
        <div
          ref={watermark}
          className="watermark"
          aria-hidden="true"
          data-testid="watermark"
          style={{ top: `${spot.top}%`, left: `${spot.left}%`, display: "block", visibility: "visible", opacity: 0.55 }}
        >
          {start.watermark}
        </div>
        {tampered && <div className="tamper">Playback paused: the viewer watermark must stay visible.</div>}
      </div>
      <div className="player-tools">
        <label>
          Quality{" "}
          <select value={level} onChange={(e) => chooseLevel(Number(e.target.value))}>
            <option value={-1}>Auto</option>
            {levels.map((l) => (
              <option key={l.index} value={l.index}>
                {l.height}p
              </option>
            ))}
          </select>
        </label>
        <label>
          Speed{" "}
          <select value={speed} onChange={(e) => setSpeed(Number(e.target.value))}>
            {SPEEDS.map((s) => (
              <option key={s} value={s}>
                {s}×
              </option>
            ))}
          </select>
        </label>
      </div>
    </div>
  );
}
