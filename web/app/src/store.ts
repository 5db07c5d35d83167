// Where results live: files in the origin-private file system (OPFS) when the browser has it, so a
// batch of hundreds of photos does not sit in memory; plain in-memory Blobs otherwise.

export interface ResultStore {
  readonly kind: 'opfs' | 'memory';
  put(name: string, data: Blob): Promise<Blob>; // returns a Blob backed by the stored copy
  remove(name: string): Promise<void>;
  clear(): Promise<void>;
  /** A writable sink for a large file (the ZIP): chunks go to storage as they come. */
  createSink(name: string): Promise<Sink>;
}

export interface Sink {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<Blob>;
  abort(): Promise<void>;
}

const DIR = 'bgone-results';

class OpfsStore implements ResultStore {
  readonly kind = 'opfs' as const;
  constructor(private readonly dir: FileSystemDirectoryHandle) {}

  async put(name: string, data: Blob): Promise<Blob> {
    const handle = await this.dir.getFileHandle(name, { create: true });
    const writable = await handle.createWritable();
    await writable.write(data);
    await writable.close();
    return handle.getFile();
  }

  async remove(name: string): Promise<void> {
    await this.dir.removeEntry(name).catch(() => undefined);
  }

  async clear(): Promise<void> {
    const names: string[] = [];
    for await (const key of (this.dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(key);
    await Promise.all(names.map((n) => this.remove(n)));
  }

  async createSink(name: string): Promise<Sink> {
    const handle = await this.dir.getFileHandle(name, { create: true });
    const writable = await handle.createWritable();
    return {
      write: (chunk) => writable.write(chunk as Uint8Array<ArrayBuffer>),
      close: async () => {
        await writable.close();
        return handle.getFile();
      },
      abort: async () => {
        await writable.abort().catch(() => undefined);
        await this.remove(name);
      },
    };
  }
}

class MemoryStore implements ResultStore {
  readonly kind = 'memory' as const;
  async put(_name: string, data: Blob): Promise<Blob> {
    return data;
  }
  async remove(): Promise<void> {}
  async clear(): Promise<void> {}
  async createSink(): Promise<Sink> {
    // Blob parts: Chromium moves large Blobs to disk by itself.
    const parts: Blob[] = [];
    return {
      write: async (chunk) => {
        parts.push(new Blob([chunk as Uint8Array<ArrayBuffer>]));
      },
      close: async () => new Blob(parts, { type: 'application/zip' }),
      abort: async () => {
        parts.length = 0;
      },
    };
  }
}

export async function openStore(): Promise<ResultStore> {
  try {
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle(DIR, { create: true });
    // Probe createWritable: Safari has OPFS but only sync access handles in workers.
    const probe = await dir.getFileHandle('.probe', { create: true });
    if (typeof (probe as { createWritable?: unknown }).createWritable !== 'function') throw new Error('no createWritable');
    await dir.removeEntry('.probe');
    const store = new OpfsStore(dir);
    await store.clear(); // results of an earlier visit are not listed any more
    return store;
  } catch {
    return new MemoryStore();
  }
}
