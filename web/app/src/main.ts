// The bgone web app: a queue of photos, each cut out on this device by the bgone library, and a
// passport mode (passport.ts) that makes document photos.
import { DEFAULT_MODEL, MODEL_NAMES, loadLibrary, removeBackground, warmUp, type ModelName, type Progress } from './engine';
import { drawComposite, encodeComposite, type Background } from './compose';
import { setBusyCheck, setUpServiceWorker } from './offline';
import { addPassportPhoto, passportBusy, setUpPassport } from './passport';
import { spanFraction, type StageSpans } from './progress';
import { openStore, type ResultStore } from './store';
import { writeZip } from './zip';

type State = 'queued' | 'working' | 'done' | 'failed';

interface Item {
  id: number;
  file: File;
  name: string; // output stem
  state: State;
  fraction: number;
  stage: string;
  result: Blob | null; // PNG cut-out (transparent), backed by OPFS where available
  error: string;
  thumbUrl: string;
  resultUrl: string;
  row: HTMLLIElement;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const fileInput = $<HTMLInputElement>('file-input');
const dropzone = $<HTMLDivElement>('dropzone');
const list = $<HTMLOListElement>('queue-list');
const empty = $<HTMLParagraphElement>('empty');
const status = $<HTMLParagraphElement>('status');
const overall = $<HTMLProgressElement>('overall-progress');
const overallLabel = $<HTMLLabelElement>('overall-label');
const zipButton = $<HTMLButtonElement>('zip-button');
const clearButton = $<HTMLButtonElement>('clear-button');
const options = $<HTMLFormElement>('options');
const bgColor = $<HTMLInputElement>('bg-color-value');
const bgImageInput = $<HTMLInputElement>('bg-image-input');
const viewer = $<HTMLElement>('viewer');
const stage = $<HTMLDivElement>('stage');
const afterCanvas = $<HTMLCanvasElement>('after-canvas');
const beforeImg = $<HTMLImageElement>('before-img');
const compareRange = $<HTMLInputElement>('compare-range');

const items: Item[] = [];
let nextId = 1;
let running = false;
let store: ResultStore | null = null;
const storeReady = openStore().then((s) => (store = s));
let bgImage: ImageBitmap | null = null;
let viewing: Item | null = null;

// --- options ----------------------------------------------------------------------------------

const MODEL_KEY = 'bgone-model';
function model(): ModelName {
  return (new FormData(options).get('model') as ModelName) || DEFAULT_MODEL;
}
function format(): 'png' | 'webp' {
  return new FormData(options).get('format') === 'webp' ? 'webp' : 'png';
}
function background(): Background {
  const kind = new FormData(options).get('bg');
  if (kind === 'color') return { kind: 'color', color: bgColor.value };
  if (kind === 'image' && bgImage) return { kind: 'image', image: bgImage };
  return { kind: 'transparent' };
}

const savedModel = localStorage.getItem(MODEL_KEY);
if (MODEL_NAMES.includes(savedModel as ModelName)) {
  ($<HTMLInputElement>(`model-${savedModel}`)).checked = true;
}
// A returning visitor's model is loaded as the page opens (from the local store only: nothing is
// downloaded before the first photo), so that photo starts at once. body[data-warm] names it.
function warmUpEngine(): void {
  const name = model();
  void warmUp(name)
    .then((loaded) => {
      if (loaded && model() === name) document.body.dataset.warm = name;
    })
    .catch(() => { /* the first photo reports any error */ });
}
options.addEventListener('change', (event) => {
  const target = event.target as HTMLInputElement;
  if (target.name === 'model') {
    localStorage.setItem(MODEL_KEY, target.value);
    delete document.body.dataset.warm;
    warmUpEngine();
  }
  if (target === bgColor) $<HTMLInputElement>('bg-color').checked = true;
  void refreshViews();
});
options.addEventListener('submit', (event) => event.preventDefault());
bgImageInput.addEventListener('change', async () => {
  const file = bgImageInput.files?.[0];
  if (!file) return;
  try {
    bgImage?.close();
    bgImage = await createImageBitmap(file);
    $<HTMLInputElement>('bg-image').checked = true;
    $<HTMLLabelElement>('bg-image-label').textContent = file.name;
    await refreshViews();
  } catch {
    announce(`Could not read ${file.name} as an image.`);
  }
});

// --- intake: pick, drop, paste -------------------------------------------------------------------

fileInput.addEventListener('change', () => {
  addFiles(Array.from(fileInput.files ?? []));
  fileInput.value = '';
});
// Labels styled as buttons open their (visually hidden) file inputs from the keyboard too.
for (const label of document.querySelectorAll<HTMLLabelElement>('label.button[for]')) {
  label.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      label.control?.click();
    }
  });
}
for (const type of ['dragenter', 'dragover'] as const) {
  dropzone.addEventListener(type, (event) => {
    event.preventDefault();
    dropzone.classList.add('over');
  });
}
for (const type of ['dragleave', 'drop'] as const) {
  dropzone.addEventListener(type, () => dropzone.classList.remove('over'));
}
dropzone.addEventListener('drop', (event) => {
  event.preventDefault();
  addFiles(Array.from(event.dataTransfer?.files ?? []));
});
// A drop anywhere else must not navigate away from the app.
window.addEventListener('dragover', (event) => event.preventDefault());
window.addEventListener('drop', (event) => event.preventDefault());
document.addEventListener('paste', (event) => {
  const files = Array.from(event.clipboardData?.files ?? []);
  if (files.length) {
    event.preventDefault();
    addFiles(files.map((f, i) => (f.name && f.name !== 'image.png' ? f : renamed(f, `pasted-${Date.now()}-${i}`))));
  }
});

