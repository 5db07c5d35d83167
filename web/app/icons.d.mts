export function drawIcon(size: number, options?: { maskable?: boolean }): Buffer;
