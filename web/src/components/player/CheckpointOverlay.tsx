import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { clock } from "./Chapters";
import { Quiz } from "../quiz/Quiz";
import type { Checkpoint } from "./checkpoints";

/** The checkpoint's question over the paused video. Keys typed here stay here (space in a
 * text answer must not start the video); focus moves in when it opens. */
export function CheckpointOverlay({ checkpoint, onPassed }: { checkpoint: Checkpoint; onPassed(id: string): void }) {
  const { t } = useTranslation("player");
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [checkpoint.id]);
  return (
    <div
      className="checkpoint-overlay"
      role="region"
      aria-labelledby="checkpoint-title"
      data-testid="checkpoint-overlay"
      onKeyDown={(e) => e.stopPropagation()}
    >
      <h2 id="checkpoint-title" tabIndex={-1} ref={heading}>
        {t("checkpointAt", { time: clock(checkpoint.at) })}
      </h2>
      <Quiz key={checkpoint.id} quizId={checkpoint.id} compact onPassed={() => onPassed(checkpoint.id)} />
    </div>
  );
}
