import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

export const NEXT_AFTER_S = 5;

/** Over the ended video: "Next lesson in 5 s", counting down to the next lesson, which
 * opens at 0 unless the viewer cancels. Cancel takes focus when the player had it, so a
 * keyboard user stops it with one key. */
export function NextLesson({ title, onGo, onCancel }: { title: string; onGo(): void; onCancel(): void }) {
  const { t } = useTranslation("player");
  const [left, setLeft] = useState(NEXT_AFTER_S);
  const cancel = useRef<HTMLButtonElement>(null);
  const gone = useRef(false);
  useEffect(() => {
    const timer = window.setInterval(() => setLeft((s) => Math.max(0, s - 1)), 1000);
    return () => window.clearInterval(timer);
  }, []);
  useEffect(() => {
    if (left > 0 || gone.current) return;
    gone.current = true;
    onGo();
  }, [left, onGo]);
  useEffect(() => {
    if (cancel.current?.closest(".player-frame")?.contains(document.activeElement)) cancel.current.focus();
  }, []);
  return (
    <div className="next-lesson" role="region" aria-label={t("nextLesson")} data-testid="next-lesson">
      <p className="next-lesson-count">{t("nextIn", { count: left })}</p>
      <p className="next-lesson-title">{title}</p>
      <div className="next-lesson-actions">
        <button
          type="button"
          className="primary"
          onClick={() => {
            gone.current = true;
            onGo();
          }}
        >
          {t("playNow")}
        </button>
        <button type="button" ref={cancel} onClick={onCancel}>
          {t("cancel")}
        </button>
      </div>
    </div>
  );
}
