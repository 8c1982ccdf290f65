import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type PointerEvent,
} from "react";
import { useTranslation } from "react-i18next";
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
  transcriptLanguage,
} from "./player/captions";
import { Chapters, type Chapter } from "./player/Chapters";
import { CheckpointOverlay } from "./player/CheckpointOverlay";
import { ControlBar, type BarActions } from "./player/ControlBar";
import type { Checkpoint } from "./player/checkpoints";
import { followFullLadder } from "./player/fullLadder";
import { actionFor, ownsKeys, type KeyAction } from "./player/keys";
import { NextLesson } from "./player/NextLesson";
import { saveSound, savedSound, saveSpeed, savedSpeed, steppedSpeed, steppedVolume } from "./player/prefs";
import { installSessionKeyLoader, registerSessionKeys } from "./player/sessionKeys";
import { tapSeek } from "./player/time";
import { Transcript } from "./player/Transcript";
import { useAutoHide } from "./player/useAutoHide";
import { refusedFor, useCheckpoints, type HlsErrorData } from "./player/useCheckpoints";
import { useEndOnLeave } from "./player/useEndOnLeave";
import { useHeartbeat } from "./player/useHeartbeat";
import { useHlsLevels, type HlsElement } from "./player/useHlsLevels";
import { useMediaState } from "./player/useMediaState";
import { useWatermarkGuard } from "./player/useWatermarkGuard";
import "./player/player.css";

export { endSession } from "./player/endSession";

const SEEK_SETTLE_MS = 1000;
const DOUBLE_TAP_MS = 300;
const NONE: Checkpoint[] = [];

type CaptionLanguage = Schemas["CaptionLanguage"];

interface Props {
  start: PlaybackStart;
  onProblem(problem: PlaybackProblem): void;
  lessonId: string;
  chapters?: Chapter[];
  captions?: CaptionLanguage[];
  duration?: number | null;
  /** The lesson after this one: offered when the video ends ("Next lesson in 5 s"). */
  next?: { title: string; go(): void };
}

/** The secure player: signed playlist, heartbeats, resume, our own control bar (the video
 * has no native controls), a moving watermark that pauses playback if it is hidden, no
 * download or context menu. */
