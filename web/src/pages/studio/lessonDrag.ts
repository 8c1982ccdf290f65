import { useState, type DragEvent } from "react";

export interface LessonSpot {
  sectionId: string;
  index: number; // in its section
}

export type Side = "before" | "after";

/** Where the server must put a lesson taken from FROM so that it lands on SIDE of the
 * lesson at TO: the move API removes it first, then inserts at the position. */
export function dropPosition(from: LessonSpot, to: LessonSpot, side: Side): number {
  const before = from.sectionId === to.sectionId && from.index < to.index ? to.index - 1 : to.index;
  return side === "before" ? before : before + 1;
}

/** Whether the drop changes nothing (the lesson onto itself, or next to where it is). */
export function staysPut(from: LessonSpot, to: LessonSpot, side: Side): boolean {
  return from.sectionId === to.sectionId && dropPosition(from, to, side) === from.index;
}

/** Where a moved lesson ended up, counted from 1, and how many lessons its section has
 * after the move (SIZE_BEFORE: before it): one more when it came from another section. */
export function landing(
  from: LessonSpot,
  toSectionId: string,
  position: number,
  sizeBefore: number,
): { position: number; total: number } {
  const total = sizeBefore + (from.sectionId === toSectionId ? 0 : 1);
  return { position: Math.min(position, total - 1) + 1, total };
}

/** The spot a lesson dropped onto an empty section takes: its first. */
export const intoEmpty = (sectionId: string): LessonSpot => ({ sectionId, index: 0 });

const EMPTY = "section:"; // the drop target of an empty section: its id after this

/** Native HTML5 drag and drop of lessons (no library): the handle starts a drag, each
 * lesson row is a drop target whose upper or lower half says before or after it, and an
 * empty section takes a lesson dropped onto its placeholder. */
export function useLessonDrag(onDrop: (lessonId: string, to: LessonSpot, side: Side) => void) {
  const [dragged, setDragged] = useState<string | null>(null);
  const [target, setTarget] = useState<{ id: string; side: Side } | null>(null);

  const end = () => {
    setDragged(null);
    setTarget(null);
  };

  /** The handlers of one drop target KEY that puts the lesson at SPOT. */
  const zone = (key: string, spot: LessonSpot, sideOf: (event: DragEvent<HTMLElement>) => Side) => ({
    onDragOver: (event: DragEvent<HTMLElement>) => {
      if (!dragged) return;
      event.preventDefault(); // allows the drop
      event.dataTransfer.dropEffect = "move";
      const side = sideOf(event);
      if (target?.id !== key || target.side !== side) setTarget({ id: key, side });
    },
    onDragLeave: (event: DragEvent<HTMLElement>) => {
      if (!event.currentTarget.contains(event.relatedTarget as Node | null) && target?.id === key) setTarget(null);
    },
    onDrop: (event: DragEvent<HTMLElement>) => {
      event.preventDefault();
      const id = dragged ?? event.dataTransfer.getData("text/plain");
      const side = target?.id === key ? target.side : "before";
      end();
      if (id && id !== key) onDrop(id, spot, side);
    },
  });

  const half = (event: DragEvent<HTMLElement>): Side => {
    const box = event.currentTarget.getBoundingClientRect();
    return event.clientY < box.top + box.height / 2 ? "before" : "after";
  };

  return {
    dragged,
    target,
    /** The empty section a lesson is dragged over, if any. */
    overEmpty: target?.id.startsWith(EMPTY) ? target.id.slice(EMPTY.length) : null,
    handle: (lessonId: string) => ({
      draggable: true,
      onDragStart: (event: DragEvent<HTMLElement>) => {
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", lessonId); // Firefox drags nothing without data
        const row = event.currentTarget.closest("li");
        if (row) event.dataTransfer.setDragImage(row, 16, 16);
        setDragged(lessonId);
      },
      onDragEnd: end,
    }),
    row: (lessonId: string, spot: LessonSpot) => zone(lessonId, spot, half),
    emptySection: (sectionId: string) => zone(EMPTY + sectionId, intoEmpty(sectionId), () => "before"),
  };
}
