/**
 * A minimal zip writer (deflate, no zip64), so `npm run package:measure` gives the size of the
 * package azd uploads on any OS without a `zip` binary or a new dependency. azd zips the same
 * folder with Go's archive/zip and deflate (Azure/azure-dev, cli/azd/pkg/rzip), so the sizes
 * agree to within the compression level. Format: PKWARE APPNOTE.TXT 6.3.x, sections 4.3.7
 * (local header), 4.3.12 (central directory) and 4.3.16 (end of central directory).
 */
import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { listFiles } from './stage.js';

const LIMIT = 0xffff; // entries without zip64
const UTF8_NAMES = 0x0800; // general purpose flag bit 11
const DEFLATE = 8;
// 1980-01-01 00:00, the earliest DOS date: fixed, so the same folder always zips to the same bytes.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

export interface ZipResult {
  files: number;
  bytes: number;
}

/** Writes every file under `dir` to `zipPath`; entry names are relative, with '/'. */
export function zipFolder(dir: string, zipPath: string): ZipResult {
  const names = listFiles(dir);
  if (names.length > LIMIT) throw new Error(`${names.length} files need zip64, not supported`);
  const fd = openSync(zipPath, 'w');
  const central: Buffer[] = [];
  let offset = 0;
  const write = (buffer: Buffer): void => {
    writeSync(fd, buffer);
    offset += buffer.length;
  };
  try {
    for (const name of names) {
      const path = join(dir, name);
      const data = readFileSync(path);
      const packed = deflateRawSync(data);
      const entry = {
        name: Buffer.from(name, 'utf8'),
        crc: crc32(data),
        packed: packed.length,
        size: data.length,
        mode: statSync(path).mode & 0o777,
        offset,
      };
      if (offset > 0xffffffff || data.length > 0xffffffff) throw new Error('zip64 needed');
      write(localHeader(entry));
      write(packed);
      central.push(centralHeader(entry));
    }
    const start = offset;
    for (const header of central) write(header);
    write(endOfCentralDirectory(central.length, offset - start, start));
  } finally {
    closeSync(fd);
  }
  return { files: names.length, bytes: offset };
}

interface Entry {
  name: Buffer;
  crc: number;
  packed: number;
  size: number;
  mode: number;
  offset: number;
}

/**
 * The run of fields both headers share, from "version needed to extract" to "file name
 * length": at offset 4 in the local header and 6 in the central one.
 */
function sharedFields(b: Buffer, at: number, e: Entry): void {
  b.writeUInt16LE(20, at); // version needed: 2.0 (deflate)
  b.writeUInt16LE(UTF8_NAMES, at + 2);
  b.writeUInt16LE(DEFLATE, at + 4);
  b.writeUInt16LE(DOS_TIME, at + 6);
  b.writeUInt16LE(DOS_DATE, at + 8);
  b.writeUInt32LE(e.crc, at + 10);
  b.writeUInt32LE(e.packed, at + 14);
  b.writeUInt32LE(e.size, at + 18);
  b.writeUInt16LE(e.name.length, at + 22);
}

function localHeader(e: Entry): Buffer {
  const b = Buffer.alloc(30); // extra field length (28) stays 0
  b.writeUInt32LE(0x04034b50, 0);
  sharedFields(b, 4, e);
  return Buffer.concat([b, e.name]);
}

function centralHeader(e: Entry): Buffer {
  const b = Buffer.alloc(46);
  b.writeUInt32LE(0x02014b50, 0);
  b.writeUInt16LE((3 << 8) | 20, 4); // made by: UNIX, 2.0, so the mode below is honoured
  sharedFields(b, 6, e);
  // extra, comment, disk number start and internal attributes stay 0 (bytes 30-37)
  b.writeUInt32LE(((0o100000 | e.mode) << 16) >>> 0, 38); // regular file + permissions
  b.writeUInt32LE(e.offset, 42);
  return Buffer.concat([b, e.name]);
}

function endOfCentralDirectory(count: number, size: number, start: number): Buffer {
  const b = Buffer.alloc(22);
  b.writeUInt32LE(0x06054b50, 0);
  b.writeUInt16LE(count, 8); // entries on this disk
  b.writeUInt16LE(count, 10); // entries in total
  b.writeUInt32LE(size, 12);
  b.writeUInt32LE(start, 16);
  return b;
}
