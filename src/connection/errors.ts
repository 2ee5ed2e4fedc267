// Errors of Connection: the other end is gone (Python's EOFError / BrokenPipeError), this end was
// closed (Python's OSError "handle is closed"), a message longer than recvBytes' maxLength.
import { ProcessError, ProcessStateError, type ProcessErrorOptions } from '../errors.ts';

/** Who closed the connection: the other end (EOF, broken pipe) or this process (close()). */
export type ClosedBy = 'peer' | 'self';

/** recv on a connection whose other end closed (EOF), send to one that is gone, or any use after close(). */
export class ConnectionClosedError extends ProcessError {
  override name = 'ConnectionClosedError';
  /** 'peer': the other end closed (Python's EOFError, BrokenPipeError); 'self': close() was called here. */
  readonly closedBy: ClosedBy;
  constructor(message: string, closedBy: ClosedBy, options: ProcessErrorOptions = {}) {
    super(message, options);
    this.closedBy = closedBy;
  }
}

/** recvBytes(maxLength) / recvBytesInto(buffer): the next message is longer. It stays unread for the next receive. */
export class MessageTooLongError extends ProcessError {
  override name = 'MessageTooLongError';
  /** The waiting message's length in bytes. */
  readonly length: number;
  /** The limit that was passed. */
  readonly maxLength: number;
  constructor(length: number, maxLength: number) {
    super(
      `The next message is ${length} bytes, longer than the ${maxLength} allowed (maxLength, or the room in recvBytesInto's buffer). ` +
        `It was left unread: take it with recvBytes() (no maxLength), a larger buffer, or recv().`,
    );
    this.length = length;
    this.maxLength = maxLength;
  }
}

/** The error for using a connection after this process closed it. */
export function closedHere(what: string): ConnectionClosedError {
  return new ConnectionClosedError(`Cannot ${what}: this connection was closed (close() was called in this process).`, 'self');
}

/** The error for reading from a connection whose other end closed. */
export function endOfFile(midFrame: boolean): ConnectionClosedError {
  return new ConnectionClosedError(
    midFrame
      ? 'The other end of the connection closed in the middle of a message (EOF): the message was lost.'
      : 'The other end of the connection was closed (EOF): there is nothing more to receive.',
    'peer',
  );
}

/** The error for writing to a connection whose other end is gone. */
export function brokenPipe(cause: unknown): ConnectionClosedError {
  return new ConnectionClosedError('Cannot send: the other end of the connection was closed (broken pipe).', 'peer', { cause });
}

/**
 * The authentication handshake of a Listener and a Client failed (Python's AuthenticationError):
 * the authkeys differ, the peer spoke something else, or it did not finish in time. The
 * connection was closed; `cause` holds the underlying error when there is one.
 */
export class AuthenticationError extends ProcessError {
  override name = 'AuthenticationError';
}

/** The error for using a Listener after close(). */
export function listenerClosed(what: string): ProcessStateError {
  return new ProcessStateError(`Cannot ${what}: this Listener was closed (close() was called in this process).`);
}

/** `reason` as an Error (an AbortSignal's reason may be anything). */
export function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
