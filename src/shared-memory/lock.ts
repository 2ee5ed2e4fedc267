// The lock of a Value or a SharedArray (Python's `lock=True`: an RLock). Its state lives in
// LOCK_BYTES of the same shared memory as the data, so a child that received the Value has the
// same lock without sending anything more. The lock is src/sync's RLock over those bytes
// (synchronized.ts builds it): getLock() is typed and behaves as an RLock, hold()/holdSync() included.

/** Bytes of shared memory reserved for a lock's state (zeroed: unlocked); room for src/sync's RLock. */
export const LOCK_BYTES = 64;
