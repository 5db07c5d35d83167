// The app's passport mode: one photo at a time to a document photo of the chosen country, shown
// with guide lines, the compliance report, and downloads (photo, print sheet as JPEG and PDF,
// report as JSON). Changing the document or the print options re-runs the last photo.
import { setUpCamera, stopCamera } from './camera';
import { spanFraction, type StageSpans } from './progress';
import { MODEL_BASE_URL, passportPhoto, passportSpecs, type ModelName, type PaperSize, type PassportResult, type PassportSpec, type Progress } from './engine';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const SPEC_KEY = 'bgone-passport-spec';

const specSelect = $<HTMLSelectElement>('passport-spec');
const specInfo = $<HTMLParagraphElement>('passport-spec-info');
const dpiSelect = $<HTMLSelectElement>('passport-dpi');
const sheetSelect = $<HTMLSelectElement>('passport-sheet');
const formatSelect = $<HTMLSelectElement>('passport-format');
const progressBar = $<HTMLProgressElement>('passport-progress');
const statusLine = $<HTMLParagraphElement>('passport-status');
const resultBox = $<HTMLDivElement>('passport-result');
const photoCanvas = $<HTMLCanvasElement>('passport-canvas');
const guideCanvas = $<HTMLCanvasElement>('passport-guides');
const showGuides = $<HTMLInputElement>('passport-show-guides');
const caption = $<HTMLElement>('passport-caption');
const verdict = $<HTMLHeadingElement>('passport-verdict');
const checksBody = $<HTMLTableElement>('passport-checks').tBodies[0];
const sourceLine = $<HTMLParagraphElement>('passport-source');
const downloadButton = $<HTMLButtonElement>('passport-download');
const sheetJpegButton = $<HTMLButtonElement>('passport-sheet-jpeg');
const sheetPdfButton = $<HTMLButtonElement>('passport-sheet-pdf');
const reportButton = $<HTMLButtonElement>('passport-report-json');

let specs: readonly PassportSpec[] = [];
let file: File | null = null;
let result: PassportResult | null = null;
let busy = false;
let again = false;  // options changed while a photo was being made
let modelName: () => ModelName = () => 'w4';
let save: (blob: Blob, name: string) => void = () => {};

function spec(): PassportSpec | undefined {
  return specs.find((s) => s.id === specSelect.value);
}

