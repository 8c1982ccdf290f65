import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../api/client";
import { formatNumber } from "../../i18n/format";
import type { Chapter } from "./Chapters";
import { Icon } from "./icons";
import { Menu } from "./Menu";
import { SPEEDS } from "./prefs";
import { clock } from "./time";
import { Timeline } from "./Timeline";
import type { Level } from "./useHlsLevels";
import type { MediaState } from "./useMediaState";

/** What the bar asks the player to do. */
export type BarActions = {
  togglePlay(): void;
  seek(seconds: number): void;
  setVolume(volume: number): void;
  toggleMute(): void;
  setSpeed(speed: number): void;
  setLevel(index: number): void;
  setCaption(language: string | null): void;
  toggleFullscreen(): void;
  togglePip(): void;
};

export type BarState = {
  media: MediaState;
  duration: number | null;
  chapters: Chapter[];
  storyboardUrl?: string | null;
  speed: number;
  levels: Level[];
  level: number;
  playingHeight: number | null;
  captions: Schemas["CaptionLanguage"][];
  caption: string | null;
  fullscreen: boolean;
  pipAvailable: boolean;
};

/** The player's own controls, over the bottom of the video: the seek bar, play, volume,
 * time, captions, speed, quality, picture-in-picture and full screen. HOLD reports whether
 * the viewer is using it (focus or pointer inside, a menu open), so it stays shown. */
export function ControlBar({
  state,
  act,
  shown,
  onHold,
}: {
  state: BarState;
  act: BarActions;
  shown: boolean;
  onHold(holding: boolean): void;
}) {
  const { t } = useTranslation("player");
  const { media } = state;
  const [focused, setFocused] = useState(false);
  const [pointer, setPointer] = useState(false);
  const [menus, setMenus] = useState<Record<string, boolean>>({});
  const holding = focused || pointer || Object.values(menus).some(Boolean);
  useEffect(() => onHold(holding), [holding, onHold]);
  const menu = (name: string) => (open: boolean) => setMenus((m) => (m[name] === open ? m : { ...m, [name]: open }));

  const speedText = (s: number) => t("speedValue", { speed: formatNumber(s) });
  const auto = state.playingHeight ? t("autoPlaying", { height: state.playingHeight }) : t("auto");
  const levelText =
    state.level < 0 ? auto : t("height", { height: state.levels.find((l) => l.index === state.level)?.height });
  const captionText = state.captions.find((c) => c.language === state.caption)?.label ?? t("off");
  const silent = media.muted || media.volume === 0;
  const volumePercent = Math.round((media.muted ? 0 : media.volume) * 100);
  const total = state.duration ?? media.duration;

  return (
    <div
      className={shown ? "control-bar" : "control-bar is-hidden"}
      data-testid="control-bar"
      data-shown={shown}
      // Keyboard focus holds the bar; the focus a click leaves on a button does not.
      onFocus={(e) => setFocused(e.target.matches(":focus-visible"))}
      onBlur={() => setFocused(false)}
      onPointerEnter={(e) => setPointer(e.pointerType === "mouse")}
      onPointerLeave={() => setPointer(false)}
    >
      <Timeline
        duration={total}
        time={media.time}
        buffered={media.buffered}
        chapters={state.chapters}
        storyboardUrl={state.storyboardUrl}
        onSeek={act.seek}
      />
      <div className="control-row">
        <button
          type="button"
          className="player-button"
          aria-label={media.paused ? t("play") : t("pause")}
          onClick={act.togglePlay}
        >
          <Icon name={media.paused ? "play" : "pause"} />
        </button>
        <div className="player-volume">
          <button
            type="button"
            className="player-button"
            aria-label={silent ? t("unmute") : t("mute")}
            onClick={act.toggleMute}
          >
            <Icon name={silent ? "muted" : "volume"} />
          </button>
          <input
            type="range"
            min={0}
            max={100}
            step={5}
            value={volumePercent}
            aria-label={t("volume")}
            aria-valuetext={t("percent", { value: volumePercent })}
            onChange={(e) => act.setVolume(Number(e.target.value) / 100)}
          />
        </div>
        <span className="player-time" data-testid="player-time">
          {t("elapsed", { time: clock(media.time), total: clock(total ?? 0) })}
        </span>
        <span className="control-spacer" />
        {state.captions.length > 0 && (
          <Menu
            label={t("captionsNamed", { name: captionText })}
            title={t("captions")}
            face={<Icon name="captions" />}
            items={[
              { value: "", label: t("off") },
              ...state.captions.map((c) => ({ value: c.language, label: c.label })),
            ]}
            value={state.caption ?? ""}
            onChoose={(language) => act.setCaption(language || null)}
            onOpenChange={menu("captions")}
            testId="captions-menu"
          />
        )}
        <Menu
          label={t("speedNamed", { value: speedText(state.speed) })}
          title={t("speed")}
          face={<span className="player-face">{speedText(state.speed)}</span>}
          items={SPEEDS.map((s) => ({ value: s, label: speedText(s) }))}
          value={state.speed}
          onChoose={act.setSpeed}
          onOpenChange={menu("speed")}
        />
        {state.levels.length > 0 && (
          <Menu
            label={t("qualityNamed", { value: levelText })}
            title={t("quality")}
            face={
              <>
                <span className="player-face player-face-wide">{levelText}</span>
                <span className="player-face-narrow">
                  <Icon name="settings" />
                </span>
              </>
            }
            items={[
              { value: -1, label: auto },
              ...state.levels.map((l) => ({ value: l.index, label: t("height", { height: l.height }) })),
            ]}
            value={state.level}
            onChoose={act.setLevel}
            onOpenChange={menu("quality")}
          />
        )}
        {state.pipAvailable && (
          <button
            type="button"
            className="player-button player-pip"
            aria-label={media.pip ? t("pipExit") : t("pip")}
            aria-pressed={media.pip}
            onClick={act.togglePip}
          >
            <Icon name="pip" />
          </button>
        )}
        <button
          type="button"
          className="player-button"
          aria-label={state.fullscreen ? t("fullscreenExit") : t("fullscreen")}
          onClick={act.toggleFullscreen}
        >
          <Icon name={state.fullscreen ? "exitFullscreen" : "fullscreen"} />
        </button>
      </div>
    </div>
  );
}
