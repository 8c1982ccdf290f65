import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { money, type Schemas } from "../../api/client";

type Course = Schemas["CourseRead"];

/** The course's title, price and playback limits; re-syncs when the saved course changes. */
export function Details({ course, onSave }: { course: Course; onSave(body: Schemas["CourseUpdate"]): Promise<void> }) {
  const { t } = useTranslation("editor");
  const [title, setTitle] = useState(course.title);
  const [description, setDescription] = useState(course.description);
  const [outcomes, setOutcomes] = useState(course.outcomes);
  const [price, setPrice] = useState((course.price.amount / 100).toFixed(2));
  const [currency, setCurrency] = useState(course.price.currency.toUpperCase());
  const [streams, setStreams] = useState(String(course.policy.max_concurrent_streams ?? ""));
  const [behavior, setBehavior] = useState<Schemas["LimitBehavior"]>(course.policy.limit_behavior ?? "refuse_new");
  const [protection, setProtection] = useState<Schemas["KeyProtection"]>(course.policy.key_protection);
  const [plays, setPlays] = useState(String(course.policy.max_plays_per_lesson ?? ""));
  const [forensic, setForensic] = useState(course.policy.forensic_watermark ?? false);

  const [unmarked, setUnmarked] = useState<Schemas["UnmarkedStart"]>(course.policy.unmarked_start ?? "wait");
  const [exempt, setExempt] = useState(course.policy.checkpoints_exempt ?? true);

  // The form starts from the saved course and follows it when a save (or a reload) changes
  // what it shows; a reload that changes nothing of it (the studio re-reads the course
  // while videos get their variants) keeps what is being typed.
  const { title: ti, description: d, outcomes: o, price: pr, policy: po } = course;
  useEffect(() => {
    setTitle(ti);
    setDescription(d);
    setOutcomes(o);
    setPrice((pr.amount / 100).toFixed(2));
    setCurrency(pr.currency.toUpperCase());
  }, [ti, d, o, pr.amount, pr.currency]);
  useEffect(() => {
    setStreams(String(po.max_concurrent_streams ?? ""));
    setBehavior(po.limit_behavior ?? "refuse_new");
    setProtection(po.key_protection);
    setPlays(String(po.max_plays_per_lesson ?? ""));
    setForensic(po.forensic_watermark ?? false);
    setUnmarked(po.unmarked_start ?? "wait");
    setExempt(po.checkpoints_exempt ?? true);
  }, [
    po.max_concurrent_streams,
    po.limit_behavior,
    po.key_protection,
    po.max_plays_per_lesson,
    po.forensic_watermark,
    po.unmarked_start,
    po.checkpoints_exempt,
  ]);

  function submit(event: FormEvent) {
    event.preventDefault();
    void onSave({
      title,
      description,
      outcomes,
      price: { amount: Math.round(Number(price) * 100), currency },
      policy: {
        max_concurrent_streams: streams ? Number(streams) : null,
        limit_behavior: behavior,
        key_protection: protection,
        max_plays_per_lesson: plays ? Number(plays) : null,
        forensic_watermark: forensic,
        unmarked_start: unmarked,
        checkpoints_exempt: exempt,
      },
    });
  }

  return (
    <form className="card form" onSubmit={submit}>
      <h2>{t("details.title")}</h2>
      <label>
        {t("details.courseTitle")}
        <input required value={title} onChange={(e) => setTitle(e.target.value)} />
      </label>
      <label>
        {t("shared.description")} <small>{t("shared.markdown")}</small>
        <textarea rows={4} value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <label>
        {t("details.outcomes")} <small>{t("details.outcomesHint")}</small>
        <textarea rows={3} value={outcomes} onChange={(e) => setOutcomes(e.target.value)} />
      </label>
      <div className="row">
        <label>
          {t("details.price")}
          <input type="number" min="0" step="0.01" value={price} onChange={(e) => setPrice(e.target.value)} />
        </label>
        <label>
          {t("details.currency")}
          <input value={currency} maxLength={3} onChange={(e) => setCurrency(e.target.value.toUpperCase())} />
        </label>
      </div>
      <fieldset>
        <legend>{t("details.limits")}</legend>
        <div className="row">
          <label>
            {t("details.streams")}
            <input
              type="number"
              min="1"
              max="20"
              placeholder={t("details.siteDefault")}
              value={streams}
              onChange={(e) => setStreams(e.target.value)}
            />
          </label>
          <label>
            {t("details.atLimit")}
            <select value={behavior} onChange={(e) => setBehavior(e.target.value as Schemas["LimitBehavior"])}>
              <option value="refuse_new">{t("details.behaviors.refuse_new")}</option>
              <option value="evict_oldest">{t("details.behaviors.evict_oldest")}</option>
            </select>
          </label>
          <label>
            {t("details.plays")}
            <input
              type="number"
              min="1"
              placeholder={t("details.unlimited")}
              value={plays}
              onChange={(e) => setPlays(e.target.value)}
            />
          </label>
          <label>
            {t("details.keys")}
            <select value={protection} onChange={(e) => setProtection(e.target.value as Schemas["KeyProtection"])}>
              <option value="session">{t("details.protections.session")}</option>
              <option value="standard">{t("details.protections.standard")}</option>
            </select>
          </label>
        </div>
        <label className="check">
          <input type="checkbox" checked={forensic} onChange={(e) => setForensic(e.target.checked)} />
          {t("details.forensic")}
        </label>
        {forensic && (
          <label>
            {t("details.unmarked")}
            <select value={unmarked} onChange={(e) => setUnmarked(e.target.value as Schemas["UnmarkedStart"])}>
              <option value="wait">{t("details.unmarkedStarts.wait")}</option>
              <option value="play_unmarked">{t("details.unmarkedStarts.play_unmarked")}</option>
            </select>
          </label>
        )}
        <label className="check">
          <input type="checkbox" checked={exempt} onChange={(e) => setExempt(e.target.checked)} />
          {t("details.exempt")}
        </label>
      </fieldset>
      <p className="muted">
        {t("details.shownPrice", { price: money(Math.round(Number(price) * 100) || 0, currency || "usd") })}
      </p>
      <button className="primary">{t("details.save")}</button>
    </form>
  );
}