function renamed(file: File, stem: string): File {
  const ext = file.type.split('/')[1] || 'png';
  return new File([file], `${stem}.${ext}`, { type: file.type });
}

// --- modes: cut-outs or passport photos (body[data-mode]; the URL's #passport opens the latter) ---

type Mode = 'cutout' | 'passport';
function mode(): Mode {
  return document.body.dataset.mode === 'passport' ? 'passport' : 'cutout';
}
function setMode(next: Mode): void {
  document.body.dataset.mode = next;
  for (const b of document.querySelectorAll<HTMLButtonElement>('.mode')) {
    b.setAttribute('aria-pressed', String(b.dataset.mode === next));
  }
  fileInput.multiple = next === 'cutout';
  const hash = next === 'passport' ? '#passport' : '';
  if (location.hash !== hash) history.replaceState(null, '', `${location.pathname}${location.search}${hash}`);
}
for (const b of document.querySelectorAll<HTMLButtonElement>('.mode')) {
  b.addEventListener('click', () => setMode(b.dataset.mode === 'passport' ? 'passport' : 'cutout'));
}
setMode(location.hash === '#passport' ? 'passport' : 'cutout');
window.addEventListener('hashchange', () => setMode(location.hash === '#passport' ? 'passport' : 'cutout'));

function addFiles(files: File[]): void {
  const images = files.filter((f) => f.type.startsWith('image/') || /\.(jpe?g|png|webp|avif|gif|bmp|heic)$/i.test(f.name));
  if (images.length < files.length) announce(`${files.length - images.length} file(s) skipped: not images.`);
  if (mode() === 'passport') {
    addPassportPhoto(images);
    return;
  }
  for (const file of images) {
    const item: Item = {
      id: nextId++,
      file,
      name: file.name.replace(/\.[^.]+$/, '') || 'photo',
      state: 'queued',
      fraction: 0,
      stage: '',
      result: null,
      error: '',
      thumbUrl: URL.createObjectURL(file),
      resultUrl: '',
      row: document.createElement('li'),
    };
    buildRow(item);
    items.push(item);
    list.append(item.row);
  }
  if (images.length) announce(`${images.length} photo(s) added.`);
  updateOverall();
  void run();
}

// --- the queue ----------------------------------------------------------------------------------

function buildRow(item: Item): void {
  const row = item.row;
  row.className = 'item';
  row.dataset.id = String(item.id);
  row.dataset.state = item.state;
  const thumb = document.createElement('div');
  thumb.className = 'thumb checker';
  const img = document.createElement('img');
  img.alt = '';
  img.src = item.thumbUrl;
  thumb.append(img);

  const info = document.createElement('div');
  info.className = 'info';
  const name = document.createElement('p');
  name.className = 'name';
  name.textContent = item.file.name;
  const bar = document.createElement('progress');
  bar.max = 1;
  bar.value = 0;
  bar.setAttribute('aria-label', `Progress for ${item.file.name}`);
  const state = document.createElement('p');
  state.className = 'state';
  state.textContent = 'Waiting';
  info.append(name, bar, state);

  const actions = document.createElement('div');
  actions.className = 'actions';
  const view = button('Compare', `Compare before and after: ${item.file.name}`, () => openViewer(item));
  view.classList.add('view');
  const save = button('Download', `Download ${item.file.name} without background`, () => void downloadOne(item));
  save.classList.add('download', 'primary');
  const remove = button('Remove', `Remove ${item.file.name} from the list`, () => void removeItem(item));
  remove.classList.add('remove', 'quiet');
  view.disabled = save.disabled = true;
  actions.append(view, save, remove);
  row.append(thumb, info, actions);
}

