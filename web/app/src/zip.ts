// Streams a ZIP of the results with fflate: each entry is a stored (ZipPassThrough) copy of an
// already-compressed PNG/WebP, read from its Blob chunk by chunk and written to a Sink as it goes.
import { Zip, ZipPassThrough } from 'fflate';
import type { Sink } from './store';

export interface ZipEntry {
  name: string;
  blob: () => Promise<Blob>; // produced lazily, one at a time
}

export async function writeZip(entries: ZipEntry[], sink: Sink, onEntry?: (index: number) => void): Promise<Blob> {
  let pending: Promise<void> = Promise.resolve();
  let failure: unknown = null;
  const zip = new Zip((err, chunk) => {
    if (err) {
      failure = err;
      return;
    }
    // Keep the writes in order; chunk is owned by us.
    pending = pending.then(() => sink.write(chunk));
  });
  try {
    const used = new Set<string>();
    for (let i = 0; i < entries.length; i++) {
      const name = uniqueName(entries[i].name, used);
      const blob = await entries[i].blob();
      const entry = new ZipPassThrough(name);
      entry.mtime = new Date();
      zip.add(entry);
      const reader = blob.stream().getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        entry.push(value);
        await pending; // back-pressure: one chunk in flight
      }
      entry.push(new Uint8Array(0), true);
      await pending;
      if (failure) throw failure;
      onEntry?.(i);
    }
    zip.end();
    await pending;
    if (failure) throw failure;
    return await sink.close();
  } catch (err) {
    zip.terminate();
    await sink.abort();
    throw err;
  }
}

function uniqueName(name: string, used: Set<string>): string {
  let candidate = name;
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  for (let n = 2; used.has(candidate.toLowerCase()); n++) candidate = `${stem} (${n})${ext}`;
  used.add(candidate.toLowerCase());
  return candidate;
}
