/* C baseline for round trips between two processes over pipes: one byte there and back.
 * Compiled at bench time (bench/lib/cbuild.mjs) into bench/.build/pingpong.
 * Usage: pingpong N   -> prints round trips per second on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static void must(int ok, const char *what) {
  if (!ok) { perror(what); exit(1); }
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 100000;
  int there[2], back[2];
  must(pipe(there) == 0 && pipe(back) == 0, "pipe");
  pid_t pid = fork();
  must(pid >= 0, "fork");
  char c = 'x';
  if (pid == 0) {
    close(there[1]);
    close(back[0]);
    while (read(there[0], &c, 1) == 1) must(write(back[1], &c, 1) == 1, "child write");
    _exit(0);
  }
  close(there[0]);
  close(back[1]);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i++) {
    must(write(there[1], &c, 1) == 1, "write");
    must(read(back[0], &c, 1) == 1, "read");
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  close(there[1]);
  waitpid(pid, NULL, 0);
  double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
  printf("%.1f\n", (double)n / s);
  return 0;
}
