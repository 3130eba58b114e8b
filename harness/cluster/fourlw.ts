/** ZooKeeper four-letter words (`srvr`, `mntr`, `ruok`) over a plain socket, with a deadline. */
import { connect } from 'node:net';
import type { ZkMode } from './types.js';

export function fourLetterWord(
  port: number,
  word: string,
  timeoutMs = 1500,
  host = '127.0.0.1',
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let out = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${word} on ${host}:${port}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.end(word));
    socket.on('data', (chunk: string) => (out += chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(
        new Error(`${word} on ${host}:${port}: ${(error as NodeJS.ErrnoException).code ?? error.message}`),
      );
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

export interface SrvrInfo {
  mode?: ZkMode;
  zxid?: string;
  /** The server's reason for not serving, e.g. "This ZooKeeper instance is not currently serving requests". */
  notServing?: string;
}

export function parseSrvr(text: string): SrvrInfo {
  const mode = /^Mode:\s*(\w+)/m.exec(text)?.[1] as ZkMode | undefined;
  const zxid = /^Zxid:\s*(\S+)/m.exec(text)?.[1];
  if (mode) return { mode, zxid };
  return { notServing: text.trim() || 'empty answer' };
}

/** `mntr` lines are `key<TAB>value`. */
export function parseMntr(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) result[line.slice(0, tab)] = line.slice(tab + 1).trim();
  }
  return result;
}
