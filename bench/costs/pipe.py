# Python side of bench/costs/pipe.mjs: CPU µs per Pipe round trip here and in the echoing child.
import multiprocessing as mp, time, sys, resource
def ticks(pid):
    f = open(f'/proc/{pid}/stat').read().split(') ')[1].split(' ')
    return (int(f[11]) + int(f[12])) * 10
def echo(c, other):
    other.close()  # a forked child holds the parent's end too: without this, no EOF
    try:
        while True: c.send(c.recv())
    except EOFError: pass
if __name__ == '__main__':
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    a, b = mp.Pipe(); p = mp.Process(target=echo, args=(b, a)); p.start(); b.close()
    SMALL = {'id': 1, 'name': 'hello', 'values': [1, 2, 3]}
    for _ in range(2000): a.send(SMALL); a.recv()
    r0 = resource.getrusage(resource.RUSAGE_SELF); s0 = ticks(p.pid); t0 = time.perf_counter()
    for _ in range(n): a.send(SMALL); a.recv()
    wall = time.perf_counter() - t0; r1 = resource.getrusage(resource.RUSAGE_SELF); s = ticks(p.pid) - s0
    print({'row': 'Python Pipe round trip', 'rttPerSec': round(n / wall), 'hereUs': round((r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) * 1e6 / n, 2), 'peerUs': round(s * 1000 / n, 2)})
    a.close(); p.join()
