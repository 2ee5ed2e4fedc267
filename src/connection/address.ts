// Addresses of Listener and Client (Python's multiprocessing.connection address rules): a string
// is a unix socket path (a leading NUL: Linux's abstract namespace), `[host, port]` a TCP
// address. The family follows from the address unless given; an omitted address is an arbitrary
// free one of the family (arbitrary_address): a fresh socket path in a private directory, or
// port 0 on the loopback interface.
import { mkdtempSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rangeError, typeError } from '../options.ts';

/** A unix socket path, or `[host, port]` for TCP. */
export type Address = string | readonly [host: string, port: number];

/** Python's family names: a unix socket, TCP over IPv4, TCP over IPv6. */
export type Family = 'AF_UNIX' | 'AF_INET' | 'AF_INET6';

const FAMILIES: readonly Family[] = ['AF_UNIX', 'AF_INET', 'AF_INET6'];

/** The longest unix socket path Linux takes (sun_path is 108 bytes with its NUL). */
export const MAX_UNIX_PATH = 107;

/** An address and family checked: `host` and `port` for TCP, `path` for a unix socket. */
export type ResolvedAddress = { family: 'AF_UNIX'; path: string } | { family: 'AF_INET' | 'AF_INET6'; host: string; port: number };

/** The family an address belongs to (Python's address_type). */
export function addressFamily(address: Address): Family {
  if (typeof address === 'string') return 'AF_UNIX';
  return isIP(address[0]) === 6 ? 'AF_INET6' : 'AF_INET';
}

/** Check `family` (undefined: follow the address). */
export function checkFamily(family: unknown): Family | undefined {
  if (family === undefined || family === null) return undefined;
  if (typeof family !== 'string') typeError('family', `one of ${FAMILIES.map((f) => `'${f}'`).join(', ')}`, family);
  if (!FAMILIES.includes(family as Family)) rangeError('family', `one of ${FAMILIES.map((f) => `'${f}'`).join(', ')}`, family);
  return family as Family;
}

/** Check an address given by the user; `family`, when given, must match it. */
export function checkAddress(address: unknown, family: Family | undefined, name = 'address'): ResolvedAddress {
  const expectation = 'a unix socket path or a [host, port] pair';
  if (typeof address === 'string') {
    if (address.length === 0 || address.includes('\0', 1))
      rangeError(name, 'a non-empty unix socket path without NUL bytes (a leading NUL: the abstract namespace)', address);
    if (Buffer.byteLength(address) > MAX_UNIX_PATH)
      rangeError(name, `a unix socket path of at most ${MAX_UNIX_PATH} bytes (Linux's limit; use a shorter directory)`, address);
    if (family !== undefined && family !== 'AF_UNIX') rangeError(name, `a [host, port] pair for family '${family}'`, address);
    return { family: 'AF_UNIX', path: address };
  }
  if (!Array.isArray(address) || address.length !== 2) typeError(name, expectation, address);
  const [host, port] = address as unknown[];
  if (typeof host !== 'string') typeError(`${name}[0]`, 'a host name or IP address (a string)', host);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535)
    rangeError(`${name}[1]`, 'a port number from 0 to 65535', port);
  if (family === 'AF_UNIX') rangeError(name, "a unix socket path for family 'AF_UNIX'", address);
  const version = isIP(host);
  const resolvedFamily = family ?? (version === 6 ? 'AF_INET6' : 'AF_INET');
  if ((version === 6 && resolvedFamily === 'AF_INET') || (version === 4 && resolvedFamily === 'AF_INET6')) {
    rangeError(`${name}[0]`, `an address of family '${resolvedFamily}'`, host);
  }
  return { family: resolvedFamily, host, port };
}

/**
 * The numeric address a Listener binds `host` to, found without waiting: an IP address as is,
 * '' as every interface (Python's INADDR_ANY), 'localhost' as the loopback address. Other names
 * need a DNS lookup, which would make the constructor asynchronous: the message says what to do.
 */
export function numericHost(host: string, family: 'AF_INET' | 'AF_INET6'): string {
  if (isIP(host) !== 0) return host;
  if (host === '') return family === 'AF_INET6' ? '::' : '0.0.0.0';
  if (host.toLowerCase() === 'localhost') return family === 'AF_INET6' ? '::1' : '127.0.0.1';
  throw new RangeError(
    `Expected \`address[0]\` to be an IP address, 'localhost' or '' (every interface), got ${JSON.stringify(host)}: ` +
      'a Listener binds at once, without a DNS lookup. Resolve the name first: `(await dns.promises.lookup(host)).address`.',
  );
}

/** A fresh, private (0700) directory for unix sockets; the caller removes it. */
export function privateSocketDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'multiproc-sock-'));
}

/** A free socket path in `dir` (Python's arbitrary_address for AF_UNIX). */
export function socketPathIn(dir: string): string {
  return path.join(dir, `listener-${Math.random().toString(36).slice(2, 10)}`);
}

/** An address as text, for messages. */
export function describeAddress(address: Address): string {
  if (typeof address === 'string') return address.startsWith('\0') ? `@${address.slice(1)}` : address;
  return address[0].includes(':') ? `[${address[0]}]:${address[1]}` : `${address[0]}:${address[1]}`;
}
