# Python side of bench/costs/rtt.mjs: CPU µs per Listener/Client round trip here and in the echoing child.
import multiprocessing as mp, time, sys, resource
from multiprocessing.connection import Listener, Client
def ticks(pid):
    f = open(f'/proc/{pid}/stat').read().split(') ')[1].split(' ')
    return (int(f[11]) + int(f[12])) * 10
def echo(address, authkey):
    c = Client(address, authkey=authkey)
    try:
        while True: c.send(c.recv())
    except EOFError: pass
if __name__ == '__main__':
    family = sys.argv[1] if len(sys.argv) > 1 else 'AF_UNIX'; n = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    authkey = None if family == 'AF_UNIX' else b'bench key'
    l = Listener(family=family, authkey=authkey) if family == 'AF_UNIX' else Listener(('127.0.0.1', 0), authkey=authkey)
    p = mp.Process(target=echo, args=(l.address, authkey)); p.start()
    conn = l.accept(); SMALL = {'id': 1, 'name': 'hello', 'values': [1, 2, 3]}
    for _ in range(2000): conn.send(SMALL); conn.recv()
    r0 = resource.getrusage(resource.RUSAGE_SELF); s0 = ticks(p.pid); t0 = time.perf_counter()
    for _ in range(n): conn.send(SMALL); conn.recv()
    wall = time.perf_counter() - t0; r1 = resource.getrusage(resource.RUSAGE_SELF); s = ticks(p.pid) - s0
    print({'family': family, 'rttPerSec': round(n / wall), 'hereUs': round((r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) * 1e6 / n, 2), 'peerUs': round(s * 1000 / n, 2)})
    conn.close(); p.join(); l.close()
