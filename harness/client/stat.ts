import type { RawStat } from './library.js';

/**
 * A znode's Stat as plain JSON: zxids and the ephemeral owner (a session id) as ZooKeeper prints
 * them (`0x` + unsigned hex, as in `Long.toHexString`), times as epoch milliseconds. Compare zxids
 * with `BigInt(zxid)`.
 */
export interface ZkStat {
  czxid: string;
  mzxid: string;
  pzxid: string;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: string;
  dataLength: number;
  numChildren: number;
}

/** An 8-byte big-endian jute `long` as `0x…` unsigned hex. */
export function longToHex(long: Buffer): string {
  return `0x${long.readBigUInt64BE(0).toString(16)}`;
}

function longToNumber(long: Buffer): number {
  return Number(long.readBigInt64BE(0));
}

/** Copies only the Stat fields: the library's record also carries `specification` and `chrootPath`. */
export function toStat(raw: RawStat): ZkStat {
  return {
    czxid: longToHex(raw.czxid),
    mzxid: longToHex(raw.mzxid),
    pzxid: longToHex(raw.pzxid),
    ctime: longToNumber(raw.ctime),
    mtime: longToNumber(raw.mtime),
    version: raw.version,
    cversion: raw.cversion,
    aversion: raw.aversion,
    ephemeralOwner: longToHex(raw.ephemeralOwner),
    dataLength: raw.dataLength,
    numChildren: raw.numChildren,
  };
}
