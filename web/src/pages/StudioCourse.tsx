import { useEffect, useState, type FormEvent } from "react";
import { Link, useParams } from "react-router-dom";
import { api, money, unwrap, type Schemas } from "../api/client";
import { StatsChart } from "../components/StatsChart";
import { Uploader } from "../components/Uploader";
import { Loading, Notice, ProgressBar, useAction, useLoad } from "../components/ui";

type Course = Schemas["CourseRead"];
type Video = Schemas["VideoRead"];

export function StudioCourse() {
  const { courseId = "" } = useParams();
  const course = useLoad(() => unwrap(api.GET("/api/courses/{ref}", { params: { path: { ref: courseId } } })), [courseId]);
  const videos = useLoad(() => unwrap(api.GET("/api/videos")), []);
  const action = useAction();
  const c = course.data;

  // Poll while a video is still being uploaded or transcoded.
  const working = videos.data?.items.some((v) => !["ready", "failed", "awaiting_upload"].includes(v.status));
  useEffect(() => {
    if (!working) return;
    const timer = setInterval(() => void videos.reload(), 1500);
    return () => clearInterval(timer);
  }, [working, videos]);

  async function change(call: () => Promise<Course | { course: Course }>) {
    const result = await action.run(call);
    if (result) course.setData("course" in result ? result.course : result);
  }

  if (!c) return course.error ? <main><Notice error={course.error} /></main> : <Loading />;
  const path = { course_id: c.id };

  return (
    <main>
      <p className="crumbs">
        <Link to="/studio">Studio</Link> / {c.title}
      </p>
      <header className="row spread">
        <h1>
          {c.title} <span className={`badge state-${c.status}`}>{c.status}</span>
        </h1>
        <div className="row">
          <Link className="button" to={`/courses/${c.slug}`}>View page</Link>
          {c.status === "draft" ? (
            <button className="primary" disabled={action.busy} onClick={() => change(() => unwrap(api.POST("/api/courses/{course_id}/publish", { params: { path } })))}>
              Publish
            </button>
          ) : (
            <button disabled={action.busy} onClick={() => change(() => unwrap(api.POST("/api/courses/{course_id}/unpublish", { params: { path } })))}>
              Unpublish
            </button>
          )}
        </div>
      </header>
      <Notice error={action.error} />
      <div className="studio-grid">
        <div>
          <Details course={c} onSave={(body) => change(() => unwrap(api.PATCH("/api/courses/{course_id}", { params: { path }, body })))} />
          <Outline course={c} videos={videos.data?.items ?? []} change={change} />
        </div>
        <div>
          <section className="card">
            <h2>Videos</h2>
            <Uploader onUploaded={() => void videos.reload()} />
            <ul className="videos">
              {videos.data?.items.map((v) => (
                <li key={v.id} data-testid="video-row" data-status={v.status}>
                  <strong>{v.title}</strong> <span className={`badge state-${v.status}`}>{v.status}</span>
                  {v.status === "processing" && <ProgressBar value={v.progress * 100} label={`Transcoding ${v.title}`} />}
                  {v.status === "failed" && <span className="error-text"> {v.error}</span>}
                </li>
              ))}
            </ul>
          </section>
          <Stats courseId={c.id} lessons={c.sections.flatMap((s) => s.lessons)} />
        </div>
      </div>
    </main>
  );
}

function Details({ course, onSave }: { course: Course; onSave(body: Schemas["CourseUpdate"]): Promise<void> }) {
  const [title, setTitle] = useState(course.title);
  const [description, setDescription] = useState(course.description);
  const [price, setPrice] = useState((course.price.amount / 100).toFixed(2));
  const [currency, setCurrency] = useState(course.price.currency.toUpperCase());
  const [streams, setStreams] = useState(String(course.policy.max_concurrent_streams ?? ""));
  const [behavior, setBehavior] = useState(course.policy.limit_behavior ?? "refuse_new");
  const [plays, setPlays] = useState(String(course.policy.max_plays_per_lesson ?? ""));

  function submit(event: FormEvent) {
    event.preventDefault();
    void onSave({
      title,
      description,
      price: { amount: Math.round(Number(price) * 100), currency },
      policy: {
        max_concurrent_streams: streams ? Number(streams) : null,
        limit_behavior: behavior as "refuse_new" | "evict_oldest",
        max_plays_per_lesson: plays ? Number(plays) : null,
      },
    });
  }

  return (
    <form className="card form" onSubmit={submit}>
      <h2>Details</h2>
      <label>
        Title
        <input required value={title} onChange={(e) => setTitle(e.target.value)} />
      </label>
      <label>
        Description
        <textarea rows={4} value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <div className="row">
        <label>
          Price (0 = free)
          <input type="number" min="0" step="0.01" value={price} onChange={(e) => setPrice(e.target.value)} />
        </label>
        <label>
          Currency
          <input value={currency} maxLength={3} onChange={(e) => setCurrency(e.target.value.toUpperCase())} />
        </label>
      </div>
      <fieldset>
        <legend>Playback limits</legend>
        <div className="row">
          <label>
            Streams at once
            <input type="number" min="1" max="20" placeholder="site default" value={streams} onChange={(e) => setStreams(e.target.value)} />
          </label>
          <label>
            At the limit
            <select value={behavior} onChange={(e) => setBehavior(e.target.value as typeof behavior)}>
              <option value="refuse_new">refuse the new device</option>
              <option value="evict_oldest">stop the oldest device</option>
            </select>
          </label>
          <label>
            Plays per lesson
            <input type="number" min="1" placeholder="unlimited" value={plays} onChange={(e) => setPlays(e.target.value)} />
          </label>
        </div>
      </fieldset>
      <p className="muted">Price shown to students: {money(Math.round(Number(price) * 100) || 0, currency || "usd")}</p>
      <button className="primary">Save details</button>
    </form>
  );
}

