import { useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from "react";
import ReactPlayer from "react-player";
import type Hls from "hls.js";
import type { Schemas } from "../api/client";
import type { PlaybackStart } from "../api/playback";
import { mediaProblem, watermarkSpot, type PlaybackProblem } from "../playback";
import {
  applyCaptions,
  initialLanguage,
  installCaptionRendering,
  renderCaptions,
  saveChoice,
  savedChoice,
  toggled,
} from "./player/captions";
import { Chapters, type Chapter } from "./player/Chapters";
import { actionFor, ownsKeys, perform } from "./player/keys";
import { installSessionKeyLoader, registerSessionKeys } from "./player/sessionKeys";
import { useEndOnLeave } from "./player/useEndOnLeave";
import { useHeartbeat } from "./player/useHeartbeat";
import { useHlsLevels, type HlsElement } from "./player/useHlsLevels";
import { Timeline } from "./player/Timeline";
import { Transcript } from "./player/Transcript";
import { useWatermarkGuard } from "./player/useWatermarkGuard";

export { endSession } from "./player/endSession";

type HlsErrorData = { fatal: boolean; details?: string; response?: { code?: number } };

const SPEEDS = [0.75, 1, 1.25, 1.5, 2]; // the server counts watching at up to 2× (L2)
const SEEK_SETTLE_MS = 1000;

type CaptionLanguage = Schemas["CaptionLanguage"];

interface Props {
  start: PlaybackStart;
  onProblem(problem: PlaybackProblem): void;
  lessonId: string;
  chapters?: Chapter[];
  captions?: CaptionLanguage[];
  duration?: number | null;
}

/** The secure player: signed playlist, heartbeats, resume, quality and speed, a moving
 * watermark that pauses playback if it is hidden, no download or context menu. */
export function Player({ start, onProblem, lessonId, chapters = [], captions = [], duration = null }: Props) {
  const video = useRef<HlsElement | null>(null);
  const [time, setTime] = useState(0);
  const watermark = useRef<HTMLDivElement>(null);
  const [level, setLevel] = useState(-1);
  const [speed, setSpeed] = useState(1);
  const resumed = useRef(false);
  const languages = captions.map((c) => c.language);
  const [caption, setCaption] = useState<string | null>(() => initialLanguage(languages, savedChoice()));
  const pause = useCallback(() => video.current?.pause(), []);
  // hls.js defaults, set before <hls-video> makes its instance: session-bound keys (the
  // loader unwraps this session's keys with its secret) and our caption tracks.
  useLayoutEffect(() => {
    installSessionKeyLoader();
    installCaptionRendering();
    return start.key_secret ? registerSessionKeys(start.playlist_url, start.key_secret) : undefined;
  }, [start.playlist_url, start.key_secret]);

  // Until the video has loaded and jumped to the resume point, report that point, so an
  // early heartbeat never moves the stored position back to 0.
  const position = () => (resumed.current ? (video.current?.currentTime ?? 0) : start.resume_position);
  const beat = useHeartbeat(start.session_id, start.heartbeat_interval, position, onProblem, pause);
  // A seek starts a new stretch of watching: report it once the scrubbing settles, so what
  // is played after it counts (a video completes only on what the server saw played, L1).
  const settling = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(settling.current), []);
  const onSeeked = () => {
    window.clearTimeout(settling.current);
    settling.current = window.setTimeout(() => void beat(), SEEK_SETTLE_MS);
  };
  useEndOnLeave(start.session_id, () => (resumed.current ? (video.current?.currentTime ?? null) : null));
  const { tick, tampered } = useWatermarkGuard(watermark, pause);

  const levels = useHlsLevels(video, start.session_id, (hls: Hls) => {
    const on = hls.on.bind(hls) as unknown as (
      event: string,
      listener: (event: string, data: HlsErrorData) => void,
    ) => void;
    on("hlsError", (_, data) => {
      const problem = mediaProblem(data.response?.code, data.fatal, data.details);
      if (problem) {
        pause();
        onProblem(problem);
      }
    });
    renderCaptions(hls);
    applyCaptions(hls, caption);
    if (!resumed.current && video.current && start.resume_position > 1) {
      video.current.currentTime = start.resume_position;
    }
    resumed.current = true;
  });

  const attach = useCallback((el: HlsElement | null) => {
    video.current = el;
    if (!el) return;
    el.setAttribute("controlsList", "nodownload noremoteplayback");
    el.setAttribute("disablePictureInPicture", "");
  }, []);

  function chooseCaption(language: string | null) {
    setCaption(language);
    saveChoice(language);
    applyCaptions(video.current?.api, language);
  }

  function seek(seconds: number) {
    if (video.current) video.current.currentTime = seconds;
  }

  function chooseLevel(index: number) {
    setLevel(index);
    const hls = video.current?.api;
    if (hls) hls.currentLevel = index;
  }

  const frame = useRef<HTMLDivElement>(null);
  function onKey(event: KeyboardEvent<HTMLDivElement>) {
    const action = actionFor(event.key);
    if (!action || !video.current || ownsKeys(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    event.preventDefault();
    if (action.kind === "captions") chooseCaption(toggled(caption, languages, savedChoice()));
    else perform(action, video.current, frame.current);
  }

  const spot = watermarkSpot(tick);
  return (
    <div className="player" onContextMenu={(e) => e.preventDefault()} data-testid="player">
      <div
        className="player-frame"
        ref={frame}
        tabIndex={0}
        role="group"
        aria-label="Video player (keys: space or K play/pause, J and L 10 s, arrows 5 s and volume, F full screen, M mute, C captions)"
        onKeyDown={onKey}
      >
        <ReactPlayer
          ref={attach}
          src={start.playlist_url}
          controls
          playsInline
          playbackRate={speed}
          width="100%"
          height="100%"
          onPause={() => void beat()}
          onSeeked={onSeeked}
          onTimeUpdate={() => setTime(video.current?.currentTime ?? 0)}
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
      <Timeline
        duration={duration}
        time={time}
        chapters={chapters}
        storyboardUrl={start.storyboard_url}
        onSeek={seek}
      />
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
        {captions.length > 0 && (
          <label>
            Captions{" "}
            <select aria-label="Captions" value={caption ?? ""} onChange={(e) => chooseCaption(e.target.value || null)}>
              <option value="">Off</option>
              {captions.map((c) => (
                <option key={c.language} value={c.language}>
                  {c.label}
                </option>
              ))}
            </select>
          </label>
        )}
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
      <Chapters chapters={chapters} time={time} onSeek={seek} />
      {captions.length > 0 && (
        <Transcript lessonId={lessonId} language={caption ?? captions[0].language} time={time} onSeek={seek} />
      )}
    </div>
  );
}
