import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
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
  const { t } = useTranslation("editor");
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
      <h2 id="completion-title">{t("completion.title")}</h2>
      <label>
        {t("completion.videoShare")}
        <input type="number" min="10" max="100" required value={share} onChange={(e) => setShare(e.target.value)} />
      </label>
      <fieldset>
        <legend>{t("completion.lessons")}</legend>
        <label className="check">
          <input type="checkbox" checked={every} onChange={(e) => setEvery(e.target.checked)} />{" "}
          {t("completion.everyLesson")}
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
        <legend>{t("completion.quizzes")}</legend>
        {quizzes.data?.length === 0 && <p className="muted">{t("completion.noQuiz")}</p>}
        {quizzes.data?.map((q) => (
          <label key={q.id} className="check">
            <input
              type="checkbox"
              checked={required.includes(q.id)}
              onChange={(e) => setRequired(toggle(required, q.id, e.target.checked))}
            />{" "}
            {q.kind === "checkpoint"
              ? t("completion.checkpoint", {
                  at: clock(q.at ?? 0),
                  lesson: lessonTitle.get(q.lesson_id) ?? t("completion.aLesson"),
                })
              : q.title}
          </label>
        ))}
        <Notice error={quizzes.error} />
      </fieldset>
      <div className="row wrap">
        <label>
          {t("completion.scoreRule")}
          <select value={passRule} onChange={(e) => setPassRule(e.target.value as Schemas["PassRule"])}>
            <option value="none">{t("completion.rules.none")}</option>
            <option value="average">{t("completion.rules.average")}</option>
            <option value="every">{t("completion.rules.every")}</option>
          </select>
        </label>
        {passRule === "average" && (
          <label>
            {t("completion.passMark")}
            <input type="number" min="0" max="100" value={passMark} onChange={(e) => setPassMark(e.target.value)} />
          </label>
        )}
      </div>
      <label className="check">
        <input type="checkbox" checked={showScore} onChange={(e) => setShowScore(e.target.checked)} />{" "}
        {t("completion.showScore")}
      </label>
      <button className="primary">{t("completion.save")}</button>
    </form>
  );
}
