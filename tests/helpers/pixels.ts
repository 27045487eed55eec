import sharp from 'sharp';

/**
 * Share of pixels in a PNG that differ from its most common colour (the background) by more
 * than `threshold` in any channel: 0 means blank.
 */
export async function nonBackgroundShare(png: Buffer, threshold = 24): Promise<number> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const counts = new Map<number, number>();
  for (let i = 0; i < data.length; i += 3) {
    const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const bg = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
  const [br, bgc, bb] = [(bg >> 16) & 255, (bg >> 8) & 255, bg & 255];
  let different = 0;
  for (let i = 0; i < data.length; i += 3) {
    if (Math.abs(data[i] - br) > threshold || Math.abs(data[i + 1] - bgc) > threshold || Math.abs(data[i + 2] - bb) > threshold) different++;
  }
  return different / (info.width * info.height);
}
