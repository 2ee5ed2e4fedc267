"""Python's side of bench/start-costs.mjs: N sequential start→joins of an empty target under one
start method, with the children's minor faults and CPU time per child (getrusage RUSAGE_CHILDREN:
children this process reaped, so fork only; a fork server reaps its own).
Run: python3 bench/python/start_costs.py fork 50"""
import multiprocessing as mp
import resource
import sys
import time


def empty():
    pass


if __name__ == "__main__":
    method, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 30
    ctx = mp.get_context(method)
    p = ctx.Process(target=empty)
    p.start()
    p.join()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        p = ctx.Process(target=empty)
        p.start()
        p.join()
        times.append((time.perf_counter() - t0) * 1000)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    times.sort()
    print(
        f"{method} n={n} median {times[n // 2]:.2f} ms, min {times[0]:.2f} ms; per child: "
        f"minflt {(r1.ru_minflt - r0.ru_minflt) / n:.0f}, user {(r1.ru_utime - r0.ru_utime) * 1000 / n:.2f} ms, "
        f"sys {(r1.ru_stime - r0.ru_stime) * 1000 / n:.2f} ms"
    )