function button(text: string, label: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'button';
  b.textContent = text;
  b.setAttribute('aria-label', label);
  b.addEventListener('click', onClick);
  return b;
}

const STAGE_TEXT: Record<string, string> = {
  download: 'Downloading model (once)',
  load: 'Starting engine',
  inference: 'Finding the subject',
  encode: 'Saving',
};

// One bar per photo: download 0-40%, load 40-50%, inference 50-95%, encode 95-100%.
const STAGE_SPAN: StageSpans = {
  download: [0, 0.4],
  load: [0.4, 0.5],
  inference: [0.5, 0.95],
  encode: [0.95, 1],
};

function renderItem(item: Item): void {
  const row = item.row;
  row.dataset.state = item.state;
  const bar = row.querySelector('progress') as HTMLProgressElement;
  const state = row.querySelector('.state') as HTMLParagraphElement;
  bar.value = item.state === 'done' ? 1 : item.fraction;
  if (item.state === 'queued') state.textContent = 'Waiting';
  else if (item.state === 'working') state.textContent = `${STAGE_TEXT[item.stage] ?? 'Working'}… ${Math.round(item.fraction * 100)}%`;
  else if (item.state === 'done') state.textContent = 'Done';
  else state.textContent = `Failed: ${item.error}`;
  (row.querySelector('.view') as HTMLButtonElement).disabled = item.state !== 'done';
  (row.querySelector('.download') as HTMLButtonElement).disabled = item.state !== 'done';
  if (item.state === 'done' && item.resultUrl) {
    (row.querySelector('.thumb img') as HTMLImageElement).src = item.resultUrl;
  }
}

function updateOverall(): void {
  const total = items.length;
  const done = items.filter((i) => i.state === 'done' || i.state === 'failed').length;
  const partial = items.find((i) => i.state === 'working')?.fraction ?? 0;
  overall.value = total ? (done + partial) / total : 0;
  overallLabel.textContent = total ? `${done} of ${total} done` : 'Nothing queued';
  empty.hidden = total > 0;
  zipButton.disabled = !items.some((i) => i.state === 'done') || running;
  clearButton.disabled = total === 0 || running;
  document.body.dataset.busy = running ? '1' : '0';
}

async function run(): Promise<void> {
  if (running) return;
  running = true;
  updateOverall();
  await storeReady;
  try {
    for (let item = nextQueued(); item; item = nextQueued()) {
      await processItem(item);
    }
  } finally {
    running = false;
    updateOverall();
    const failed = items.filter((i) => i.state === 'failed').length;
    announce(failed ? `Finished; ${failed} photo(s) failed.` : 'All photos done.');
  }
}

function nextQueued(): Item | undefined {
  return items.find((i) => i.state === 'queued');
}

async function processItem(item: Item): Promise<void> {
  item.state = 'working';
  item.fraction = 0;
  renderItem(item);
  const started = performance.now();
  try {
    const blob = await removeBackground(item.file, {
      model: model(),
      onProgress: (p: Progress) => {
        item.stage = p.stage;
        item.fraction = spanFraction(p, STAGE_SPAN);
        renderItem(item);
        updateOverall();
      },
    });
    item.result = await store!.put(`${item.id}.png`, blob);
    item.resultUrl = URL.createObjectURL(item.result);
    item.state = 'done';
    item.row.dataset.ms = String(Math.round(performance.now() - started));
  } catch (err) {
    item.state = 'failed';
    item.error = (err as Error)?.message || String(err);
  }
  renderItem(item);
  updateOverall();
}

async function removeItem(item: Item): Promise<void> {
  if (item.state === 'working') return;
  const index = items.indexOf(item);
  if (index < 0) return;
  items.splice(index, 1);
  item.row.remove();
  URL.revokeObjectURL(item.thumbUrl);
  if (item.resultUrl) URL.revokeObjectURL(item.resultUrl);
  await store?.remove(`${item.id}.png`);
  if (viewing === item) closeViewer();
  updateOverall();
}

clearButton.addEventListener('click', async () => {
  for (const item of [...items]) await removeItem(item);
  await store?.clear();
  announce('List cleared.');
});

// --- output -------------------------------------------------------------------------------------

async function outputBlob(item: Item): Promise<Blob> {
  const bg = background();
  const type = format() === 'webp' ? 'image/webp' : 'image/png';
  if (bg.kind === 'transparent' && type === 'image/png') return item.result!;
  const cutout = await createImageBitmap(item.result!);
  try {
    return await encodeComposite(cutout, bg, type);
  } finally {
    cutout.close();
  }
}

