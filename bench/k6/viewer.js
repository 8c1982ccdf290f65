// One k6 virtual user = one viewer, as hls.js and our web app behave: start the lesson,
// fetch the master and the top variant playlist, a key whenever the playlist names a new
// one, one segment every 6 s (body read in full, then dropped) and a heartbeat as often as
// the server asks (heartbeat_interval). Arrivals spread at random (uniformly) over
// ARRIVALS_SECONDS (bench/viewers.py --arrival: 30 s for a launch, 5 s for a burst).
import http from "k6/http";
import { sleep } from "k6";
import { Counter, Trend } from "k6/metrics";
import exec from "k6/execution";
import { SharedArray } from "k6/data";

const BASE = __ENV.BASE_URL;
// Parsed once and shared: each of thousands of VUs parsing the file itself kept both cores
// busy for the first seconds of a stage, and made k6's start-up the stage's busiest moment.
const viewers = new SharedArray("viewers", () => JSON.parse(open(__ENV.VIEWERS_FILE)));
const SEGMENT_EVERY = 6;
const ARRIVALS_OVER = Number(__ENV.ARRIVALS_SECONDS || 30); // 30 s: a launch, viewers trickle in

const segmentTime = new Trend("segment_ms", true);
// Time to the first byte: how long the server took to answer, apart from the transfer.
const segmentWait = new Trend("segment_wait_ms", true);
const startTime = new Trend("start_ms", true);
const keyTime = new Trend("key_ms", true);
const segmentBytes = new Counter("segment_bytes");
// One counter per kind of failure, so the summary can name what went wrong.
const KINDS = ["start", "master", "variant", "key", "segment", "heartbeat"];
const failures = Object.fromEntries(KINDS.map((kind) => [kind, new Counter(`failed_${kind}`)]));
const timeouts = new Counter("failed_timeout");

export const options = {
  discardResponseBodies: false,
  summaryTrendStats: ["p(50)", "p(99)", "max", "count"],
  scenarios: {
    viewers: {
      executor: "per-vu-iterations",
      vus: Number(__ENV.VUS),
      iterations: 1,
      maxDuration: `${Number(__ENV.WATCH_SECONDS) + ARRIVALS_OVER + 60}s`,
    },
  },
};

function fail(kind, response) {
  failures[kind].add(1);
  if (response.error_code === 1050) timeouts.add(1); // k6: request timeout
  // One line per failure in k6's log; bench/viewer_stage.py counts them by reason.
  const code = typeof response.body === "string" ? (response.body.match(/"code":"([a-z_]+)"/) || [])[1] : "";
  console.warn(`failure ${kind} ${response.status} ${response.error_code || 0} ${code || "-"}`);
}

function variantOf(master) {
  let best = null;
  let bandwidth = -1;
  const lines = master.split("\n");
  for (let i = 0; i < lines.length - 1; i++) {
    const match = lines[i].match(/BANDWIDTH=(\d+)/);
    if (match && Number(match[1]) > bandwidth) {
      bandwidth = Number(match[1]);
      best = lines[i + 1].trim();
    }
  }
  return best;
}

function segmentsOf(variant) {
  const found = [];
  let key = null;
  for (const line of variant.split("\n")) {
    const match = line.match(/URI="([^"]+)"/);
    if (line.startsWith("#EXT-X-KEY") && match) key = match[1];
    else if (line && !line.startsWith("#")) found.push({ uri: line.trim(), key });
  }
  return found;
}

export default function () {
  const me = viewers[(exec.vu.idInTest - 1) % viewers.length];
  const auth = { headers: { Authorization: `Bearer ${me.token}`, "Content-Type": "application/json" } };
  sleep(Math.random() * ARRIVALS_OVER); // spread the starts like real arrivals
  const started = http.post(`${BASE}/api/lessons/${me.lesson}/playback`, JSON.stringify({ device: "k6" }), auth);
  if (started.status !== 201) return fail("start", started);
  startTime.add(started.timings.duration);
  const start = started.json();
  const base = `${BASE}${start.playlist_url.replace(/[^/]+$/, "")}`;
  const master = http.get(`${BASE}${start.playlist_url}`);
  if (master.status !== 200) return fail("master", master);
  const variant = http.get(base + variantOf(master.body));
  if (variant.status !== 200) return fail("variant", variant);
  const segments = segmentsOf(variant.body);
  let lastKey = null;
  const beatEvery = start.heartbeat_interval * 1000; // as the server asks, like our player
  let nextBeat = Date.now() + beatEvery;
  const stopAt = Date.now() + Number(__ENV.WATCH_SECONDS) * 1000;
  for (let i = 0; Date.now() < stopAt; i++) {
    const tick = Date.now();
    const segment = segments[i % segments.length];
    if (segment.key && segment.key !== lastKey) {
      const key = http.get(base + segment.key, auth);
      if (key.status === 200) keyTime.add(key.timings.duration);
      else fail("key", key);
      lastKey = segment.key;
    }
    // The body is read off the socket in full and dropped ("none"): copying 2.3 MB into
    // a JavaScript buffer per segment made k6, not the server, the limit past 1,000 viewers.
    const got = http.get(base + segment.uri, { responseType: "none" });
    if (got.status === 200) {
      segmentTime.add(got.timings.duration);
      segmentWait.add(got.timings.waiting);
      segmentBytes.add(Number(got.headers["Content-Length"]));
    } else fail("segment", got);
    if (Date.now() >= nextBeat) {
      const position = (i * SEGMENT_EVERY) % 3600;
      const beat = http.post(
        `${BASE}/api/playback/${start.session_id}/heartbeat`,
        JSON.stringify({ position }),
        auth,
      );
      if (beat.status !== 200) fail("heartbeat", beat);
      nextBeat += beatEvery;
    }
    sleep(Math.max(0, SEGMENT_EVERY - (Date.now() - tick) / 1000));
  }
  http.del(`${BASE}/api/playback/${start.session_id}`, null, auth);
}
