#!/usr/bin/python3
"""Generate PyTorch -> ONNX interop fixtures for the RnnMlNet C# tests.

Run with the Debian interpreter (torch 1.13 from apt, NOT the pyenv python):

    /usr/bin/python3 tests/RnnMlNet.Tests/Fixtures/make_pytorch_fixtures.py

Packages: apt-get install -y python3-torch python3-onnx
(python3-onnx is optional: without it the ONNX files are still exported, but
the node/initializer listing and the numpy re-evaluation of the graph are
skipped.)

For each model it writes, next to this script:
    <name>.onnx  - the model exported with torch.onnx.export(opset_version=14);
                   input "tokens" int64 [N, T], output "logits" float32 [N, C]
    <name>.json  - metadata + 6 single-sequence cases with PyTorch's logits

Everything is deterministic (torch.manual_seed(0), single thread, synthetic
data generated in-process; nothing is downloaded).
"""

import json
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 14
VOCAB = 12
EMBED = 5
HIDDEN = 4
MAX_LEN = 9
TRAIN_STEPS = 300
BATCH = 32

try:
    import onnx
    from onnx import numpy_helper
except ImportError:  # pragma: no cover - optional
    onnx = None


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------

class LstmBinary(nn.Module):
    """Embedding(12,5) -> LSTM(5,4,batch_first) -> h_n[-1] -> Linear(4,1)."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, EMBED)
        self.rnn = nn.LSTM(EMBED, HIDDEN, batch_first=True)
        self.head = nn.Linear(HIDDEN, 1)

    def forward(self, tokens):
        _, (h_n, _) = self.rnn(self.embedding(tokens))
        return self.head(h_n[-1])


class GruBidirectionalMulticlass(nn.Module):
    """Embedding(12,5) -> BiGRU(5,4,batch_first) -> [h_n[0];h_n[1]] -> Linear(8,3)."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, EMBED)
        self.rnn = nn.GRU(EMBED, HIDDEN, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * HIDDEN, 3)

    def forward(self, tokens):
        _, h_n = self.rnn(self.embedding(tokens))
        # h_n[0] = forward direction final state (after the last token),
        # h_n[1] = backward direction final state (after the first token).
        return self.head(torch.cat([h_n[0], h_n[1]], dim=1))


# ---------------------------------------------------------------------------
# Synthetic tasks
# ---------------------------------------------------------------------------

def label_3_before_5(seq):
    """1 if some token 3 occurs strictly before some token 5, else 0."""
    seen3 = False
    for t in seq:
        if t == 3:
            seen3 = True
        elif t == 5 and seen3:
            return 1
    return 0


def label_count_4(seq):
    """Number of occurrences of token 4, clipped to 2 (classes 0, 1, 2)."""
    return min(sum(1 for t in seq if t == 4), 2)


def sample_batch(gen, length, focus):
    """Random [BATCH, length] tokens; the `focus` tokens are over-sampled."""
    uniform = torch.randint(0, VOCAB, (BATCH, length), generator=gen)
    pick = torch.randint(0, len(focus), (BATCH, length), generator=gen)
    focus_t = torch.tensor(focus, dtype=torch.long)[pick]
    use_focus = torch.rand((BATCH, length), generator=gen) < 0.3
    return torch.where(use_focus, focus_t, uniform)


