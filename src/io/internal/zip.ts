/**
 * Minimal read-only ZIP archive reader for `torch.save` files: central directory (with ZIP64),
 * stored entries only. `torch.save` never compresses, so deflate is refused with a clear Error
 * rather than implemented. Every offset and length read from the file is checked against the
 * file (or the record that contains it) before it is followed.
 * @internal
 */
import { quote } from './describe';

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

/** One archive member. @internal */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate, ... */
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
  flags: number;
}

/** Whether the bytes start like a ZIP archive (`PK\x03\x04`). @internal */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** A parsed ZIP archive over a byte array. @internal */
export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly owner: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.readCentralDirectory();
  }

  private fail(msg: string): never {
    throw new Error(`${this.owner}: ${msg}`);
  }

  /** Fails unless `[at, at + n)` lies inside `[0, end)` (the file by default). */
  private within(at: number, n: number, what: string, end = this.bytes.byteLength): void {
    if (!(at >= 0 && n >= 0 && at <= end && n <= end - at)) {
      const where = end === this.bytes.byteLength ? 'file' : 'record';
      this.fail(
        `${what} (${n} bytes at offset ${at}) lies outside the ${end}-byte ${where} (truncated or corrupt archive).`,
      );
    }
  }

  /** A little-endian u64 at `at` (checked to be inside the file) as a safe integer. */
  private u64(at: number, what: string, end?: number): number {
    this.within(at, 8, what, end);
    const v = this.view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what} ${v} is too large (corrupt archive).`);
    return Number(v);
  }

  private readCentralDirectory(): void {
    const { view, bytes } = this;
    // The end-of-central-directory record sits in the last 22 + (up to 65535 comment) bytes.
    let eocd = -1;
    for (let i = bytes.byteLength - 22; i >= Math.max(0, bytes.byteLength - 22 - 0xffff); i--) {
      if (view.getUint32(i, true) === SIG_EOCD) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) this.fail('no ZIP end-of-central-directory record (truncated or corrupt archive).');
    let count = view.getUint16(eocd + 10, true);
    let cdSize = view.getUint32(eocd + 12, true);
    let cdOffset = view.getUint32(eocd + 16, true);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const loc = eocd - 20;
      if (loc < 0 || view.getUint32(loc, true) !== SIG_ZIP64_LOCATOR) this.fail('ZIP64 locator missing.');
      const z = this.u64(loc + 8, 'ZIP64 record offset');
      if (z > bytes.byteLength - 56 || view.getUint32(z, true) !== SIG_ZIP64_EOCD) this.fail('ZIP64 record corrupt.');
      count = this.u64(z + 32, 'ZIP64 entry count');
      cdSize = this.u64(z + 40, 'ZIP64 central directory size');
      cdOffset = this.u64(z + 48, 'ZIP64 central directory offset');
    }
    this.within(cdOffset, cdSize, 'central directory');
    const cdEnd = cdOffset + cdSize;
    const decoder = new TextDecoder('utf-8');
    let p = cdOffset;
    // Each entry takes at least 46 bytes of the directory, so a huge count ends at the first bad entry.
    for (let i = 0; i < count; i++) {
      if (p > cdEnd - 46 || view.getUint32(p, true) !== SIG_CENTRAL) {
        this.fail(`central directory entry ${i} is corrupt.`);
      }
      const flags = view.getUint16(p + 8, true);
      const method = view.getUint16(p + 10, true);
      let compressedSize = view.getUint32(p + 20, true);
      let size = view.getUint32(p + 24, true);
      const nameLen = view.getUint16(p + 28, true);
      const extraLen = view.getUint16(p + 30, true);
      const commentLen = view.getUint16(p + 32, true);
      let localHeaderOffset = view.getUint32(p + 42, true);
      this.within(
        p + 46,
        nameLen + extraLen + commentLen,
        `name, extra field and comment of central directory entry ${i}`,
        cdEnd,
      );
      const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLen));
      // ZIP64 extended information: the 64-bit values of the saturated 32-bit fields, in order.
      let e = p + 46 + nameLen;
      const extraEnd = e + extraLen;
      while (e + 4 <= extraEnd) {
        const id = view.getUint16(e, true);
        const len = view.getUint16(e + 2, true);
        const blockEnd = e + 4 + len;
        if (blockEnd > extraEnd) {
          this.fail(
            `extra field of entry ${quote(name)} claims ${len} bytes, past the end of the field (corrupt archive).`,
          );
        }
        if (id === 0x0001) {
          let q = e + 4;
          const what = `ZIP64 size of entry ${quote(name)}`;
          if (size === 0xffffffff) (size = this.u64(q, what, blockEnd)), (q += 8);
          if (compressedSize === 0xffffffff) (compressedSize = this.u64(q, what, blockEnd)), (q += 8);
          if (localHeaderOffset === 0xffffffff)
            localHeaderOffset = this.u64(q, `ZIP64 offset of entry ${quote(name)}`, blockEnd);
        }
        e = blockEnd;
      }
      this.entries.set(name, { name, method, compressedSize, size, localHeaderOffset, flags });
      p = extraEnd + commentLen;
    }
  }

  /** The bytes of a stored entry (a view, not a copy). */
  read(name: string): Uint8Array {
    const entry = this.entries.get(name);
    if (entry === undefined) this.fail(`archive has no entry ${quote(name)}.`);
    if (entry.flags & 1) this.fail(`entry ${quote(name)} is encrypted.`);
    if (entry.method === 8) {
      this.fail(
        `entry ${quote(name)} is deflate-compressed; only stored (uncompressed) entries are supported, ` +
          'as torch.save writes them. Re-save the checkpoint with torch.save.',
      );
    }
    if (entry.method !== 0) this.fail(`entry ${quote(name)} uses unsupported compression method ${entry.method}.`);
    if (entry.compressedSize !== entry.size) {
      this.fail(
        `stored entry ${quote(name)} has a compressed size (${entry.compressedSize}) unlike its size (${entry.size}) (corrupt archive).`,
      );
    }
    const { view, bytes } = this;
    const h = entry.localHeaderOffset;
    this.within(h, 30, `local header of entry ${quote(name)}`);
    if (view.getUint32(h, true) !== SIG_LOCAL) this.fail(`local header of entry ${quote(name)} is corrupt.`);
    // The local header has its own name/extra lengths (torch pads the extra field to align data).
    const start = h + 30 + view.getUint16(h + 26, true) + view.getUint16(h + 28, true);
    this.within(start, entry.size, `data of entry ${quote(name)}`);
    return bytes.subarray(start, start + entry.size);
  }
}
