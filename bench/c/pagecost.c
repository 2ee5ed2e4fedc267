// What touching memory costs on this machine, per 4 KiB page, in the situations a forked child
// meets: reading pages shared with its parent, writing them (copy-on-write), first writes to
// fresh memory (zero-fill), and fresh memory populated in bulk by the kernel before the first
// write. Reference for the fork-server and Pool figures in bench/RESULTS.md.
//   gcc -O2 -o /tmp/pagecost bench/c/pagecost.c && /tmp/pagecost
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

enum { PAGES = 1000, PAGE = 4096, ROUNDS = 5 };

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

static double median(double* v) {
  qsort(v, ROUNDS, sizeof *v, cmp);
  return v[ROUNDS / 2];
}

// In a child forked from a parent holding `shared` (written before the fork): read one byte
// per page, then write one byte per page; report both through the pipe.
static void child_touch(volatile char* shared, int out) {
  double t0 = now_ms();
  long sum = 0;
  for (int i = 0; i < PAGES; i++) sum += shared[(size_t)i * PAGE];
  double t1 = now_ms();
  for (int i = 0; i < PAGES; i++) shared[(size_t)(PAGES + i) * PAGE] = (char)sum;
  double t2 = now_ms();
  double r[2] = {t1 - t0, t2 - t1};
  if (write(out, r, sizeof r) != sizeof r) _exit(1);
  _exit(0);
}

int main(void) {
  size_t size = (size_t)2 * PAGES * PAGE;
  volatile char* shared = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset((char*)shared, 1, size);
  double reads[ROUNDS], cows[ROUNDS], zero[ROUNDS], pop[ROUNDS], popw[ROUNDS], again[ROUNDS];
  for (int r = 0; r < ROUNDS; r++) {
    int fds[2];
    if (pipe(fds) != 0) return 1;
    pid_t pid = fork();
    if (pid == 0) child_touch(shared, fds[1]);
    double got[2];
    if (read(fds[0], got, sizeof got) != sizeof got) return 1;
    waitpid(pid, NULL, 0);
    close(fds[0]);
    close(fds[1]);
    reads[r] = got[0];
    cows[r] = got[1];

    char* fresh = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    double t0 = now_ms();
    for (int i = 0; i < PAGES; i++) fresh[(size_t)i * PAGE] = 1;
    double t1 = now_ms();
    for (int i = 0; i < PAGES; i++) fresh[(size_t)i * PAGE] = 2;
    again[r] = now_ms() - t1;
    zero[r] = t1 - t0;
    munmap(fresh, PAGES * PAGE);

    fresh = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    t0 = now_ms();
    madvise(fresh, PAGES * PAGE, MADV_POPULATE_WRITE);
    t1 = now_ms();
    for (int i = 0; i < PAGES; i++) fresh[(size_t)i * PAGE] = 1;
    pop[r] = t1 - t0;
    popw[r] = now_ms() - t1;
    munmap(fresh, PAGES * PAGE);
  }
  printf("per 4 KiB page, median of %d rounds of %d pages (µs):\n", ROUNDS, PAGES);
  printf("  forked child, first read of a page shared with its parent: %6.2f\n", median(reads) * 1e3 / PAGES);
  printf("  forked child, first write to such a page (copy-on-write):  %6.2f\n", median(cows) * 1e3 / PAGES);
  printf("  first write to fresh memory (zero-fill fault):             %6.2f\n", median(zero) * 1e3 / PAGES);
  printf("  second write to the same page:                             %6.2f\n", median(again) * 1e3 / PAGES);
  printf("  MADV_POPULATE_WRITE (kernel fills in bulk):                %6.2f\n", median(pop) * 1e3 / PAGES);
  printf("  then the first write from user space:                      %6.2f\n", median(popw) * 1e3 / PAGES);
  return 0;
}
