# Python side of bench/costs/manager.mjs: CPU µs per Manager dict operation here and in the manager process.
import multiprocessing as mp, time, os, sys, resource
def ticks(pid):
    f = open(f'/proc/{pid}/stat').read().split(') ')[1].split(' ')
    return (int(f[11]) + int(f[12])) * 10
if __name__ == '__main__':
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    m = mp.Manager(); d = m.dict()
    for i in range(2000): d['k'] = i; d['k']
    spid = m._process.pid
    r0 = resource.getrusage(resource.RUSAGE_SELF); s0 = ticks(spid); t0 = time.perf_counter()
    for i in range(n): d['k'] = i; d['k']
    wall = time.perf_counter() - t0; r1 = resource.getrusage(resource.RUSAGE_SELF); s = ticks(spid) - s0
    c = (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) * 1e6
    print({'ops': round(2*n/wall), 'clientUsPerOp': round(c/(2*n), 2), 'serverUsPerOp': round(s*1000/(2*n), 2)})
    m.shutdown()
