import { useEffect, useId, useRef, useState, type FocusEvent, type KeyboardEvent, type ReactNode } from "react";

export type MenuItem<T> = { value: T; label: string };

/** A control-bar menu (speed, quality, captions): a button that opens a list of choices
 * above it, the current one checked. Keyboard as in the ARIA menu-button pattern: the
 * arrows, Home and End move, Enter or Space chooses, Escape (or Tab, or a click outside)
 * closes; focus goes back to the button. */
export function Menu<T>({
  label,
  title,
  face,
  items,
  value,
  onChoose,
  onOpenChange,
  testId,
}: {
  /** The button's accessible name, which contains what it shows (FACE's text). */
  label: string;
  /** The menu's heading. */
  title: string;
  face: ReactNode;
  items: MenuItem<T>[];
  value: T;
  onChoose(value: T): void;
  onOpenChange?(open: boolean): void;
  testId?: string;
}) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const button = useRef<HTMLButtonElement>(null);
  const list = useRef<HTMLDivElement>(null);
  const report = useRef(onOpenChange);
  useEffect(() => {
    report.current = onOpenChange;
  });
  useEffect(() => report.current?.(open), [open]);

  const entries = () => Array.from(list.current?.querySelectorAll<HTMLElement>("[role=menuitemradio]") ?? []);
  useEffect(() => {
    if (!open) return;
    const all = entries();
    (all.find((e) => e.getAttribute("aria-checked") === "true") ?? all[0])?.focus();
  }, [open]);

  function close(refocus: boolean) {
    setOpen(false);
    if (refocus) button.current?.focus();
  }

  function onKey(event: KeyboardEvent<HTMLDivElement>) {
    const all = entries();
    const at = all.indexOf(document.activeElement as HTMLElement);
    const to: Record<string, number> = {
      ArrowDown: (at + 1) % all.length,
      ArrowUp: (at - 1 + all.length) % all.length,
      Home: 0,
      End: all.length - 1,
    };
    if (event.key in to) all[to[event.key]]?.focus();
    else if (event.key === "Escape") close(true);
    else if (event.key === "Tab") close(false);
    else return;
    if (event.key !== "Tab") event.preventDefault();
    event.stopPropagation(); // not the player's shortcuts
  }

  function onBlur(event: FocusEvent<HTMLDivElement>) {
    if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setOpen(false);
  }

  return (
    <div className="player-menu" onBlur={onBlur}>
      <button
        ref={button}
        type="button"
        className="player-button"
        aria-label={label}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        data-testid={testId}
        onClick={() => setOpen((o) => !o)}
      >
        {face}
      </button>
      {open && (
        <div ref={list} id={id} className="player-menu-list" role="menu" aria-label={title} onKeyDown={onKey}>
          {items.map((item) => (
            <button
              key={String(item.value)}
              type="button"
              role="menuitemradio"
              aria-checked={item.value === value}
              tabIndex={-1}
              onClick={() => {
                onChoose(item.value);
                close(true);
              }}
            >
              {item.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
