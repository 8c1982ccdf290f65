import { useEffect, useState } from "react";
import { bufferedAround } from "./time";

export type MediaState = {
  paused: boolean;
  ended: boolean;
  time: number;
  duration: number | null;
  buffered: [number, number] | null;
  volume: number;
  muted: boolean;
  pip: boolean;
};

const EVENTS = [
  "play",
  "pause",
  "playing",
  "ended",
  "timeupdate",
  "progress",
  "durationchange",
  "loadedmetadata",
  "volumechange",
  "seeking",
  "emptied",
  "enterpictureinpicture",
  "leavepictureinpicture",
];

const IDLE: MediaState = {
  paused: true,
  ended: false,
  time: 0,
  duration: null,
  buffered: null,
  volume: 1,
  muted: false,
  pip: false,
};

function read(media: HTMLMediaElement, pip: boolean): MediaState {
  return {
    paused: media.paused,
    ended: media.ended,
    time: media.currentTime,
    duration: Number.isFinite(media.duration) && media.duration > 0 ? media.duration : null,
    buffered: bufferedAround(media.buffered, media.currentTime),
    volume: media.volume,
    muted: media.muted,
    pip,
  };
}

/** What the control bar shows of MEDIA, kept up to date from its events (<hls-video>
 * re-dispatches those of the <video> inside it). */
export function useMediaState(media: HTMLMediaElement | null): MediaState {
  const [state, setState] = useState<MediaState>(IDLE);
  useEffect(() => {
    if (!media) return;
    let pip = false;
    const update = (event?: Event) => {
      if (event?.type === "enterpictureinpicture") pip = true;
      if (event?.type === "leavepictureinpicture") pip = false;
      setState(read(media, pip));
    };
    update();
    EVENTS.forEach((type) => media.addEventListener(type, update));
    return () => EVENTS.forEach((type) => media.removeEventListener(type, update));
  }, [media]);
  return state;
}
