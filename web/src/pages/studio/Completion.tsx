import { useState, type FormEvent } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { clock } from "../../components/player/Chapters";
import { Notice, useLoad } from "../../components/ui";

type Course = Schemas["CourseRead"];
type Rule = Schemas["CompletionRule"];

/** What completes the course for its certificate (Q4): how much of a video counts as
 * watched, which lessons count, which quizzes must be passed, and a score rule. */
export function Completion({
  course,
  onSave,
}: {
  course: Course;
  onSave(body: Schemas["CourseUpdate"]): Promise<void>;
}) {
  const rule = course.completion;
  const lessons = course.sections.flatMap((s) => s.lessons);
  const quizzes = useLoad(
    () => unwrap(api.GET("/api/courses/{course_id}/quizzes", { params: { path: { course_id: course.id } } })),
    [course.id, lessons.map((l) => `${l.id}:${l.checkpoints?.length ?? 0}`).join(",")],
  );
  const [share, setShare] = useState(String(rule.video_share));
  const [every, setEvery] = useState(rule.lessons == null);
  const [counted, setCounted] = useState<string[]>(rule.lessons ?? lessons.map((l) => l.id));
  const [required, setRequired] = useState<string[]>(rule.required_quizzes ?? []);
  const [passRule, setPassRule] = useState<Schemas["PassRule"]>(rule.pass_rule);
  const [passMark, setPassMark] = useState(String(rule.pass_mark));
  const [showScore, setShowScore] = useState(rule.show_score);
  const lessonTitle = new Map(lessons.map((l) => [l.id, l.title]));

  const toggle = (list: string[], id: string, on: boolean) => (on ? [...list, id] : list.filter((x) => x !== id));

  function submit(event: FormEvent) {
    event.preventDefault();
    const completion: Rule = {
      video_share: Number(share),
      lessons: every ? null : counted.filter((id) => lessonTitle.has(id)),
      required_quizzes: required.length ? required : null,
      pass_rule: passRule,
      pass_mark: Number(passMark),
      show_score: showScore,
    };
    void onSave({ completion });
  }

  return (
    <form className="card form completion" onSubmit={submit} aria-labelledby="completion-title">
      <h2 id="completion-title">Completion and certificate</h2>
      <label>
        A video counts as watched at (%)
        <input type="number" min="10" max="100" required value={share} onChange={(e) => setShare(e.target.value)} />
      </label>
      <fieldset>
        <legend>Lessons that count</legend>
        <label className="check">
          <input type="checkbox" checked={every} onChange={(e) => setEvery(e.target.checked)} /> Every lesson
        </label>
        {!every &&
          lessons.map((l) => (
            <label key={l.id} className="check">
              <input
                type="checkbox"
                checked={counted.includes(l.id)}
                onChange={(e) => setCounted(toggle(counted, l.id, e.target.checked))}
              />{" "}
              {l.title}
            </label>
          ))}
      </fieldset>
      <fieldset>
        <legend>Quizzes to pass</legend>
        {quizzes.data?.length === 0 && <p className="muted">This course has no quiz yet.</p>}
        {quizzes.data?.map((q) => (
          <label key={q.id} className="check">
            <input
              type="checkbox"
              checked={required.includes(q.id)}
              onChange={(e) => setRequired(toggle(required, q.id, e.target.checked))}
            />{" "}
            {q.kind === "checkpoint"
              ? `Checkpoint at ${clock(q.at ?? 0)} in ${lessonTitle.get(q.lesson_id) ?? "a lesson"}`
              : q.title}
          </label>
        ))}
        <Notice error={quizzes.error} />
      </fieldset>
      <div className="row wrap">
        <label>
          Score rule
          <select value={passRule} onChange={(e) => setPassRule(e.target.value as Schemas["PassRule"])}>
            <option value="none">no score needed</option>
            <option value="average">the average of the best quiz scores reaches the pass mark</option>
            <option value="every">every quiz of the course is passed</option>
          </select>
        </label>
        {passRule === "average" && (
          <label>
            Course pass mark (%)
            <input type="number" min="0" max="100" value={passMark} onChange={(e) => setPassMark(e.target.value)} />
          </label>
        )}
      </div>
      <label className="check">
        <input type="checkbox" checked={showScore} onChange={(e) => setShowScore(e.target.checked)} /> Show the score on
        the certificate
      </label>
      <button className="primary">Save completion</button>
    </form>
  );
}
