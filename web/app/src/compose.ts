// Draws a cut-out over a background (a colour or a user image, cover-fit) in a canvas.

export type Background =
  | { kind: 'transparent' }
  | { kind: 'color'; color: string }
  | { kind: 'image'; image: ImageBitmap };

/** Draws the background then the cut-out into ctx, which is sized like the cut-out. */
export function drawComposite(
  ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D,
  cutout: ImageBitmap,
  background: Background,
): void {
  const { width, height } = cutout;
  ctx.clearRect(0, 0, width, height);
  if (background.kind === 'color') {
    ctx.fillStyle = background.color;
    ctx.fillRect(0, 0, width, height);
  } else if (background.kind === 'image') {
    const img = background.image;
    const scale = Math.max(width / img.width, height / img.height);
    const w = img.width * scale;
    const h = img.height * scale;
    ctx.drawImage(img, (width - w) / 2, (height - h) / 2, w, h);
  }
  ctx.drawImage(cutout, 0, 0);
}

/** Encodes the composite as PNG or WebP. */
export async function encodeComposite(
  cutout: ImageBitmap,
  background: Background,
  type: 'image/png' | 'image/webp',
): Promise<Blob> {
  const canvas = new OffscreenCanvas(cutout.width, cutout.height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas');
  drawComposite(ctx, cutout, background);
  return canvas.convertToBlob(type === 'image/webp' ? { type, quality: 0.92 } : { type });
}
