// Webcam capture for passport mode, with live framing guides: an oval where the head should be
// and an eye line, the face found a few times a second (the library's detectFaces, on this
// device) and a hint: no face, several, closer, further, centre, level the head, or hold still.
// "Take photo" hands a full-resolution frame to the passport pipeline.
import { detectFaces, type PassportFace } from './engine';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const panel = $<HTMLDivElement>('camera');
const video = $<HTMLVideoElement>('camera-video');
const overlay = $<HTMLCanvasElement>('camera-guides');
const hint = $<HTMLParagraphElement>('camera-hint');
const openButton = $<HTMLButtonElement>('camera-open');
const captureButton = $<HTMLButtonElement>('camera-capture');
const closeButton = $<HTMLButtonElement>('camera-close');

// The target, in fractions of the frame: the head (chin to crown) fills this much of the height,
// centred at x = 0.5 with the eyes at EYE_Y.
const HEAD_HEIGHT = 0.5;
const EYE_Y = 0.42;
// BlazeFace's box spans about 0.62 of the head height (brows to chin, not the hair).
const BOX_PER_HEAD = 0.62;

let stream: MediaStream | null = null;
let looping = false;

export type Framing = 'none' | 'several' | 'closer' | 'further' | 'centre' | 'level' | 'good';

const HINTS: Record<Framing, string> = {
  none: 'No face in view: face the camera.',
  several: 'Only one person, please.',
  closer: 'Come a little closer.',
  further: 'Move back a little.',
  centre: 'Move so your face is inside the oval.',
  level: 'Keep your head level.',
  good: 'Good: hold still and take the photo.',
};

/** The hint for the faces found in a frame of width x height. */
export function framing(faces: PassportFace[], width: number, height: number): Framing {
  if (!faces.length) return 'none';
  if (faces.length > 1) return 'several';
  const f = faces[0];
  const [re, le] = f.keypoints;
  const tilt = Math.abs(Math.atan2(le[1] - re[1], le[0] - re[0]) * 180 / Math.PI);
  const head = f.box.height / BOX_PER_HEAD / height;
  if (head < HEAD_HEIGHT * 0.75) return 'closer';
  if (head > HEAD_HEIGHT * 1.3) return 'further';
  const eyeX = (re[0] + le[0]) / 2 / width;
  const eyeY = (re[1] + le[1]) / 2 / height;
  if (Math.abs(eyeX - 0.5) > 0.08 || Math.abs(eyeY - EYE_Y) > 0.1) return 'centre';
  if (tilt > 5) return 'level';
  return 'good';
}

function draw(faces: PassportFace[], state: Framing): void {
  const w = (overlay.width = video.videoWidth);
  const h = (overlay.height = video.videoHeight);
  const ctx = overlay.getContext('2d');
  if (!ctx || !w || !h) return;
  ctx.clearRect(0, 0, w, h);
  const line = Math.max(2, Math.round(h / 240));
  const colour = state === 'good' ? '#22c55e' : '#f8fafc';
  // The head oval: crown to chin = HEAD_HEIGHT of the frame, eyes at its middle.
  const rx = (HEAD_HEIGHT * h) * 0.36;
  const ry = (HEAD_HEIGHT * h) / 2;
  ctx.lineWidth = line;
  ctx.strokeStyle = colour;
  ctx.setLineDash([]);
  ctx.beginPath();
  ctx.ellipse(w / 2, EYE_Y * h, rx, ry, 0, 0, 2 * Math.PI);
  ctx.stroke();
  ctx.setLineDash([3 * line, 3 * line]);
  ctx.beginPath();
  ctx.moveTo(w / 2 - rx * 1.2, EYE_Y * h);
  ctx.lineTo(w / 2 + rx * 1.2, EYE_Y * h);
  ctx.stroke();
  ctx.setLineDash([]);
  for (const f of faces) {
    ctx.strokeStyle = state === 'good' ? '#22c55e' : '#f59e0b';
    ctx.strokeRect(f.box.x, f.box.y, f.box.width, f.box.height);
    ctx.fillStyle = ctx.strokeStyle;
    for (const [x, y] of f.keypoints.slice(0, 2)) {
      ctx.beginPath();
      ctx.arc(x, y, line * 1.5, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
}

async function loop(modelBaseUrl: string): Promise<void> {
  looping = true;
  while (stream && looping) {
    const started = performance.now();
    if (video.readyState >= 2 && video.videoWidth) {
      try {
        const found = await detectFaces(video, { modelBaseUrl });
        const state = framing(found.faces, found.width, found.height);
        if (!stream) break;
        draw(found.faces, state);
        hint.textContent = HINTS[state];
        panel.dataset.framing = state;
      } catch (err) {
        hint.textContent = `Face detection failed: ${(err as Error).message}`;
        panel.dataset.framing = 'error';
      }
    }
    // A few times a second, leaving the engine room between frames.
    await new Promise((ok) => setTimeout(ok, Math.max(60, 250 - (performance.now() - started))));
  }
  looping = false;
}

export function stopCamera(): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
  stream = null;
  video.srcObject = null;
  panel.hidden = true;
  delete panel.dataset.framing;
}

/** Wires the camera buttons; `onPhoto` receives the captured frame. Hides them without a camera API. */
export function setUpCamera(options: { modelBaseUrl: string; onPhoto: (file: File) => void; onError: (text: string) => void }): void {
  if (!navigator.mediaDevices?.getUserMedia) {
    openButton.hidden = true;
    return;
  }
  openButton.addEventListener('click', async () => {
    if (stream) return;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: 'user', width: { ideal: 1920 }, height: { ideal: 1080 } }, audio: false,
      });
    } catch (err) {
      stream = null;
      options.onError(`The camera could not start: ${(err as Error).message}`);
      return;
    }
    panel.hidden = false;
    hint.textContent = 'Starting the camera…';
    video.srcObject = stream;
    await video.play().catch(() => {});
    panel.scrollIntoView({ behavior: 'smooth', block: 'start' });
    if (!looping) void loop(options.modelBaseUrl);
  });
  captureButton.addEventListener('click', async () => {
    if (!stream || !video.videoWidth) return;
    const canvas = new OffscreenCanvas(video.videoWidth, video.videoHeight);
    canvas.getContext('2d')?.drawImage(video, 0, 0);
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    stopCamera();
    options.onPhoto(new File([blob], `camera-${new Date().toISOString().replace(/[:.]/g, '-')}.png`, { type: 'image/png' }));
  });
  closeButton.addEventListener('click', stopCamera);
}
