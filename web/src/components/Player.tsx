import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type RefObject,
} from "react";
import ReactPlayer from "react-player";
import type Hls from "hls.js";
import { api, unwrap, type Schemas } from "../api/client";
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
import { CheckpointOverlay } from "./player/CheckpointOverlay";
import {
  blockingCheckpoint,
  checkpointRefusal,
  enforcedCheckpoints,
  gatedIds,
  heldPosition,
  type Checkpoint,
} from "./player/checkpoints";
import { actionFor, ownsKeys, perform } from "./player/keys";
import { installSessionKeyLoader, registerSessionKeys } from "./player/sessionKeys";
import { useEndOnLeave } from "./player/useEndOnLeave";
import { useHeartbeat } from "./player/useHeartbeat";
import { useHlsLevels, type HlsElement } from "./player/useHlsLevels";
import { followFullLadder } from "./player/fullLadder";
import { Timeline } from "./player/Timeline";
import { Transcript } from "./player/Transcript";
import { useWatermarkGuard } from "./player/useWatermarkGuard";

export { endSession } from "./player/endSession";

type HlsErrorData = {
  fatal: boolean;
  details?: string;
  response?: { code?: number };
  networkDetails?: { response?: unknown } | null;
};

/** The checkpoint a refused key names (Q3), read from the key request hls.js made. */
const refusedFor = (data: HlsErrorData) =>
  data.details === "keyLoadError" ? checkpointRefusal(data.response?.code, data.networkDetails?.response) : null;

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
    setTime(el?.currentTime ?? 0);
    if (el && resumed.current && !el.seeking) played.current = el.currentTime;
    gate.hold();
  };
  useEndOnLeave(start.session_id, () => (resumed.current ? (video.current?.currentTime ?? null) : null));
  const { tick, tampered } = useWatermarkGuard(watermark, pause);

  const [levels, refreshLevels] = useHlsLevels(video, start.session_id, (hls: Hls) => {
    const on = hls.on.bind(hls) as unknown as (
      event: string,
      listener: (event: string, data: HlsErrorData) => void,
    ) => void;
    on("hlsError", (_, data) => {
      if (refusedFor(data)) return; // a checkpoint to answer, handled by useCheckpoints
      const problem = mediaProblem(data.response?.code, data.fatal, data.details);
      if (problem) {
        pause();
        onProblem(problem);
      }
    });
    renderCaptions(hls);
    applyCaptions(hls, caption);
    if (video.current) followFullLadder(hls, video.current, start.playlist_url, refreshLevels);
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
          onPause={() => void beat(playedUpTo())}
          onPlay={gate.hold}
          onSeeking={onSeeking}
          onSeeked={onSeeked}
          onTimeUpdate={onTimeUpdate}
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

const NONE: Checkpoint[] = [];

/** Stops the video at checkpoints the viewer has not passed (and jumps a seek past one
 * back to it), shows the question, and plays on after a pass.
 *
 * HELD are the checkpoints the server holds this session to (PlaybackStart.checkpoints:
 * none for staff, nor for preview viewers of a course that exempts them), so the player
 * stops only where the server enforces one. The key server refuses every period after an
 * unpassed one (403 checkpoint_required) and hls.js asks for keys ahead of playback: that
 * refusal is not the end of playback but the notice of a question ahead, and is obeyed
 * even for a checkpoint HELD did not list. What is buffered plays on up to the
 * checkpoint; after the pass hls.js is started again from there. */
function useCheckpoints(video: RefObject<HlsElement | null>, held: Checkpoint[]) {
  const [passed, setPassed] = useState<ReadonlySet<string>>(() => new Set());
  const [known, setKnown] = useState(false);
  const [refused, setRefused] = useState<Checkpoint[]>([]);
  const [active, setActive] = useState<Checkpoint | null>(null);
  const stalled = useRef(false); // hls.js stopped fetching at a refused key
  const ids = held.map((c) => c.id).join(",");

  useEffect(() => {
    if (!ids) return;
    let live = true;
    void Promise.all(
      ids.split(",").map((quiz_id) =>
        unwrap(api.GET("/api/quizzes/{quiz_id}", { params: { path: { quiz_id } } })).then(
          (q) => (q.passed ? quiz_id : null),
          () => null,
        ),
      ),
    ).then((found) => {
      if (!live) return;
      setPassed(new Set(found.filter((id): id is string => id !== null)));
      setKnown(true);
    });
    return () => {
      live = false;
    };
  }, [ids]);

  const checkpoints = useMemo(() => enforcedCheckpoints(held, refused), [held, refused]);
  const gated = useMemo(() => gatedIds(held, refused, known), [held, refused, known]);

  const hold = useCallback(() => {
    const el = video.current;
    if (!el) return;
    const blocking = blockingCheckpoint(checkpoints, gated, passed, el.currentTime);
    if (!blocking) return;
    if (!el.paused) el.pause();
    const to = heldPosition(blocking, el.currentTime);
    if (to !== el.currentTime) el.currentTime = to;
    setActive((a) => (a?.id === blocking.id ? a : blocking));
  }, [video, checkpoints, gated, passed]);

  // What is already past (a resume point, a refusal that arrived late) is held at once.
  useEffect(() => {
    if ((video.current?.readyState ?? 0) >= 1) hold();
  }, [hold, video]);

  // Listen to hls.js as soon as it exists: a refusal can come before the first frame.
  useEffect(() => {
    let attached: Hls | null = null;
    const onError = (_: string, data: HlsErrorData) => {
      const refusal = refusedFor(data);
      if (!refusal) return;
      stalled.current = true;
      setRefused((r) => (r.some((c) => c.id === refusal.id) ? r : [...r, refusal]));
      setPassed((p) => {
        if (!p.has(refusal.id)) return p;
        const next = new Set(p); // the server knows better (a pass from a cached read)
        next.delete(refusal.id);
        return next;
      });
    };
    const timer = setInterval(() => {
      const hls = video.current?.api;
      if (!hls) return;
      clearInterval(timer);
      attached = hls;
      (hls.on as unknown as (e: string, l: typeof onError) => void)("hlsError", onError);
    }, 100);
    return () => {
      clearInterval(timer);
      (attached?.off as unknown as ((e: string, l: typeof onError) => void) | undefined)?.call(
        attached,
        "hlsError",
        onError,
      );
    };
  }, [video]);

  const pass = useCallback(
    (id: string) => {
      setPassed((p) => new Set(p).add(id));
      setActive(null);
      const el = video.current;
      if (!el) return;
      const hls = el.api;
      if (hls && (stalled.current || !bufferedPast(el))) {
        stalled.current = false;
        hls.startLoad(el.currentTime);
      }
      void el.play().catch(() => undefined);
      el.closest<HTMLElement>(".player-frame")?.focus();
    },
    [video],
  );

  return { active, hold, pass };
}

/** Whether the video has media buffered beyond where it stands. */
function bufferedPast(el: HTMLMediaElement): boolean {
  const t = el.currentTime;
  for (let i = 0; i < el.buffered.length; i++) {
    if (el.buffered.start(i) <= t + 0.1 && el.buffered.end(i) > t + 1) return true;
  }
  return false;
}