type Change = (call: () => Promise<Course | { course: Course }>) => Promise<void>;

function Outline({ course, videos, change }: { course: Course; videos: Video[]; change: Change }) {
  const [sectionTitle, setSectionTitle] = useState("");
  const path = { course_id: course.id };
  const move = (kind: "section" | "lesson", id: string, position: number, section_id?: string) =>
    change(() => unwrap(api.POST("/api/courses/{course_id}/move", { params: { path }, body: { kind, id, position, section_id } })));

  return (
    <section className="card">
      <h2>Sections and lessons</h2>
      {course.sections.map((section, si) => (
        <div key={section.id} className="studio-section">
          <div className="row spread">
            <h3>{section.title}</h3>
            <div className="row">
              <button aria-label={`Move section ${section.title} up`} disabled={si === 0} onClick={() => move("section", section.id, si - 1)}>↑</button>
              <button aria-label={`Move section ${section.title} down`} disabled={si === course.sections.length - 1} onClick={() => move("section", section.id, si + 1)}>↓</button>
              <button aria-label={`Delete section ${section.title}`} onClick={() => window.confirm("Delete this section and its lessons?") &&
                change(() => unwrap(api.DELETE("/api/courses/{course_id}/sections/{section_id}", { params: { path: { ...path, section_id: section.id } } })))}>✕</button>
            </div>
          </div>
          <ol className="lessons">
            {section.lessons.map((lesson, li) => (
              <li key={lesson.id}>
                <span>{lesson.kind === "video" ? "▶" : "¶"} {lesson.title}</span>
                {lesson.preview && <span className="badge">preview</span>}
                {lesson.video_status && lesson.video_status !== "ready" && <span className="badge">{lesson.video_status}</span>}
                <span className="right row">
                  <label className="inline">
                    <input type="checkbox" checked={lesson.preview} onChange={(e) => change(() => unwrap(api.PATCH(
                      "/api/courses/{course_id}/sections/{section_id}/lessons/{lesson_id}",
                      { params: { path: { ...path, section_id: section.id, lesson_id: lesson.id } }, body: { preview: e.target.checked } })))} /> preview
                  </label>
                  <button aria-label={`Move ${lesson.title} up`} disabled={li === 0} onClick={() => move("lesson", lesson.id, li - 1, section.id)}>↑</button>
                  <button aria-label={`Move ${lesson.title} down`} disabled={li === section.lessons.length - 1} onClick={() => move("lesson", lesson.id, li + 1, section.id)}>↓</button>
                  <button aria-label={`Delete ${lesson.title}`} onClick={() => change(() => unwrap(api.DELETE(
                    "/api/courses/{course_id}/sections/{section_id}/lessons/{lesson_id}",
                    { params: { path: { ...path, section_id: section.id, lesson_id: lesson.id } } })))}>✕</button>
                </span>
              </li>
            ))}
          </ol>
          <NewLesson courseId={course.id} sectionId={section.id} videos={videos} change={change} />
        </div>
      ))}
      <form className="row" onSubmit={(e) => {
        e.preventDefault();
        void change(() => unwrap(api.POST("/api/courses/{course_id}/sections", { params: { path }, body: { title: sectionTitle } }))).then(() => setSectionTitle(""));
      }}>
        <label className="grow">
          <span className="sr-only">New section title</span>
          <input required placeholder="New section title" value={sectionTitle} onChange={(e) => setSectionTitle(e.target.value)} />
        </label>
        <button>Add section</button>
      </form>
    </section>
  );
}