def train(model, label_fn, focus, loss_kind, gen):
    opt = torch.optim.Adam(model.parameters(), lr=0.03)
    model.train()
    last = None
    for step in range(TRAIN_STEPS):
        # One random length per batch, so no padding/packing is needed.
        length = int(torch.randint(1, MAX_LEN + 1, (1,), generator=gen))
        x = sample_batch(gen, length, focus)
        labels = [label_fn(row) for row in x.tolist()]
        out = model(x)
        if loss_kind == "bce":
            y = torch.tensor(labels, dtype=torch.float32).unsqueeze(1)
            loss = nn.functional.binary_cross_entropy_with_logits(out, y)
        else:
            y = torch.tensor(labels, dtype=torch.long)
            loss = nn.functional.cross_entropy(out, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        last = float(loss)
    model.eval()
    return last


def accuracy(model, label_fn, focus, loss_kind, gen, batches=40):
    correct = total = 0
    with torch.no_grad():
        for _ in range(batches):
            length = int(torch.randint(1, MAX_LEN + 1, (1,), generator=gen))
            x = sample_batch(gen, length, focus)
            labels = torch.tensor([label_fn(r) for r in x.tolist()])
            out = model(x)
            pred = (out[:, 0] > 0).long() if loss_kind == "bce" else out.argmax(1)
            correct += int((pred == labels).sum())
            total += len(labels)
    return correct / total


# ---------------------------------------------------------------------------
# Minimal numpy evaluator of the exported ONNX graph (independent of torch),
# used to check that the .onnx file reproduces PyTorch's logits.
# onnxruntime is not packaged in Debian bookworm, so this stands in for it.
# ---------------------------------------------------------------------------

def _sigmoid(x):
    import numpy as np
    return 1.0 / (1.0 + np.exp(-x))


def _onnx_lstm(np, X, W, R, B, h0, c0, attrs):
    direction = attrs.get("direction", b"forward")
    direction = direction.decode() if isinstance(direction, bytes) else direction
    H = attrs["hidden_size"]
    T, N, _ = X.shape
    D = W.shape[0]
    dirs = ["forward", "reverse"] if direction == "bidirectional" else [direction]
    Y = np.zeros((T, D, N, H), np.float32)
    Yh = np.zeros((D, N, H), np.float32)
    Yc = np.zeros((D, N, H), np.float32)
    for d, dname in enumerate(dirs):
        Wi, Wo, Wf, Wc = np.split(W[d], 4)          # ONNX gate order i, o, f, c
        Ri, Ro, Rf, Rc = np.split(R[d], 4)
        b = B[d] if B is not None else np.zeros(8 * H, np.float32)
        Wbi, Wbo, Wbf, Wbc, Rbi, Rbo, Rbf, Rbc = np.split(b, 8)
        h = h0[d] if h0 is not None else np.zeros((N, H), np.float32)
        c = c0[d] if c0 is not None else np.zeros((N, H), np.float32)
        steps = range(T) if dname == "forward" else range(T - 1, -1, -1)
        for t in steps:
            x = X[t]
            i = _sigmoid(x @ Wi.T + h @ Ri.T + Wbi + Rbi)
            f = _sigmoid(x @ Wf.T + h @ Rf.T + Wbf + Rbf)
            g = np.tanh(x @ Wc.T + h @ Rc.T + Wbc + Rbc)
            o = _sigmoid(x @ Wo.T + h @ Ro.T + Wbo + Rbo)
            c = f * c + i * g
            h = o * np.tanh(c)
            Y[t, d] = h
        Yh[d], Yc[d] = h, c
    return [Y, Yh, Yc]


def _onnx_gru(np, X, W, R, B, h0, attrs):
    direction = attrs.get("direction", b"forward")
    direction = direction.decode() if isinstance(direction, bytes) else direction
    H = attrs["hidden_size"]
    lbr = attrs.get("linear_before_reset", 0)
    T, N, _ = X.shape
    D = W.shape[0]
    dirs = ["forward", "reverse"] if direction == "bidirectional" else [direction]
    Y = np.zeros((T, D, N, H), np.float32)
    Yh = np.zeros((D, N, H), np.float32)
    for d, dname in enumerate(dirs):
        Wz, Wr, Wh = np.split(W[d], 3)              # ONNX gate order z, r, h
        Rz, Rr, Rh = np.split(R[d], 3)
        b = B[d] if B is not None else np.zeros(6 * H, np.float32)
        Wbz, Wbr, Wbh, Rbz, Rbr, Rbh = np.split(b, 6)
        h = h0[d] if h0 is not None else np.zeros((N, H), np.float32)
        steps = range(T) if dname == "forward" else range(T - 1, -1, -1)
        for t in steps:
            x = X[t]
            z = _sigmoid(x @ Wz.T + h @ Rz.T + Wbz + Rbz)
            r = _sigmoid(x @ Wr.T + h @ Rr.T + Wbr + Rbr)
            if lbr:
                n = np.tanh(x @ Wh.T + r * (h @ Rh.T + Rbh) + Wbh)
            else:
                n = np.tanh(x @ Wh.T + (r * h) @ Rh.T + Rbh + Wbh)
            h = (1 - z) * n + z * h
            Y[t, d] = h
        Yh[d] = h
    return [Y, Yh]


def run_onnx_numpy(model_proto, tokens):
    import numpy as np
    g = model_proto.graph
    env = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    env[g.input[0].name] = np.asarray(tokens, dtype=np.int64)
    env[""] = None

    for node in g.node:
        a = {x.name: onnx.helper.get_attribute_value(x) for x in node.attribute}
        ins = [env[n] if n in env else None for n in node.input]
        op = node.op_type
        if op == "Constant":
            outs = [numpy_helper.to_array(a["value"])]
        elif op == "Gather":
            outs = [np.take(ins[0], ins[1], axis=a.get("axis", 0))]
        elif op == "Shape":
            outs = [np.array(ins[0].shape, dtype=np.int64)]
        elif op == "Unsqueeze":
            outs = [np.expand_dims(ins[0], tuple(int(v) for v in ins[1]))]
        elif op == "Squeeze":
            axes = tuple(int(v) for v in ins[1]) if len(ins) > 1 and ins[1] is not None else None
            outs = [np.squeeze(ins[0], axis=axes)]
        elif op == "Concat":
            outs = [np.concatenate(ins, axis=a["axis"])]
        elif op == "ConstantOfShape":
            val = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
            outs = [np.full(tuple(int(v) for v in ins[0]), val.flatten()[0], dtype=val.dtype)]
        elif op == "Transpose":
            outs = [np.transpose(ins[0], a.get("perm"))]
        elif op == "Slice":
            starts, ends = ins[1], ins[2]
            axes = ins[3] if len(ins) > 3 and ins[3] is not None else range(len(starts))
            steps = ins[4] if len(ins) > 4 and ins[4] is not None else [1] * len(starts)
            sl = [slice(None)] * ins[0].ndim
            for s, e, ax, st in zip(starts, ends, axes, steps):
                sl[int(ax)] = slice(int(s), int(e), int(st))
            outs = [ins[0][tuple(sl)]]
        elif op == "Gemm":
            A, Bm = ins[0], ins[1]
            if a.get("transA", 0):
                A = A.T
            if a.get("transB", 0):
                Bm = Bm.T
            y = a.get("alpha", 1.0) * (A @ Bm)
            if len(ins) > 2 and ins[2] is not None:
                y = y + a.get("beta", 1.0) * ins[2]
            outs = [y.astype(np.float32)]
        elif op == "MatMul":
            outs = [ins[0] @ ins[1]]
        elif op == "Add":
            outs = [ins[0] + ins[1]]
        elif op == "LSTM":
            if len(ins) > 4 and ins[4] is not None:
                raise NotImplementedError("sequence_lens not supported by this checker")
            outs = _onnx_lstm(np, ins[0], ins[1], ins[2], ins[3] if len(ins) > 3 else None,
                              ins[5] if len(ins) > 5 else None, ins[6] if len(ins) > 6 else None, a)
        elif op == "GRU":
            if len(ins) > 4 and ins[4] is not None:
                raise NotImplementedError("sequence_lens not supported by this checker")
            outs = _onnx_gru(np, ins[0], ins[1], ins[2], ins[3] if len(ins) > 3 else None,
                             ins[5] if len(ins) > 5 else None, a)
        else:
            raise NotImplementedError("op %s" % op)
        for name, val in zip(node.output, outs):
            if name:
                env[name] = val
    return env[g.output[0].name]


# ---------------------------------------------------------------------------
# Export + metadata
# ---------------------------------------------------------------------------

def gate_layout_check(model, proto, cell):
    """Confirm how torch reordered gates: returns a description dict."""
    import numpy as np
    rnn = model.rnn
    H = HIDDEN
    node = next(n for n in proto.graph.node if n.op_type == cell)
    inits = {i.name: numpy_helper.to_array(i) for i in proto.graph.initializer}
    W, R, B = (inits[node.input[k]] for k in (1, 2, 3))
    if cell == "LSTM":
        perm = [0, 3, 1, 2]  # torch chunks (i, f, g, o) -> ONNX (i, o, f, c)
        torch_order, onnx_order = "i,f,g,o", "i,o,f,c"
    else:
        perm = [1, 0, 2]     # torch chunks (r, z, n) -> ONNX (z, r, h)
        torch_order, onnx_order = "r,z,n", "z,r,h"
    suffixes = ["", "_reverse"] if rnn.bidirectional else [""]

    def reorder(t):
        chunks = np.split(t.detach().numpy(), len(perm))
        return np.concatenate([chunks[p] for p in perm])

    for d, sfx in enumerate(suffixes):
        w_ih = getattr(rnn, "weight_ih_l0" + sfx)
        w_hh = getattr(rnn, "weight_hh_l0" + sfx)
        b_ih = getattr(rnn, "bias_ih_l0" + sfx)
        b_hh = getattr(rnn, "bias_hh_l0" + sfx)
        assert np.array_equal(W[d], reorder(w_ih)), "W layout mismatch"
        assert np.array_equal(R[d], reorder(w_hh)), "R layout mismatch"
        assert np.array_equal(B[d], np.concatenate([reorder(b_ih), reorder(b_hh)])), "B layout mismatch"
    return {
        "torch_gate_order": torch_order,
        "onnx_gate_order": onnx_order,
        "torch_chunk_index_for_each_onnx_gate": perm,
        "W": "[num_directions, %d*hidden, input] = weight_ih_l0 rows reordered" % len(perm),
        "R": "[num_directions, %d*hidden, hidden] = weight_hh_l0 rows reordered" % len(perm),
        "B": "[num_directions, %d*hidden] = concat(bias_ih_l0 reordered, bias_hh_l0 reordered)" % (2 * len(perm)),
        "direction_index": "0 = forward (weight_*_l0), 1 = reverse (weight_*_l0_reverse)" if rnn.bidirectional else "0 = forward",
        "verified_bit_exact": True,
    }


def export_and_describe(name, model, cell, bidirectional, outputs, task, cases, label_fn,
                        train_info):
    onnx_path = os.path.join(HERE, name + ".onnx")
    json_path = os.path.join(HERE, name + ".json")
    dummy = torch.tensor([cases[2]], dtype=torch.long)
    torch.onnx.export(
        model, (dummy,), onnx_path,
        opset_version=OPSET,
        input_names=["tokens"], output_names=["logits"],
        dynamic_axes={"tokens": {0: "N", 1: "T"}, "logits": {0: "N"}},
        do_constant_folding=True,
    )

    meta = {
        "name": name,
        "generator": "make_pytorch_fixtures.py",
        "torch_version": torch.__version__,
        "onnx_opset": OPSET,
        "cell": cell,
        "vocabulary_size": VOCAB,
        "embedding_size": EMBED,
        "hidden_size": HIDDEN,
        "num_layers": 1,
        "bidirectional": bidirectional,
        "batch_first": True,
        "outputs": outputs,
        "head_input": ("concat(h_n[0] forward-final, h_n[1] backward-final) -> Linear(8,3)"
                       if bidirectional else "h_n[-1] -> Linear(4,1)"),
        "output_kind": "raw logits (no sigmoid/softmax)",
        "onnx_input": {"name": "tokens", "dtype": "int64", "shape": ["N", "T"]},
        "onnx_output": {"name": "logits", "dtype": "float32", "shape": ["N", outputs]},
        "task": task,
        "training": train_info,
    }

    proto = None
    if onnx is not None:
        proto = onnx.load(onnx_path)
        onnx.checker.check_model(proto)
        g = proto.graph
        meta["onnx_node_op_types"] = [n.op_type for n in g.node]
        meta["onnx_nodes"] = [
            {"op_type": n.op_type, "inputs": list(n.input), "outputs": list(n.output),
             "attributes": {a.name: _attr_json(a) for a in n.attribute}}
            for n in g.node
        ]
        meta["onnx_initializers"] = [{"name": i.name, "shape": list(i.dims)} for i in g.initializer]
        rnn_node = next(n for n in g.node if n.op_type == cell)
        slots = ["X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"]
        meta["onnx_rnn_node_inputs"] = {
            slots[k]: (v if v else None) for k, v in enumerate(rnn_node.input)
        }
        meta["gate_layout"] = gate_layout_check(model, proto, cell)
    else:
        meta["onnx_node_op_types"] = None  # onnx package not installed

    case_list = []
    max_diff = 0.0
    for seq in cases:
        x = torch.tensor([seq], dtype=torch.long)  # N = 1, one sequence at a time
        with torch.no_grad():
            y = model(x)
        assert y.dtype == torch.float32 and y.shape == (1, outputs)
        logits = [float(v) for v in y[0].tolist()]  # exact float32 values as doubles
        entry = {"tokens": list(seq), "length": len(seq), "task_label": label_fn(seq),
                 "logits": logits}
        if proto is not None:
            import numpy as np
            ref = run_onnx_numpy(proto, x.numpy())
            diff = float(np.max(np.abs(ref - y.numpy())))
            max_diff = max(max_diff, diff)
        case_list.append(entry)
    meta["cases"] = case_list

    if proto is not None:
        # Also check a batch (N=2, same T) goes through the dynamic-batch graph.
        import numpy as np
        xb = torch.tensor([cases[-1], cases[-1][::-1]], dtype=torch.long)
        with torch.no_grad():
            yb = model(xb).numpy()
        max_diff = max(max_diff, float(np.max(np.abs(run_onnx_numpy(proto, xb.numpy()) - yb))))
        meta["numpy_onnx_reference_max_abs_diff"] = max_diff
        assert max_diff < 1e-5, "ONNX graph does not reproduce PyTorch (%g)" % max_diff

    with open(json_path, "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    size = os.path.getsize(onnx_path)
    assert size < 50 * 1024, "%s too large (%d bytes)" % (onnx_path, size)
    print("%s: onnx %d bytes, ops=%s, max|numpy(onnx)-torch|=%s" % (
        name, size, meta.get("onnx_node_op_types"), meta.get("numpy_onnx_reference_max_abs_diff")))


def _attr_json(a):
    v = onnx.helper.get_attribute_value(a)
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, (list, tuple)):
        return [x.decode() if isinstance(x, bytes) else x for x in v]
    if isinstance(v, (int, float, str)):
        return v
    if isinstance(v, onnx.TensorProto):  # Constant / ConstantOfShape "value"
        arr = numpy_helper.to_array(v)
        return {"dtype": str(arr.dtype), "shape": list(arr.shape), "data": arr.flatten().tolist()}
    return str(type(v).__name__)


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    gen = torch.Generator().manual_seed(0)

    # (a) LSTM, binary
    lstm = LstmBinary()
    loss = train(lstm, label_3_before_5, [3, 5], "bce", gen)
    acc = accuracy(lstm, label_3_before_5, [3, 5], "bce", gen)
    export_and_describe(
        "pytorch_lstm_binary", lstm, "LSTM", False, 1,
        "label 1 iff some token 3 occurs before some token 5 (logit > 0 => 1)",
        [[3], [3, 7, 5], [5, 1, 3, 0, 11], [2, 3, 8, 8, 5, 6, 1],
         [11, 10, 9, 5, 4, 3, 2, 1], [0, 3, 1, 4, 1, 5, 9, 2, 6]],
        label_3_before_5,
        {"steps": TRAIN_STEPS, "batch": BATCH, "optimizer": "Adam lr=0.03",
         "final_loss": loss, "held_out_accuracy": acc},
    )

    # (b) bidirectional GRU, 3 classes
    gru = GruBidirectionalMulticlass()
    loss = train(gru, label_count_4, [4], "ce", gen)
    acc = accuracy(gru, label_count_4, [4], "ce", gen)
    export_and_describe(
        "pytorch_gru_bidirectional_multiclass", gru, "GRU", True, 3,
        "class = number of occurrences of token 4, clipped to 2 (argmax of logits)",
        [[4], [1, 4, 2], [4, 0, 4, 11, 7], [6, 5, 4, 3, 2, 1, 0],
         [4, 4, 4, 1, 2, 3, 9, 10], [11, 0, 7, 3, 8, 2, 9, 1, 5]],
        label_count_4,
        {"steps": TRAIN_STEPS, "batch": BATCH, "optimizer": "Adam lr=0.03",
         "final_loss": loss, "held_out_accuracy": acc},
    )


if __name__ == "__main__":
    sys.exit(main())
