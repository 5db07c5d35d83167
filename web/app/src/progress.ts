// One progress bar over several stages: each library progress stage owns a span of the bar.
import type { Progress } from './engine';

export type StageSpans = Readonly<Record<string, readonly [number, number]>>;

/** Where `p` lies on the whole bar (0..1): its stage's span, filled by its fraction. */
export function spanFraction(p: Progress, spans: StageSpans): number {
  const [from, to] = spans[p.stage] ?? [0, 1];
  const f = typeof p.fraction === 'number' && Number.isFinite(p.fraction) ? Math.min(1, Math.max(0, p.fraction)) : 0;
  return from + (to - from) * f;
}
