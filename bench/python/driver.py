"""Long-lived Python 3 helper for the benchmark runner (bench/run.mjs).

Started once per group by bench/lib/driver.mjs as `python3 -u bench/python/driver.py`, so that
Python's own start-up is never measured. Reads one JSON request per line on stdin:
    {"id": 1, "cmd": "start_join", "params": {"method": "fork"}}
and answers on stdout with a line starting with the marker:
    @@bench {"id": 1, "ok": true, "value": 2.41}
Other lines on stdout (children inherit it) are ignored by the runner. Every timing is taken
here with time.perf_counter(), around exactly the operation being measured.
"""
import json
import math
import multiprocessing as mp
import multiprocessing.pool
import os
import statistics
import sys
import time

MARK = '@@bench '
SMALL = {'id': 1, 'name': 'hello', 'values': [1, 2, 3]}  # the same object as in the Node rows


# ---- targets (module level, so spawn and forkserver children can import them) -------------

def empty():
    pass


def idle(path):
    with open(path, 'wb') as f:
        f.write(b'1')
    while True:
        time.sleep(3600)


def echo(conn):
    try:
        while True:
            conn.send(conn.recv())
    except EOFError:
        pass


def sink(conn):
    try:
        while True:
            count = conn.recv()
            for _ in range(count):
                conn.recv_bytes()
            conn.send(True)
    except EOFError:
        pass


def listener_echo(address, authkey):
    from multiprocessing.connection import Client
    conn = Client(address, authkey=authkey)
    try:
        while True:
            conn.send(conn.recv())
    except EOFError:
        pass


def connect_loop(address, authkey, ctrl):
    from multiprocessing.connection import Client
    try:
        while True:
            n = ctrl.recv()
            for _ in range(n):
                conn = Client(address, authkey=authkey)
                conn.recv()
                conn.close()
    except EOFError:
        pass


def consume(q, done, sentinels):
    count = 0
    seen = 0
    while seen < sentinels:
        if q.get() is None:
            seen += 1
        else:
            count += 1
    done.put(count)


def produce(q, go, n):
    go.wait()
    for i in range(n):
        q.put(i)


def event_pong(ping, pong):
    while True:
        ping.wait()
        ping.clear()
        pong.set()


def square(x):
    return x * x


def spin(n):
    s = 0.0
    for i in range(n):
        s += math.sqrt(i)
    return s


# ---- helpers ------------------------------------------------------------------------------

def pss_mb(pid):
    with open(f'/proc/{pid}/smaps_rollup') as f:
        for line in f:
            if line.startswith('Pss:'):
                return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError(f'no Pss line in /proc/{pid}/smaps_rollup')


def ctx(params):
    return mp.get_context(params.get('method') or None)


STATE = {}


def keep(key, make):
    if key not in STATE:
        STATE[key] = make()
    return STATE[key]


# ---- commands -------------------------------------------------------------------------------

def cmd_probe(p):
    method = p.get('method')
    if method and method not in mp.get_all_start_methods():
        return f"start method {method!r} not offered here ({', '.join(mp.get_all_start_methods())})"
    return None


def cmd_start_join(p):
    c = ctx(p)
    t0 = time.perf_counter()
    proc = c.Process(target=empty)
    proc.start()
    proc.join()
    ms = (time.perf_counter() - t0) * 1e3
    if proc.exitcode != 0:
        raise RuntimeError(f'child exit code {proc.exitcode}')
    proc.close()
    return ms


def cmd_idle_pss(p):
    c = ctx(p)
    path = p['path']
    proc = c.Process(target=idle, args=(path,))
    proc.start()
    deadline = time.monotonic() + 30
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError('idle child did not signal readiness in 30 s')
        time.sleep(0.002)
    time.sleep(p.get('settle_ms', 0) / 1e3)
    mb = pss_mb(proc.pid)
    proc.terminate()
    proc.join()
    proc.close()
    os.unlink(path)
    return mb


def _echo_pair(p):
    def make():
        a, b = mp.Pipe()
        proc = ctx(p).Process(target=echo, args=(b,), daemon=True)
        proc.start()
        b.close()
        return a, proc
    return keep(('echo', p.get('method')), make)


