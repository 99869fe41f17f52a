"""PyTorch peer for the RnnMlNet comparison driver (tests/RnnMlNet.Benchmarks, `compare` mode).

Run with Debian's /usr/bin/python3 after `apt-get install -y python3-torch libopenblas0-openmp`.
Reads one JSON request per line on stdin and answers one JSON line on stdout:
  {"cmd": "train", ...workload...}  -> {"seq_per_s": ...}
  {"cmd": "mm", "n": 2048}          -> {"gflops": ...}
The first line it prints describes torch and its BLAS; it refuses to run (exit 2) on a reference BLAS,
which is about 50x slower than OpenBLAS and would make any comparison meaningless.
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn

THREADS = 2
torch.set_num_threads(THREADS)


def mm_gflops(n=2048, repeats=5):
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - start)
    return 2.0 * n ** 3 / best / 1e9


def loaded_blas():
    """The BLAS shared libraries this process really mapped (after a product has run)."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.lower() or "mkl" in line.lower()}
    return sorted(os.path.realpath(p) for p in paths)


def describe():
    gflops = mm_gflops()
    libs = loaded_blas()
    optimized = any("openblas" in p or "mkl" in p for p in libs)
    info = {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": libs,
            "mm_gflops": round(gflops, 1), "mkldnn": torch.backends.mkldnn.is_available()}
    if not optimized or gflops < 20:
        info["error"] = ("torch is using a reference BLAS (%s, %.1f GFLOP/s): install libopenblas0-openmp"
                         % (", ".join(libs) or "none found", gflops))
    return info


class Model(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.onehot = w["onehot"]
        width = w["vocabulary"] if self.onehot else w["embedding"]
        self.embedding = None if self.onehot else nn.Embedding(w["vocabulary"], w["embedding"])
        if w["cell"] == "lstm":
            self.rnn = nn.LSTM(width, w["hidden"])
        else:
            self.rnn = nn.RNN(width, w["hidden"], nonlinearity="tanh")
        self.head = nn.Linear(w["hidden"], 1)

    def forward(self, x):
        if self.embedding is not None:
            x = self.embedding(x)  # [T, B] tokens -> [T, B, E]
        _, state = self.rnn(x)  # one-hot input arrives as dense [T, B, V] floats, as in Keras tutorials
        last = state[0] if isinstance(state, tuple) else state
        return self.head(last[-1]).squeeze(1)


class Trainer:
    def __init__(self, w):
        torch.manual_seed(1)
        self.model = Model(w)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.loss = nn.BCEWithLogitsLoss()
        self.batch = w["batch"]
        generator = torch.Generator().manual_seed(1)
        self.data = []
        for _ in range(4):
            tokens = torch.randint(w["vocabulary"], (w["steps"], w["batch"]), generator=generator)
            x = nn.functional.one_hot(tokens, w["vocabulary"]).float() if w["onehot"] else tokens
            y = torch.randint(2, (w["batch"],), generator=generator).float()
            self.data.append((x, y))
        self.next = 0
        for _ in range(3):  # warm-up
            self.step()

    def step(self):
        x, y = self.data[self.next % len(self.data)]
        self.next += 1
        self.optimizer.zero_grad()
        loss = self.loss(self.model(x), y)
        loss.backward()
        self.optimizer.step()

    def sequences_per_second(self, seconds):
        start = time.perf_counter()
        batches = 0
        while batches < 3 or time.perf_counter() - start < seconds:
            self.step()
            batches += 1
        return batches * self.batch / (time.perf_counter() - start)


def main():
    info = describe()
    print(json.dumps(info), flush=True)
    if "error" in info:
        sys.exit(2)
    trainers = {}
    for line in sys.stdin:
        request = json.loads(line)
        if request["cmd"] == "mm":
            answer = {"gflops": mm_gflops(request.get("n", 2048))}
        else:
            trainer = trainers.get(request["name"]) or trainers.setdefault(request["name"], Trainer(request))
            answer = {"seq_per_s": trainer.sequences_per_second(request["seconds"])}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