function NewLesson({ courseId, sectionId, videos, change }: { courseId: string; sectionId: string; videos: Video[]; change: Change }) {
  const [title, setTitle] = useState("");
  const [kind, setKind] = useState<"video" | "text">("video");
  const [videoId, setVideoId] = useState("");
  const [body, setBody] = useState("");
  const [preview, setPreview] = useState(false);
  const usable = videos.filter((v) => v.status !== "failed");

  function submit(event: FormEvent) {
    event.preventDefault();
    void change(() =>
      unwrap(api.POST("/api/courses/{course_id}/sections/{section_id}/lessons", {
        params: { path: { course_id: courseId, section_id: sectionId } },
        body: { title, kind, video_id: kind === "video" ? videoId || usable[0]?.id : null, body, preview },
      })),
    ).then(() => {
      setTitle("");
      setBody("");
    });
  }

  return (
    <form className="new-lesson" onSubmit={submit}>
      <label>
        Lesson title
        <input required value={title} onChange={(e) => setTitle(e.target.value)} />
      </label>
      <label>
        Kind
        <select value={kind} onChange={(e) => setKind(e.target.value as "video" | "text")}>
          <option value="video">Video</option>
          <option value="text">Text (Markdown)</option>
        </select>
      </label>
      {kind === "video" ? (
        <label>
          Video
          <select value={videoId} onChange={(e) => setVideoId(e.target.value)} required={!usable.length}>
            {usable.length === 0 && <option value="">Upload a video first</option>}
            {usable.map((v) => <option key={v.id} value={v.id}>{v.title} ({v.status})</option>)}
          </select>
        </label>
      ) : (
        <label>
          Text
          <textarea rows={4} value={body} onChange={(e) => setBody(e.target.value)} />
        </label>
      )}
      <label className="inline">
        <input type="checkbox" checked={preview} onChange={(e) => setPreview(e.target.checked)} /> Free preview
      </label>
      <button>Add lesson</button>
    </form>
  );
}

function Stats({ courseId, lessons }: { courseId: string; lessons: Schemas["LessonRead"][] }) {
  const stats = useLoad(() => unwrap(api.GET("/api/courses/{course_id}/stats", { params: { path: { course_id: courseId } } })), [courseId, lessons.length]);
  const students = useLoad(() => unwrap(api.GET("/api/courses/{course_id}/students", { params: { path: { course_id: courseId } } })), [courseId]);
  const [student, setStudent] = useState("");
  const [lesson, setLesson] = useState("");
  const [extra, setExtra] = useState("1");
  const action = useAction();
  const [granted, setGranted] = useState("");

  async function grant(event: FormEvent) {
    event.preventDefault();
    const result = await action.run(() => unwrap(api.POST("/api/courses/{course_id}/students/{user_id}/plays", {
      params: { path: { course_id: courseId, user_id: student } },
      body: { lesson_id: lesson || lessons[0]?.id, extra_plays: Number(extra) },
    })));
    if (result) setGranted(`Granted: ${result.extra_plays} extra plays in all (${result.plays} used).`);
  }

  const s = stats.data;
  return (
    <section className="card">
      <h2>Stats</h2>
      {!s ? <Loading /> : (
        <>
          <p className="meta">
            <span><strong>{s.active_enrollments}</strong> active students</span>
            {s.revenue.map((r) => <span key={r.currency}>Revenue <strong>{money(r.net, r.currency)}</strong> (refunded {money(r.refunded, r.currency)})</span>)}
          </p>
          <StatsChart lessons={s.lessons} />
        </>
      )}
      <h3>Students</h3>
      {students.data?.items.length === 0 && <p className="muted">No students yet.</p>}
      <ul>
        {students.data?.items.map((st) => <li key={st.user_id}>{st.name} &lt;{st.email}&gt; <span className="badge">{st.state}</span></li>)}
      </ul>
      {!!students.data?.items.length && (
        <form className="row wrap" onSubmit={grant}>
          <label>Student
            <select required value={student} onChange={(e) => setStudent(e.target.value)}>
              <option value="">Choose…</option>
              {students.data.items.map((st) => <option key={st.user_id} value={st.user_id}>{st.email}</option>)}
            </select>
          </label>
          <label>Lesson
            <select value={lesson} onChange={(e) => setLesson(e.target.value)}>
              {lessons.map((l) => <option key={l.id} value={l.id}>{l.title}</option>)}
            </select>
          </label>
          <label>Extra plays
            <input type="number" min="1" max="1000" value={extra} onChange={(e) => setExtra(e.target.value)} />
          </label>
          <button disabled={action.busy}>Grant plays</button>
        </form>
      )}
      <Notice error={action.error} />
      {granted && <Notice kind="success">{granted}</Notice>}
    </section>
  );
}
