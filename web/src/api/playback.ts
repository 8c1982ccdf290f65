// Playback calls, one function each, on top of the generated client.
import { api, unwrap, type Schemas } from "./client";

export type PlaybackStart = Schemas["PlaybackStart"];

/** Starts watching a lesson: a playback session with a signed playlist URL. */
export function startPlayback(lessonId: string, device: string): Promise<PlaybackStart> {
  return unwrap(
    api.POST("/api/lessons/{lesson_id}/playback", { params: { path: { lesson_id: lessonId } }, body: { device } }),
  );
}

/** Renews the session's lease and stores the position (seconds). */
export function heartbeat(sessionId: string, position: number): Promise<Schemas["HeartbeatRead"]> {
  return unwrap(
    api.POST("/api/playback/{session_id}/heartbeat", {
      params: { path: { session_id: sessionId } },
      body: { position },
    }),
  );
}

/** Ends a session, which frees its stream slot at once. With `keepalive` the request
 * survives the page being closed (sent from `pagehide`). */
export function endPlayback(sessionId: string, options: { keepalive?: boolean } = {}): Promise<void> {
  return unwrap(
    api.DELETE("/api/playback/{session_id}", {
      params: { path: { session_id: sessionId } },
      keepalive: options.keepalive,
    }),
  ).then(() => undefined);
}
