// What a forked child drops of its parent's life before running its target: the parent's
// timers, servers and sockets (they would fire, or steal connections, in the child).
// Delegates to the POSIX layer, which tracks them.

/** Drop the parent's timers and handles in a freshly forked child. */
export function dropInherited(): void {
  // Wired to src/os once it lands.
}
