import { useTranslation } from "react-i18next";
import { ProgressBar } from "../ui";

/** What the player shows while the viewer's forensically marked copy is being prepared
 * (F7): the re-package's progress; playback starts by itself once it is ready. */
export function PendingCopy({ progress }: { progress: number }) {
  const { t } = useTranslation("player");
  return (
    <div className="card problem" data-testid="protected-copy-pending" aria-live="polite">
      <p>
        <strong>{t("preparingCopy")}</strong>
      </p>
      <ProgressBar value={progress * 100} label={t("preparingCopyLabel")} />
      <p className="muted">{t("preparingCopyWhy")}</p>
    </div>
  );
}
