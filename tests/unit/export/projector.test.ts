import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { Dataset } from '../../../src/data/store';
import type { Latents } from '../../../src/latent/encode';
import { metadataTsv, PROJECTOR_SPRITE_MAX, projectorConfig, spriteGridSize, spriteImage, thumbnailSize, vectorsTsv } from '../../../src/export/projector';

/** A dataset of n RGBA images of size s; image i is filled with colour (i, 2i, 3i) and opaque. */
function dataset(n: number, s: number, names: (i: number) => string = (i) => `img-${i}.png`): Dataset {
  const stride = s * s * 4;
  const pixels = new Uint8Array(n * stride);
  for (let i = 0; i < n; i++) for (let p = 0; p < s * s; p++) pixels.set([i, 2 * i, 3 * i, 255], i * stride + p * 4);
  const items = Array.from({ length: n }, (_, i) => ({ source: names(i), label: i % 2 ? 'odd' : null, hash: '', width: s, height: s, split: 'train' as const }));
  return {
    dir: '/nowhere',
    index: { schemaVersion: 1, size: s, channels: 4, count: n, datasetHash: 'h', options: {}, items, labels: ['odd'], createdAt: '' },
    pixels,
    stride,
    image: (i: number) => pixels.subarray(i * stride, (i + 1) * stride),
    indicesOf: () => [],
  } as unknown as Dataset;
}

function latents(n: number, j: number): Latents {
  return {
    count: n,
    latentDim: j,
    mu: Float32Array.from({ length: n * j }, (_, k) => k / 8 - 1),
    logvar: new Float32Array(n * j),
    reconError: Float32Array.from({ length: n }, (_, i) => i / 1000),
    kl: Float32Array.from({ length: n }, (_, i) => i + 0.5),
  };
}

describe('Embedding Projector export', () => {
  it('lays thumbnails row-major in a ceil(sqrt(N)) square, as the projector cuts the sprite', async () => {
    const n = 10; // a 4 x 4 grid, the last 6 cells empty
    expect(spriteGridSize(n)).toBe(4);
    const { png, grid } = await spriteImage(dataset(n, 8), 8);
    expect(grid).toBe(4);
    const { data, info } = await sharp(Buffer.from(png)).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([32, 32]);
    const at = (x: number, y: number) => Array.from(data.subarray((y * 32 + x) * 4, (y * 32 + x) * 4 + 4));
    for (let i = 0; i < n; i++) expect(at((i % 4) * 8 + 3, Math.floor(i / 4) * 8 + 5), `image ${i}`).toEqual([i, 2 * i, 3 * i, 255]);
    expect(at(2 * 8 + 1, 3 * 8 + 1)).toEqual([0, 0, 0, 0]); // cell 14: no image
  });

  it('shrinks thumbnails (averaging) to keep the sprite within 8192 px', async () => {
    expect(thumbnailSize(100_000, 32, null)).toBe(Math.floor(PROJECTOR_SPRITE_MAX / 317)); // ceil(sqrt(100000)) = 317 -> 25 px
    expect(thumbnailSize(100, 32, null)).toBe(32);
    expect(thumbnailSize(100, 32, 16)).toBe(16);
    const { png } = await spriteImage(dataset(3, 8), 4);
    const meta = await sharp(Buffer.from(png)).metadata();
    expect([meta.width, meta.height]).toEqual([8, 8]); // 2 x 2 cells of 4 px
    const { data } = await sharp(Buffer.from(png)).raw().toBuffer({ resolveWithObject: true });
    expect(Array.from(data.subarray((0 * 8 + 4) * 4, (0 * 8 + 4) * 4 + 4))).toEqual([1, 2, 3, 255]); // image 1, flat colour survives averaging
  });

  it('writes one vector row per image and a metadata table with a header, tabs in names made spaces', () => {
    const ds = dataset(3, 4, (i) => (i === 1 ? 'a\tb\nc.png' : `img-${i}.png`));
    const lat = latents(3, 2);
    expect(vectorsTsv(lat)).toBe('-1\t-0.875\n-0.75\t-0.625\n-0.5\t-0.375\n');
    expect(metadataTsv(ds, lat).split('\n')).toEqual(['file\tlabel\tkl_nats\treconstruction_error', 'img-0.png\t\t0.5\t0', 'a b c.png\todd\t1.5\t0.001', 'img-2.png\t\t2.5\t0.002', '']);
    expect(JSON.parse(projectorConfig('/runs/walk', 3, 2, 4))).toEqual({
      embeddings: [
        {
          tensorName: 'Latent Atlas: walk (posterior means)',
          tensorShape: [3, 2],
          tensorPath: 'vectors.tsv',
          metadataPath: 'metadata.tsv',
          sprite: { imagePath: 'sprite.png', singleImageDim: [4, 4] },
        },
      ],
    });
  });
});