export function Player({ start, onProblem, lessonId, chapters = [], captions = [], duration = null, next }: Props) {
  const { t } = useTranslation("player");
  const video = useRef<HlsElement | null>(null);
  const [media, setMedia] = useState<HlsElement | null>(null);
  const state = useMediaState(media);
  const watermark = useRef<HTMLDivElement>(null);
  const frame = useRef<HTMLDivElement>(null);
  const [level, setLevel] = useState(-1);
  const [playingHeight, setPlayingHeight] = useState<number | null>(null);
  const [speed, setSpeed] = useState(savedSpeed);
  const [volume, setVolume] = useState(() => savedSound().volume);
  // Set on the element at every render (react-player passes `muted` on as a property).
  const [muted, setMuted] = useState(() => savedSound().muted);
  const [fullscreen, setFullscreen] = useState(false);
  const [holding, setHolding] = useState(false);
  const [cancelledNext, setCancelledNext] = useState(false);
  const hide = useAutoHide(!state.paused, holding);
  const resumed = useRef(false);
  const languages = captions.map((c) => c.language);
  const [caption, setCaption] = useState<string | null>(() => initialLanguage(languages, savedChoice()));
  const pause = useCallback(() => video.current?.pause(), []);
  const gate = useCheckpoints(video, start.checkpoints ?? NONE);
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
    settling.current = window.setTimeout(() => {
      settling.current = undefined;
      void beat();
    }, SEEK_SETTLE_MS);
  };
  // Where playing stood before a seek. Media events are queued, so when a pause or a seek
  // is handled the playhead may already sit at the seek's target; without this the server
  // would never see what was played up to the seek (engagement, L1 evidence).
  const played = useRef<number | null>(null);
  const playedUpTo = () => (video.current?.seeking && played.current !== null ? played.current : position());
  const onSeeking = () => {
    gate.hold();
    if (settling.current === undefined && played.current !== null) void beat(played.current);
  };
  const onTimeUpdate = () => {
    const el = video.current;
    if (el && resumed.current && !el.seeking) played.current = el.currentTime;
    gate.hold();
  };
  useEndOnLeave(start.session_id, () => (resumed.current ? (video.current?.currentTime ?? null) : null));
  const { tick, tampered } = useWatermarkGuard(watermark, pause);

  const [levels, refreshLevels] = useHlsLevels(video, start.session_id, (hls: Hls) => {
    const on = hls.on.bind(hls) as unknown as (
      event: string,
      listener: (event: string, data: HlsErrorData & { level: number }) => void,
    ) => void;
    on("hlsError", (_, data) => {
      if (refusedFor(data)) return; // a checkpoint to answer, handled by useCheckpoints
      const problem = mediaProblem(data.response?.code, data.fatal, data.details);
      if (problem) {
        pause();
        onProblem(problem);
      }
    });
    // What plays now, for the quality menu's "Auto (720p)".
    const playing = (index: number) => setPlayingHeight(hls.levels[index]?.height ?? null);
    playing(hls.currentLevel);
    on("hlsLevelSwitched", (_, data) => playing(data.level));
    renderCaptions(hls);
    applyCaptions(hls, caption);
    if (video.current) followFullLadder(hls, video.current, start.playlist_url, refreshLevels);
    if (!resumed.current && video.current && start.resume_position > 1) {
      video.current.currentTime = start.resume_position;
    }
    resumed.current = true;
  });

  const pipAllowed = start.picture_in_picture;
  const attach = useCallback(
    (el: HlsElement | null) => {
      video.current = el;
      setMedia(el);
      if (!el) return;
      el.setAttribute("controlsList", "nodownload noremoteplayback");
      // A picture-in-picture window has no watermark overlay: only a forensically marked
      // session may open one (the server says so), or the browser's own menu would.
      if (pipAllowed) el.removeAttribute("disablePictureInPicture");
      else el.setAttribute("disablePictureInPicture", "");
    },
    [pipAllowed],
  );

  useEffect(() => {
    const changed = () => setFullscreen(!!frame.current && document.fullscreenElement === frame.current);
    document.addEventListener("fullscreenchange", changed);
    return () => document.removeEventListener("fullscreenchange", changed);
  }, []);

  function chooseCaption(language: string | null) {
    setCaption(language);
    saveChoice(language);
    applyCaptions(video.current?.api, language);
  }

  function seek(seconds: number) {
    const el = video.current;
    if (!el) return;
    const end = Number.isFinite(el.duration) ? el.duration : Infinity;
    el.currentTime = Math.min(Math.max(0, seconds), end);
  }

  function chooseVolume(to: number, silent: boolean) {
    setVolume(to);
    setMuted(silent);
    saveSound({ volume: to, muted: silent });
  }

  function chooseSpeed(to: number) {
    setSpeed(to);
    saveSpeed(to);
  }

  const act: BarActions = {
    togglePlay() {
      const el = video.current;
      if (el?.paused) void el.play().catch(() => undefined);
      else el?.pause();
    },
    seek,
    setVolume: (to) => chooseVolume(to, to === 0),
    toggleMute: () => chooseVolume(volume === 0 ? 0.5 : volume, !(muted || volume === 0)),
    setSpeed: chooseSpeed,
    setLevel(index) {
      setLevel(index);
      const hls = video.current?.api;
      if (hls) hls.currentLevel = index;
    },
    setCaption: chooseCaption,
    toggleFullscreen() {
      if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
      else void frame.current?.requestFullscreen?.().catch(() => undefined);
    },
    togglePip() {
      if (document.pictureInPictureElement) void document.exitPictureInPicture().catch(() => undefined);
      else void (video.current as HTMLVideoElement | null)?.requestPictureInPicture?.().catch(() => undefined);
    },
  };

  function perform(action: KeyAction) {
    const el = video.current;
    if (!el) return;
    if (action.kind === "toggle-play") act.togglePlay();
    else if (action.kind === "seek") seek(el.currentTime + action.by);
    else if (action.kind === "volume") chooseVolume(steppedVolume(volume, action.by), false);
    else if (action.kind === "speed") chooseSpeed(steppedSpeed(speed, action.by));
    else if (action.kind === "mute") act.toggleMute();
    else if (action.kind === "fullscreen") act.toggleFullscreen();
    else chooseCaption(toggled(caption, languages, savedChoice()));
  }

  function onKey(event: KeyboardEvent<HTMLDivElement>) {
    hide.poke();
    const action = actionFor(event.key);
    if (!action || ownsKeys(event.target, event.key) || event.ctrlKey || event.metaKey || event.altKey) return;
    event.preventDefault();
    perform(action);
  }

  // The picture itself: a click plays or pauses (a double click: full screen); on touch, a
  // tap shows the controls and a double tap on the left or right third seeks 10 s.
  const lastTap = useRef(0);
  const touched = useRef(false); // a double tap also makes a dblclick: not full screen
  function onSurface(event: PointerEvent<HTMLDivElement>) {
    touched.current = event.pointerType === "touch";
    if (event.button !== 0) return;
    if (!touched.current) return act.togglePlay();
    hide.poke();
    const now = event.timeStamp;
    const box = event.currentTarget.getBoundingClientRect();
    const by = now - lastTap.current < DOUBLE_TAP_MS ? tapSeek(event.clientX - box.left, box.width) : 0;
    lastTap.current = by ? 0 : now;
    if (by && video.current) seek(video.current.currentTime + by);
  }

  const spot = watermarkSpot(tick);
  const pipAvailable =
    pipAllowed &&
    typeof document !== "undefined" &&
    document.pictureInPictureEnabled &&
    !!media &&
    "requestPictureInPicture" in media;
  const transcript = transcriptLanguage(
    languages,
    caption,
    typeof navigator === "undefined" ? [] : navigator.languages,
  );
  return (
    <div className="player" onContextMenu={(e) => e.preventDefault()} data-testid="player">
      <div
        className={hide.shown ? "player-frame" : "player-frame is-idle"}
        ref={frame}
        tabIndex={0}
        role="group"
        aria-label={t("playerLabel")}
        onKeyDown={onKey}
        onPointerMove={hide.poke}
      >
        <ReactPlayer
          ref={attach}
          src={start.playlist_url}
          playsInline
          playbackRate={speed}
          volume={volume}
          muted={muted}
          width="100%"
          height="100%"
          onPause={() => void beat(playedUpTo())}
          onPlay={() => {
            gate.hold();
            setCancelledNext(false);
          }}
          onSeeking={onSeeking}
          onSeeked={onSeeked}
          onTimeUpdate={onTimeUpdate}
        />
        <div
          className="player-surface"
          aria-hidden="true"
          data-testid="player-surface"
          onPointerUp={onSurface}
          onDoubleClick={() => !touched.current && act.toggleFullscreen()}
        />
        {gate.active && <CheckpointOverlay checkpoint={gate.active} onPassed={gate.pass} />}
        <div
          ref={watermark}
          className="watermark"
          aria-hidden="true"
          data-testid="watermark"
          style={{ top: `${spot.top}%`, left: `${spot.left}%`, display: "block", visibility: "visible", opacity: 0.55 }}
        >
          {start.watermark}
        </div>
        {tampered && <div className="tamper">{t("tampered")}</div>}
        {next && state.ended && !cancelledNext && (
          <NextLesson title={next.title} onGo={next.go} onCancel={() => setCancelledNext(true)} />
        )}
        <ControlBar
          state={{
            media: state,
            duration,
            chapters,
            storyboardUrl: start.storyboard_url,
            speed,
            levels,
            level,
            playingHeight,
            captions,
            caption,
            fullscreen,
            pipAvailable,
          }}
          act={act}
          shown={hide.shown}
          onHold={setHolding}
        />
      </div>
      <Chapters chapters={chapters} time={state.time} onSeek={seek} />
      {transcript && <Transcript lessonId={lessonId} language={transcript} time={state.time} onSeek={seek} />}
    </div>
  );
}
