// Draws the demo's favicon (the header's logo: a white check on the brand blue, in a rounded square) and
// writes demo/favicon.ico: one 32x32 PNG inside an ICO container (every browser reads that). Run it again
// only to change the icon: node scripts/make-favicon.mjs
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const N = 32;
const blue = [0x0b, 0x5c, 0xff];
// Coverage of a point by the icon's shapes, with 4x4 supersampling for smooth edges.
const inRoundedSquare = (x, y) => {
  const r = 7, lo = 0, hi = N;
  const cx = Math.min(Math.max(x, lo + r), hi - r), cy = Math.min(Math.max(y, lo + r), hi - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
const nearSegment = (x, y, [ax, ay], [bx, by], w) => {
  const t = Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
  return (x - ax - t * (bx - ax)) ** 2 + (y - ay - t * (by - ay)) ** 2 <= w * w;
};
const inCheck = (x, y) => nearSegment(x, y, [9, 16.5], [14, 21.5], 2.2) || nearSegment(x, y, [14, 21.5], [23.5, 10.5], 2.2);

const rows = [];
for (let y = 0; y < N; y++) {
  const row = [0];  // PNG filter type 0 for each scanline
  for (let x = 0; x < N; x++) {
    let square = 0, check = 0;
    for (let sy = 0; sy < 4; sy++) for (let sx = 0; sx < 4; sx++) {
      const px = x + (sx + 0.5) / 4, py = y + (sy + 0.5) / 4;
      if (inRoundedSquare(px, py)) { square++; if (inCheck(px, py)) check++; }
    }
    const a = square / 16, c = square ? check / square : 0;
    row.push(...blue.map((v) => Math.round(v + (255 - v) * c)), Math.round(255 * a));
  }
  rows.push(...row);
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
const chunk = (type, data) => {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(N, 0); ihdr.writeUInt32BE(N, 4); ihdr[8] = 8; ihdr[9] = 6;  // 8-bit RGBA
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(Buffer.from(rows), { level: 9 })), chunk('IEND', Buffer.alloc(0))]);

const header = Buffer.alloc(6 + 16);
header.writeUInt16LE(0, 0); header.writeUInt16LE(1, 2); header.writeUInt16LE(1, 4);  // an icon, one image
header[6] = N; header[7] = N; header[8] = 0; header[9] = 0;
header.writeUInt16LE(1, 10); header.writeUInt16LE(32, 12);
header.writeUInt32LE(png.length, 14); header.writeUInt32LE(22, 18);
const out = new URL('../demo/favicon.ico', import.meta.url);
writeFileSync(out, Buffer.concat([header, png]));
console.log(`demo/favicon.ico: ${header.length + png.length} bytes`);
