import { ProgressBar } from "../ui";

/** What the player shows while the viewer's forensically marked copy is being prepared
 * (F7): the re-package's progress; playback starts by itself once it is ready. */
export function PendingCopy({ progress }: { progress: number }) {
  return (
    <div className="card problem" data-testid="protected-copy-pending" aria-live="polite">
      <p>
        <strong>Preparing your protected copy…</strong>
      </p>
      <ProgressBar value={progress * 100} label="Preparing your protected copy" />
      <p className="muted">
        This course marks every viewer&apos;s copy. Playback starts by itself as soon as it is ready.
      </p>
    </div>
  );
}
