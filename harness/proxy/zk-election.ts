/**
 * A ZooKeeper-aware stage for election links: rewrites the address in the first message of a
 * QuorumCnxManager connection.
 *
 * Why: ZooKeeper keeps one election connection per pair of servers, opened by the higher id. When
 * a lower id dials, the higher one hangs up and dials back to the address the dialler advertised in
 * that first message (ZooKeeper 3.8 sends its own resolved IP). Through a proxy that dial-back would
 * either bypass every proxy (a real address) or fail forever (an undialable one), so a node could
 * never rejoin a higher-id leader after a healed partition. Rewriting the advertised address to the
 * proxy for the reverse link keeps the dial-back inside the proxies, as every other link is.
 *
 * The message (QuorumCnxManager.initiateConnection): int64 protocol version (-65536 or -65535),
 * int64 server id, int32 length, then that many bytes of "host:port" ("|"-separated for several
 * addresses). Anything else (the pre-3.5 protocol, whose first int64 is the server id) passes as is.
 */

const PROTOCOL_VERSIONS = new Set([-65536n, -65535n]);
const HEADER_BYTES = 8 + 8 + 4;
/** ZooKeeper itself refuses longer address strings; so do we (and pass them through untouched). */
const MAX_ADDRESS_BYTES = 4096;

/** A per-connection transform of the client's bytes: returns what to forward now (maybe nothing). */
export type StreamRewriter = (chunk: Buffer) => Buffer;

/** Rewrites the advertised election address of one connection to `advertise` (host:port). */
export function initialMessageRewriter(advertise: string): StreamRewriter {
  let held: Buffer | undefined = Buffer.alloc(0);
  return (chunk) => {
    if (held === undefined) return chunk;
    const data = Buffer.concat([held, chunk]);
    const rewritten = rewriteInitialMessage(data, advertise);
    if (rewritten === 'incomplete') {
      held = data;
      return Buffer.alloc(0);
    }
    held = undefined;
    return rewritten;
  };
}

/** The bytes with the message's address replaced, or 'incomplete' when more bytes are needed. */
export function rewriteInitialMessage(data: Buffer, advertise: string): Buffer | 'incomplete' {
  if (data.length < 8) return 'incomplete';
  if (!PROTOCOL_VERSIONS.has(data.readBigInt64BE(0))) return data;
  if (data.length < HEADER_BYTES) return 'incomplete';
  const length = data.readInt32BE(16);
  if (length <= 0 || length > MAX_ADDRESS_BYTES) return data;
  if (data.length < HEADER_BYTES + length) return 'incomplete';
  const address = Buffer.from(advertise, 'utf8');
  const header = Buffer.from(data.subarray(0, HEADER_BYTES));
  header.writeInt32BE(address.length, 16);
  return Buffer.concat([header, address, data.subarray(HEADER_BYTES + length)]);
}