def cmd_pipe_rtt(p):
    """Round trips per second of a small object over multiprocessing.Pipe."""
    a, _ = _echo_pair(p)
    n = p['n']
    t0 = time.perf_counter()
    for _ in range(n):
        a.send(SMALL)
        a.recv()
    return n / (time.perf_counter() - t0)


def _listener(p):
    from multiprocessing.connection import Listener
    # TCP with an authkey (the handshake both ways), a unix socket without: as the multiproc rows.
    authkey = b'bench key' if p['family'] == 'AF_INET' else None
    return Listener(family=p['family'], authkey=authkey), authkey


def cmd_listener_rtt(p):
    """Round trips per second of a small object over a Listener/Client connection."""
    def make():
        listener, authkey = _listener(p)
        proc = ctx(p).Process(target=listener_echo, args=(listener.address, authkey), daemon=True)
        proc.start()
        return listener.accept(), proc, listener
    conn, _, _ = keep(('listener_rtt', p['family']), make)
    n = p['n']
    t0 = time.perf_counter()
    for _ in range(n):
        conn.send(SMALL)
        conn.recv()
    return n / (time.perf_counter() - t0)


def cmd_listener_connect(p):
    """Connections per second: a child connects (and authenticates), receives one message, closes."""
    def make():
        listener, authkey = _listener(p)
        ctrl, child_ctrl = mp.Pipe()
        proc = ctx(p).Process(target=connect_loop, args=(listener.address, authkey, child_ctrl), daemon=True)
        proc.start()
        child_ctrl.close()
        return ctrl, proc, listener
    ctrl, _, listener = keep(('listener_connect', p['family']), make)
    n = p['n']
    t0 = time.perf_counter()
    ctrl.send(n)
    for _ in range(n):
        conn = listener.accept()
        conn.send(True)
        conn.close()
    return n / (time.perf_counter() - t0)


def cmd_pipe_bytes(p):
    """GB/s (10^9 bytes/s) of `count` messages of `size` bytes through send_bytes/recv_bytes."""
    def make():
        a, b = mp.Pipe()
        proc = ctx(p).Process(target=sink, args=(b,), daemon=True)
        proc.start()
        b.close()
        return a, proc
    a, _ = keep(('sink', p.get('method')), make)
    count, size = p['count'], p['size']
    buf = bytes(size)
    t0 = time.perf_counter()
    a.send(count)
    for _ in range(count):
        a.send_bytes(buf)
    a.recv()
    return count * size / (time.perf_counter() - t0) / 1e9