function outputName(item: Item): string {
  return `${item.name}.nobg.${format()}`;
}

async function downloadOne(item: Item): Promise<void> {
  if (!item.result) return;
  save(await outputBlob(item), outputName(item));
}

zipButton.addEventListener('click', async () => {
  const done = items.filter((i) => i.state === 'done');
  if (!done.length || !store) return;
  zipButton.disabled = true;
  announce(`Packing ${done.length} photo(s)…`);
  try {
    const sink = await store.createSink(`bgone-${Date.now()}.zip`);
    const zip = await writeZip(
      done.map((item) => ({ name: outputName(item), blob: () => outputBlob(item) })),
      sink,
      (i) => announce(`Packing ${i + 1} of ${done.length}…`),
    );
    save(zip.type ? zip : new Blob([zip], { type: 'application/zip' }), 'bgone-cutouts.zip');
    announce(`ZIP of ${done.length} photo(s) ready.`);
  } catch (err) {
    announce(`Could not build the ZIP: ${(err as Error).message}`);
  } finally {
    updateOverall();
  }
});

function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

// --- before / after viewer ----------------------------------------------------------------------

function openViewer(item: Item): void {
  viewing = item;
  viewer.hidden = false;
  beforeImg.src = item.thumbUrl;
  beforeImg.alt = `Original: ${item.file.name}`;
  void refreshViews();
  viewer.scrollIntoView({ behavior: 'smooth', block: 'start' });
  compareRange.focus();
}

function closeViewer(): void {
  viewing = null;
  viewer.hidden = true;
}
$<HTMLButtonElement>('viewer-close').addEventListener('click', closeViewer);
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && !viewer.hidden) closeViewer();
});

compareRange.addEventListener('input', setSplit);
function setSplit(): void {
  // Left of the split: the original; right: the cut-out.
  beforeImg.style.clipPath = `inset(0 ${100 - Number(compareRange.value)}% 0 0)`;
}

async function refreshViews(): Promise<void> {
  const bg = background();
  document.body.dataset.bg = bg.kind;
  stage.classList.toggle('checker', bg.kind === 'transparent');
  const item = viewing;
  if (!item?.result) return;
  const cutout = await createImageBitmap(item.result);
  afterCanvas.width = cutout.width;
  afterCanvas.height = cutout.height;
  const ctx = afterCanvas.getContext('2d');
  if (ctx) drawComposite(ctx, cutout, bg);
  cutout.close();
  afterCanvas.setAttribute('role', 'img');
  afterCanvas.setAttribute('aria-label', `${item.file.name} without background`);
  setSplit();
}

// --- status -------------------------------------------------------------------------------------

function announce(text: string): void {
  status.textContent = text;
}

setBusyCheck(() => running || items.length > 0 || passportBusy());
void setUpPassport({ model, save }).catch((err) => {
  $<HTMLParagraphElement>('passport-status').textContent = `The document rules could not load: ${(err as Error).message}`;
});
void storeReady.then((s) => {
  document.body.dataset.store = s.kind;
});
$<HTMLSpanElement>('engine-info').textContent = crossOriginIsolated
  ? `Engine: WebAssembly, ${Math.min(navigator.hardwareConcurrency || 1, 16)} threads`
  : 'Engine: WebAssembly, single thread (page not cross-origin isolated)';
void setUpServiceWorker((text) => {
  $<HTMLSpanElement>('offline-info').textContent = `Offline: ${text}`;
});
void loadLibrary()
  .then((lib) => {
    // The picker's figures come from the library's pinned models (sizes of the gzip downloads,
    // docs/MODELS.md's quality table), so the page cannot drift from what it downloads.
    for (const el of document.querySelectorAll<HTMLElement>('[data-size]')) {
      const spec = lib.MODELS[el.dataset.size as ModelName];
      if (spec) el.textContent = `${(spec.download / 1e6).toFixed(1)} MB`;
    }
    for (const el of document.querySelectorAll<HTMLElement>('[data-quality]')) {
      const spec = lib.MODELS[el.dataset.quality as ModelName];
      if (spec) {
        el.textContent = String(spec.quality.sad);
        el.title = `SAD ${spec.quality.sad}, gradient error ${spec.quality.gradient}, people IoU ${spec.quality.peopleIoU}`;
      }
    }
  })
  .catch((err) => announce(`The engine could not load: ${(err as Error).message}`));
warmUpEngine();
document.body.dataset.ready = '1';
