import { useCallback, useMemo } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { useAction } from "../../components/ui";

type Course = Schemas["CourseRead"];

/** Every change the studio makes to a course, as named functions over the typed client.
 * Each one shows its error through `busy`/`error` and hands the saved course to `onSaved`. */
export function useCourseEditor(courseId: string, onSaved: (course: Course) => void) {
  const action = useAction();
  const { run } = action;

  const save = useCallback(
    async (call: () => Promise<Course | { course: Course }>) => {
      const result = await run(call);
      if (result) onSaved("course" in result ? result.course : result);
    },
    [run, onSaved],
  );

  const editor = useMemo(() => {
    const course_id = courseId;
    const lessonPath = (section_id: string, lesson_id: string) => ({ course_id, section_id, lesson_id });
    return {
      publish: () =>
        save(() => unwrap(api.POST("/api/courses/{course_id}/publish", { params: { path: { course_id } } }))),
      unpublish: () =>
        save(() => unwrap(api.POST("/api/courses/{course_id}/unpublish", { params: { path: { course_id } } }))),
      update: (body: Schemas["CourseUpdate"]) =>
        save(() => unwrap(api.PATCH("/api/courses/{course_id}", { params: { path: { course_id } }, body }))),
      move: (kind: "section" | "lesson", id: string, position: number, section_id?: string) =>
        save(() =>
          unwrap(
            api.POST("/api/courses/{course_id}/move", {
              params: { path: { course_id } },
              body: { kind, id, position, section_id },
            }),
          ),
        ),
      addSection: (title: string) =>
        save(() =>
          unwrap(api.POST("/api/courses/{course_id}/sections", { params: { path: { course_id } }, body: { title } })),
        ),
      deleteSection: (section_id: string) =>
        save(() =>
          unwrap(
            api.DELETE("/api/courses/{course_id}/sections/{section_id}", {
              params: { path: { course_id, section_id } },
            }),
          ),
        ),
      addLesson: (section_id: string, body: Schemas["LessonCreate"]) =>
        save(() =>
          unwrap(
            api.POST("/api/courses/{course_id}/sections/{section_id}/lessons", {
              params: { path: { course_id, section_id } },
              body,
            }),
          ),
        ),
      updateLesson: (section_id: string, lesson_id: string, body: Schemas["LessonUpdate"]) =>
        save(() =>
          unwrap(
            api.PATCH("/api/courses/{course_id}/sections/{section_id}/lessons/{lesson_id}", {
              params: { path: lessonPath(section_id, lesson_id) },
              body,
            }),
          ),
        ),
      deleteLesson: (section_id: string, lesson_id: string) =>
        save(() =>
          unwrap(
            api.DELETE("/api/courses/{course_id}/sections/{section_id}/lessons/{lesson_id}", {
              params: { path: lessonPath(section_id, lesson_id) },
            }),
          ),
        ),
    };
  }, [courseId, save]);

  return { ...editor, busy: action.busy, error: action.error };
}

export type CourseEditor = ReturnType<typeof useCourseEditor>;
