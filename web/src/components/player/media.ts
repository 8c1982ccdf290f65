/** The media element of the Player rendered inside ROOT (the custom <hls-video> element,
 * which behaves as an HTMLMediaElement), for pages that seek it from outside: a search
 * hit in the lesson that plays, the caption editor's "play from here". */
export function playerMedia(root: ParentNode | null): HTMLMediaElement | null {
  return root?.querySelector<HTMLMediaElement>("[data-testid=player] hls-video, [data-testid=player] video") ?? null;
}
