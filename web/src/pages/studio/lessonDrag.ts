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

/** Native HTML5 drag and drop of lessons (no library): the handle starts a drag, each
 * lesson row is a drop target whose upper or lower half says before or after it. */
export function useLessonDrag(onDrop: (lessonId: string, to: LessonSpot, side: Side) => void) {
  const [dragged, setDragged] = useState<string | null>(null);
  const [target, setTarget] = useState<{ id: string; side: Side } | null>(null);

  const end = () => {
    setDragged(null);
    setTarget(null);
  };

  return {
    dragged,
    target,
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
    row: (lessonId: string, spot: LessonSpot) => ({
      onDragOver: (event: DragEvent<HTMLElement>) => {
        if (!dragged) return;
        event.preventDefault(); // allows the drop
        event.dataTransfer.dropEffect = "move";
        const box = event.currentTarget.getBoundingClientRect();
        const side: Side = event.clientY < box.top + box.height / 2 ? "before" : "after";
        if (target?.id !== lessonId || target.side !== side) setTarget({ id: lessonId, side });
      },
      onDragLeave: (event: DragEvent<HTMLElement>) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null) && target?.id === lessonId)
          setTarget(null);
      },
      onDrop: (event: DragEvent<HTMLElement>) => {
        event.preventDefault();
        const id = dragged ?? event.dataTransfer.getData("text/plain");
        const side = target?.id === lessonId ? target.side : "before";
        end();
        if (id && id !== lessonId) onDrop(id, spot, side);
      },
    }),
  };
}
