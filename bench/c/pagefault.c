/* Reference for the bulk rows: the rate at which this machine can hand out fresh memory, i.e.
 * mmap an anonymous region, write one byte per 4 KiB page (one page fault each), munmap.
 * A receiver that allocates a new buffer for each message pays this on top of the copy.
 * Usage: pagefault MiB   -> prints GB/s (10^9 bytes/s) on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

int main(int argc, char **argv) {
  size_t n = (size_t)(argc > 1 ? atol(argv[1]) : 64) << 20;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) { perror("mmap"); return 1; }
  for (size_t i = 0; i < n; i += 4096) p[i] = 1;
  munmap(p, n);
  clock_gettime(CLOCK_MONOTONIC, &b);
  double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
  printf("%.4f\n", (double)n / s / 1e9);
  return 0;
}