def cmd_queue_rate(p):
    """Items/s through one multiprocessing.Queue: `producers` processes put n items in all,
    `consumers` processes get them; timed from the go signal to the consumers' last get."""
    c = ctx(p)
    n, producers, consumers = p['n'], p.get('producers', 1), p.get('consumers', 1)
    q, done, go = c.Queue(), c.Queue(), c.Event()
    share = [n // producers + (1 if i < n % producers else 0) for i in range(producers)]
    prods = [c.Process(target=produce, args=(q, go, k), daemon=True) for k in share]
    cons = [c.Process(target=consume, args=(q, done, 1), daemon=True) for _ in range(consumers)]
    for proc in prods + cons:
        proc.start()
    t0 = time.perf_counter()
    go.set()
    for proc in prods:
        proc.join()
    for _ in cons:
        q.put(None)
    got = sum(done.get() for _ in cons)
    elapsed = time.perf_counter() - t0
    for proc in cons:
        proc.join()
    if got != n:
        raise RuntimeError(f'consumers got {got} items, expected {n}')
    return n / elapsed


def cmd_lock_rate(p):
    """Uncontended acquire+release pairs per second of multiprocessing.Lock."""
    lock = keep(('lock', p.get('method')), lambda: ctx(p).Lock())
    n = p['n']
    t0 = time.perf_counter()
    for _ in range(n):
        lock.acquire()
        lock.release()
    return n / (time.perf_counter() - t0)


def cmd_event_wakeup(p):
    """One-way wake-up latency in microseconds between two processes through two Events
    (half of each set->wait->set->wait round trip); returns the median or the p99 of n."""
    def make():
        c = ctx(p)
        ping, pong = c.Event(), c.Event()
        proc = c.Process(target=event_pong, args=(ping, pong), daemon=True)
        proc.start()
        return ping, pong, proc
    ping, pong, _ = keep(('events', p.get('method')), make)
    lat = []
    for _ in range(p['n']):
        t0 = time.perf_counter()
        ping.set()
        pong.wait()
        pong.clear()
        lat.append((time.perf_counter() - t0) * 1e6 / 2)
    if p.get('stat') == 'p99':
        return statistics.quantiles(lat, n=100)[98]
    return statistics.median(lat)


def _pool(p):
    def make():
        pool = ctx(p).Pool(p.get('processes', 2))
        pool.map(square, range(1000))  # warm: every worker has started and run a task
        return pool
    return keep(('pool', p.get('method'), p.get('processes', 2)), make)


def cmd_pool_map(p):
    """ms for Pool.map(square, range(n)) on a warm pool (start excluded)."""
    pool = _pool(p)
    n = p['n']
    t0 = time.perf_counter()
    out = pool.map(square, range(n))
    ms = (time.perf_counter() - t0) * 1e3
    if len(out) != n or out[-1] != (n - 1) ** 2:
        raise RuntimeError('wrong result')
    return ms


def cmd_pool_start_map(p):
    """ms for Pool(processes) start + map(square, range(n)) (start included; close untimed)."""
    n = p['n']
    t0 = time.perf_counter()
    pool = ctx(p).Pool(p.get('processes', 2))
    out = pool.map(square, range(n))
    ms = (time.perf_counter() - t0) * 1e3
    pool.terminate()
    pool.join()
    if len(out) != n:
        raise RuntimeError('wrong result')
    return ms


def cmd_pool_imap(p):
    """ms for iterating Pool.imap(square, range(n), chunksize) on a warm pool."""
    pool = _pool(p)
    t0 = time.perf_counter()
    count = sum(1 for _ in pool.imap(square, range(p['n']), p.get('chunksize', 1)))
    ms = (time.perf_counter() - t0) * 1e3
    if count != p['n']:
        raise RuntimeError('wrong result')
    return ms


def _spin_count(ms):
    """Iterations of spin() that take about `ms` here, measured once per helper."""
    def make():
        spin(10_000)
        best = float('inf')
        for _ in range(3):  # the least disturbed of three
            t0 = time.perf_counter()
            spin(1_000_000)
            best = min(best, time.perf_counter() - t0)
        return round(1_000_000 * ms / (best * 1e3))
    return keep(('spin', ms), make)


def cmd_cpu_tasks(p):
    """ms for `tasks` CPU-bound tasks of about `ms` each: serially when processes is 0, else
    through a warm Pool(processes).map with chunksize 1."""
    n = _spin_count(p['ms'])
    work = [n] * p['tasks']
    if p['processes'] == 0:
        t0 = time.perf_counter()
        for k in work:
            spin(k)
        return (time.perf_counter() - t0) * 1e3
    pool = _pool(p)
    t0 = time.perf_counter()
    pool.map(spin, work, 1)
    return (time.perf_counter() - t0) * 1e3


def cmd_manager_dict(p):
    """Operations per second of d['k'] = i; d['k'] on a Manager().dict() (n rounds, 2 ops each)."""
    def make():
        m = ctx(p).Manager()
        return m, m.dict()
    _, d = keep(('manager', p.get('method')), make)
    n = p['n']
    t0 = time.perf_counter()
    for i in range(n):
        d['k'] = i
        d['k']
    return 2 * n / (time.perf_counter() - t0)


def main():
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            fn = globals().get('cmd_' + req['cmd'])
            if fn is None:
                raise RuntimeError(f"unknown command {req['cmd']}")
            msg = {'id': req['id'], 'ok': True, 'value': fn(req.get('params') or {})}
        except Exception as e:  # reported to the runner, which marks the row failed
            msg = {'id': req['id'], 'ok': False, 'error': f'{type(e).__name__}: {e}'}
        out.write(MARK + json.dumps(msg) + '\n')
        out.flush()
    for v in STATE.values():
        if isinstance(v, mp.pool.Pool):
            v.terminate()
    # daemon children are terminated by multiprocessing's exit handler


if __name__ == '__main__':
    main()
