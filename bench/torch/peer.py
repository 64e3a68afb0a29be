"""The PyTorch peer in its own process, driven by bench/run.mjs like bench/tfjs-child.mjs (protocol in
main()); run.mjs sets its environment: OMP/OPENBLAS thread counts, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE
removed. Prints one `@@bench {json}` line per result.
"""
import ctypes
import json
import os
import platform
import sys
import time
import traceback

import torch

import workloads


def emit(obj):
    sys.stdout.write('@@bench ' + json.dumps(obj) + '\n')
    sys.stdout.flush()


def blas_info():
    """Which BLAS torch really calls: the shared objects mapped into this process, OpenBLAS's own
    config string and thread count when it is OpenBLAS, threadpoolctl's view when it is installed."""
    torch.ones(64, 64) @ torch.ones(64, 64)  # make sure BLAS is loaded
    mapped = set()
    with open('/proc/self/maps') as maps:
        for line in maps:
            p = line.split()[-1] if len(line.split()) >= 6 else ''
            if any(k in os.path.basename(p) for k in ('blas', 'lapack', 'mkl', 'gomp', 'omp.so', 'dnnl')):
                mapped.add(os.path.realpath(p))
    info = {'mapped': sorted(mapped)}
    build = [kv for line in torch.__config__.show().splitlines() for kv in line.replace(',', ' ').split()
             if kv.startswith(('BLAS_INFO=', 'LAPACK_INFO=', 'USE_MKLDNN=', 'USE_OPENMP='))]
    info['torchBuild'] = build
    info['mkldnn'] = torch.backends.mkldnn.is_available()
    for p in sorted(mapped):
        if 'openblas' in os.path.basename(p):
            try:
                lib = ctypes.CDLL(p)
                lib.openblas_get_config.restype = ctypes.c_char_p
                lib.openblas_get_corename.restype = ctypes.c_char_p
                info['openblas'] = {'path': p, 'config': lib.openblas_get_config().decode(),
                                    'core': lib.openblas_get_corename().decode(), 'threads': lib.openblas_get_num_threads()}
            except (OSError, AttributeError) as e:
                info['openblas'] = {'path': p, 'error': str(e)}
            break
    if any('/blas/' in p and 'openblas' not in p for p in mapped):
        info['warning'] = 'reference (netlib) BLAS: torch matmuls are ~20x slower; install libopenblas0-pthread'
    try:
        import threadpoolctl
        info['threadpoolctl'] = threadpoolctl.threadpool_info()
    except ImportError:
        info['threadpoolctl'] = None
    return info


def run_item(item):
    out = {'kind': 'result', 'id': item['id'], 'workload': item['workload'], 'cfg': item['cfg']}
    try:
        t0 = time.perf_counter()
        step, info, images = workloads.SETUP[item['workload']](item['cfg'])
        out.update(setupMs=round((time.perf_counter() - t0) * 1e3, 1), images=images, info=info)
        warmup_ms, steps_ms, cpu_ms, checks, timed, i = [], [], [], [], 0.0, 0
        while True:
            warm = i < item['warmup']
            if not warm and (len(steps_ms) >= item['steps'] or (steps_ms and timed / 1e3 > item['budgetS'])):
                break
            c0, t = time.process_time(), time.perf_counter()
            checks.append(step())
            ms, cpu = (time.perf_counter() - t) * 1e3, (time.process_time() - c0) * 1e3  # CPU: all threads
            if warm:
                warmup_ms.append(round(ms, 2))
            else:
                steps_ms.append(round(ms, 2))
                cpu_ms.append(round(cpu, 2))
                timed += ms
            sys.stderr.write(f"  {item['id']}: {'warm-up' if warm else 'step'} {ms:.0f} ms\n")
            i += 1
        s = sorted(steps_ms)
        m = len(s) // 2
        out.update(warmupMs=warmup_ms, stepsMs=steps_ms, cpuMs=cpu_ms, checks=checks,
                   medianMs=s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2)
    except workloads.Skipped as e:
        out['skipped'] = str(e)
    except Exception as e:  # reported per workload; the others still run
        out['error'] = f'{type(e).__name__}: {e}'
        out['trace'] = traceback.format_exc().splitlines()[-3:]
    return out


def main():
    """The plan header ({impl, threads}) in argv, then one JSON command per stdin line:
    {"cmd": "run", "item": ...} (answered with a result line) or {"cmd": "exit"}."""
    plan = json.loads(sys.argv[1])
    torch.set_num_threads(plan['threads'])
    env = {k: os.environ.get(k) for k in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'MKL_NUM_THREADS')}
    emit({'kind': 'env', 'impl': plan['impl']['name'], 'torch': torch.__version__, 'python': platform.python_version(),
          'executable': sys.executable, 'threads': torch.get_num_threads(), 'interopThreads': torch.get_num_interop_threads(),
          'blas': blas_info(), 'env': env})
    for line in sys.stdin:
        msg = json.loads(line)
        if msg['cmd'] == 'exit':
            break
        if msg['cmd'] == 'run':
            emit(run_item(msg['item']))


if __name__ == '__main__':
    main()