function mm(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

function describe(s: PassportSpec): string {
  const parts = [`${mm(s.size_mm[0])} × ${mm(s.size_mm[1])} mm`, `head ${mm(s.head_mm[0])}–${mm(s.head_mm[1])} mm`];
  if (s.eye_from_bottom_mm) parts.push(`eyes ${mm(s.eye_from_bottom_mm[0])}–${mm(s.eye_from_bottom_mm[1])} mm from the bottom`);
  if (s.crown_from_top_mm) parts.push(`top of head ${mm(s.crown_from_top_mm[0])}–${mm(s.crown_from_top_mm[1])} mm from the top`);
  parts.push(`${s.background.name} background`);
  if (s.digital?.max_kb) parts.push(`files up to ${s.digital.max_kb >= 1024 ? `${mm(s.digital.max_kb / 1024)} MB` : `${s.digital.max_kb} kB`}`);
  return parts.join(' · ');
}

function showSpec(): void {
  const s = spec();
  specInfo.textContent = s ? describe(s) : '';
}

function setStatus(text: string, error = false): void {
  statusLine.textContent = text;
  statusLine.classList.toggle('passport-status-error', error);
}

const STAGE_SPAN: StageSpans = {
  download: [0, 0.35],
  load: [0.35, 0.4],
  faces: [0.4, 0.45],
  inference: [0.45, 0.85],
  refine: [0.85, 0.9],
  compose: [0.9, 0.95],
  encode: [0.95, 1],
};
const STAGE_TEXT: Record<string, string> = {
  download: 'Downloading the models (once)',
  load: 'Starting the engine',
  faces: 'Finding the face',
  inference: 'Separating the person from the background',
  refine: 'Refining the edges',
  compose: 'Framing and checking',
  encode: 'Saving',
};

function onProgress(p: Progress): void {
  progressBar.value = spanFraction(p, STAGE_SPAN);
  setStatus(`${STAGE_TEXT[p.stage] ?? 'Working'}…`);
}

/** Makes the passport photo of `file` with the current options; re-runs once if they change meanwhile. */
async function make(): Promise<void> {
  if (!file) return;
  if (busy) {
    again = true;
    return;
  }
  const s = spec();
  if (!s) return;
  busy = true;
  again = false;
  document.body.dataset.passport = 'working';
  progressBar.value = 0;
  setStatus('Starting…');
  try {
    result = await passportPhoto(file, {
      spec: s.id,
      dpi: Number(dpiSelect.value) as 300 | 254 | 600,
      format: formatSelect.value === 'image/png' ? 'image/png' : 'image/jpeg',
      sheet: (sheetSelect.value || undefined) as PaperSize | undefined,
      model: modelName(),
      onProgress,
    });
    progressBar.value = 1;
    await render(result);
    document.body.dataset.passport = 'done';
  } catch (err) {
    result = null;
    resultBox.hidden = true;
    progressBar.value = 0;
    const e = err as Error & { status?: string };
    const text = e.message.replace(/^bgone: /, '');
    const hint = e.status === 'NO_FACE'
      ? ' Try a photo where the face is larger and well lit.'
      : e.status === 'SEVERAL_FACES' ? ' Crop the photo to one person, or use another.' : '';
    setStatus(`Could not make the photo: ${text}.${hint}`, true);
    document.body.dataset.passport = 'failed';
  } finally {
    busy = false;
  }
  if (again) void make();
}

async function render(r: PassportResult): Promise<void> {
  const bitmap = await createImageBitmap(r.photo);
  photoCanvas.width = guideCanvas.width = bitmap.width;
  photoCanvas.height = guideCanvas.height = bitmap.height;
  photoCanvas.getContext('2d')?.drawImage(bitmap, 0, 0);
  bitmap.close();
  photoCanvas.setAttribute('aria-label', `Passport photo for ${r.spec.name ?? r.spec.id}`);
  drawGuides(r);
  const s = r.spec as PassportSpec;
  const kb = (r.photo.size / 1024).toFixed(0);
  caption.textContent = `${r.width} × ${r.height} px at ${r.dpi} dpi (${mm(s.size_mm[0])} × ${mm(s.size_mm[1])} mm), ` +
    `${r.photo.type === 'image/png' ? 'PNG' : `JPEG quality ${Math.round((r.quality ?? 0.95) * 100)}`}, ${kb} kB`;
  const failed = r.report.checks.filter((c) => c.result === 'fail').length;
  const warned = r.report.checks.filter((c) => c.result === 'warn').length;
  verdict.dataset.ok = r.compliant ? '1' : '0';
  verdict.textContent = r.compliant
    ? `Meets the ${s.name} rules bgone checks${warned ? ` (${warned} warning${warned > 1 ? 's' : ''})` : ''}`
    : `${failed} check${failed > 1 ? 's' : ''} failed: see below`;
  checksBody.replaceChildren(...r.report.checks.map((c) => {
    const row = document.createElement('tr');
    row.dataset.result = c.result;
    const cells = [c.rule, '', c.value === null ? '—' : `${c.value}${c.unit ? ` ${c.unit}` : ''}`, c.expected];
    for (const [i, text] of cells.entries()) {
      const td = document.createElement(i === 0 ? 'th' : 'td');
      if (i === 0) td.scope = 'row';
      if (i === 1) {
        const badge = document.createElement('span');
        badge.className = `badge ${c.result}`;
        badge.textContent = c.result;
        td.append(badge);
      } else {
        td.textContent = text;
      }
      row.append(td);
    }
    return row;
  }));
  sheetJpegButton.hidden = sheetPdfButton.hidden = !r.sheet;
  if (r.sheet) {
    sheetJpegButton.textContent = `Sheet ${r.sheet.paper} (JPEG, ${r.sheet.copies} copies)`;
    sheetPdfButton.textContent = `Sheet ${r.sheet.paper} (PDF)`;
  }
  sourceLine.replaceChildren('Rules from ', Object.assign(document.createElement('a'), {
    href: s.source, textContent: new URL(s.source).hostname, rel: 'noreferrer noopener', target: '_blank',
  }), '. Rules change: check the source before you rely on the photo.');
  resultBox.hidden = false;
  setStatus(r.compliant ? 'Done.' : 'Done, with problems: see the report.');
}

/** The spec's ranges and the measured head, drawn over the photo at its own pixel size. */
function drawGuides(r: PassportResult): void {
  const ctx = guideCanvas.getContext('2d');
  if (!ctx) return;
  const s = r.spec as PassportSpec;
  const { width: w, height: h } = guideCanvas;
  ctx.clearRect(0, 0, w, h);
  guideCanvas.hidden = !showGuides.checked;
  const ppmm = h / s.size_mm[1];
  const line = Math.max(1, Math.round(w / 300));
  const rep = r.report;
  const band = (y0: number, y1: number, colour: string) => {
    ctx.fillStyle = colour;
    ctx.fillRect(0, Math.min(y0, y1), w, Math.abs(y1 - y0));
  };
  const hline = (y: number, colour: string, dash: number[] = []) => {
    ctx.strokeStyle = colour;
    ctx.lineWidth = line;
    ctx.setLineDash(dash.map((d) => d * line));
    ctx.beginPath();
    ctx.moveTo(0, y);
    ctx.lineTo(w, y);
    ctx.stroke();
  };
  if (s.eye_from_bottom_mm) band(h - s.eye_from_bottom_mm[0] * ppmm, h - s.eye_from_bottom_mm[1] * ppmm, '#16a34a40');
  if (s.crown_from_top_mm) band(s.crown_from_top_mm[0] * ppmm, s.crown_from_top_mm[1] * ppmm, '#f59e0b40');
  if (rep.crown_from_top_mm !== null && rep.head_height_mm !== null) {
    const crown = rep.crown_from_top_mm * ppmm;
    band(crown + s.head_mm[0] * ppmm, crown + s.head_mm[1] * ppmm, '#2563eb33');
    hline(crown, '#dc2626');
    hline(crown + rep.head_height_mm * ppmm, '#dc2626');
  }
  const eyes = rep.output_face.keypoints.slice(0, 2);
  hline((eyes[0][1] + eyes[1][1]) / 2, '#dc2626', [4, 3]);
  ctx.strokeStyle = '#64748b';
  ctx.setLineDash([2 * line, 4 * line]);
  ctx.beginPath();
  ctx.moveTo(w / 2, 0);
  ctx.lineTo(w / 2, h);
  ctx.stroke();
  ctx.setLineDash([]);
}

function stem(): string {
  return (file?.name.replace(/\.[^.]+$/, '') || 'photo').slice(0, 80);
}

/** Takes the photo to work on (the first of those given). */
export function addPassportPhoto(files: File[]): void {
  if (!files.length) return;
  stopCamera();
  file = files[0];
  if (files.length > 1) setStatus('Passport mode takes one photo at a time: using the first.');
  void make();
}

export function passportBusy(): boolean {
  return busy;
}

/** Fills the document picker and wires the controls. */
export async function setUpPassport(options: {
  model: () => ModelName; save: (blob: Blob, name: string) => void;
}): Promise<void> {
  modelName = options.model;
  save = options.save;
  setUpCamera({
    modelBaseUrl: MODEL_BASE_URL,
    onPhoto: (photo) => addPassportPhoto([photo]),
    onError: (text) => setStatus(text, true),
  });
  for (const select of [dpiSelect, sheetSelect, formatSelect]) select.addEventListener('change', () => void make());
  specSelect.addEventListener('change', () => {
    localStorage.setItem(SPEC_KEY, specSelect.value);
    showSpec();
    void make();
  });
  showGuides.addEventListener('change', () => { if (result) drawGuides(result); });
  downloadButton.addEventListener('click', () => {
    if (result) save(result.photo, `${stem()}.passport-${result.spec.id}.${result.photo.type === 'image/png' ? 'png' : 'jpg'}`);
  });
  sheetJpegButton.addEventListener('click', () => {
    if (result?.sheet) save(result.sheet.jpeg, `${stem()}.passport-${result.spec.id}.sheet-${result.sheet.paper}.jpg`);
  });
  sheetPdfButton.addEventListener('click', () => {
    if (result?.sheet) save(result.sheet.pdf, `${stem()}.passport-${result.spec.id}.sheet-${result.sheet.paper}.pdf`);
  });
  reportButton.addEventListener('click', () => {
    if (!result) return;
    const report = { photo: file?.name, spec: result.spec.id, dpi: result.dpi,
      source_face: result.sourceFace, ...result.report };
    save(new Blob([`${JSON.stringify(report, null, 2)}\n`], { type: 'application/json' }), `${stem()}.passport-${result.spec.id}.json`);
  });
  specs = await passportSpecs();
  specSelect.replaceChildren(...specs.map((s) => new Option(`${s.name} (${mm(s.size_mm[0])}×${mm(s.size_mm[1])} mm)`, s.id)));
  const saved = localStorage.getItem(SPEC_KEY);
  specSelect.value = specs.some((s) => s.id === saved) ? saved! : specs[0].id;
  showSpec();
  document.body.dataset.specs = String(specs.length);
  if (file) void make();  // a photo given before the rules had loaded
}
