"""One SGD and one Adam fine-tuning run of two steps, by PyTorch itself, for each recurrent cell.

For FineTuningTests: the engine, given PyTorch's weights and its two bias vectors per gate, must take PyTorch's steps.
Regenerate from the repository root with Debian's PyTorch (apt-get install python3-torch):

    /usr/bin/python3 tests/RnnMlNet.Core.Tests/Fixtures/make_finetune_fixtures.py

Double precision, fixed seeds, one thread, synthetic data: the output is the same on every run on one machine.
Weights are written in ONNX layout, as the engine's NetworkWeights reads them: W [G*H, I], R [G*H, H], B = [Wb, Rb],
gate blocks in ONNX order (LSTM i, o, f, c; GRU z, r, h), the head as a MatMul weight [H, 1] and a bias [1].
"""
import json
import os

import torch

torch.set_num_threads(1)
INPUTS, HIDDEN, ROWS, STEPS, TRAINING_STEPS = 3, 4, 3, 5, 2
SGD_RATE, ADAM_RATE = 0.1, 0.01
# PyTorch's gate blocks, in the order ONNX wants them.
ONNX_ORDER = {"rnn": [0], "lstm": [0, 3, 1, 2], "gru": [1, 0, 2]}
MODULES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


def onnx_blocks(tensor, cell):
    blocks = torch.chunk(tensor, len(ONNX_ORDER[cell]), dim=0)
    return torch.cat([blocks[i] for i in ONNX_ORDER[cell]], dim=0)


def weights(recurrent, head, cell, embedding=None):
    """ONNX layout: each layer's directions stacked (forward, then reverse), as W [D, G*H, I], R [D, G*H, H], B [D, 2*G*H]."""
    result = {}
    for layer in range(recurrent.num_layers):
        suffixes = [f"_l{layer}"] + ([f"_l{layer}_reverse"] if recurrent.bidirectional else [])
        get = lambda name: [getattr(recurrent, name + s) for s in suffixes]
        result[f"layer{layer}.W"] = torch.cat([onnx_blocks(w, cell).flatten() for w in get("weight_ih")]).tolist()
        result[f"layer{layer}.R"] = torch.cat([onnx_blocks(r, cell).flatten() for r in get("weight_hh")]).tolist()
        result[f"layer{layer}.B"] = torch.cat([torch.cat([onnx_blocks(bi, cell), onnx_blocks(bh, cell)])
                                               for bi, bh in zip(get("bias_ih"), get("bias_hh"))]).tolist()
    result["head.weights"] = head.weight.t().flatten().tolist()
    result["head.bias"] = head.bias.tolist()
    if embedding is not None:
        result["embedding"] = embedding.weight.flatten().tolist()
    return result


def fixture(cell, layers=1, bidirectional=False, vocabulary=0):
    """vocabulary > 0: token ids 1..vocabulary-1 through an embedding of width INPUTS; otherwise float steps."""
    torch.manual_seed(0)
    recurrent = MODULES[cell](INPUTS, HIDDEN, num_layers=layers, bidirectional=bidirectional, batch_first=True).double()
    directions = 2 if bidirectional else 1
    head = torch.nn.Linear(directions * HIDDEN, 1).double()
    embedding = torch.nn.Embedding(vocabulary, INPUTS).double() if vocabulary else None
    generator = torch.Generator().manual_seed(1)
    if embedding is None:
        x = torch.randn(ROWS, STEPS, INPUTS, generator=generator, dtype=torch.float64)
        inputs = {"inputs": x.flatten().tolist()}
    else:
        tokens = torch.randint(1, vocabulary, (ROWS, STEPS), generator=generator)
        inputs = {"tokens": tokens.flatten().tolist()}
    y = torch.tensor([1.0, 0.0, 1.0], dtype=torch.float64)
    modules = [m for m in (recurrent, head, embedding) if m is not None]
    start = [{k: v.clone() for k, v in m.state_dict().items()} for m in modules]
    name = cell if layers == 1 and not bidirectional and not vocabulary else f"{cell}-{layers}x{directions}-embedded"
    result = {"cell": cell, "name": name, **inputs, "targets": y.tolist(), "rows": ROWS, "steps": STEPS, "features": INPUTS, "hidden": HIDDEN,
              "layers": layers, "bidirectional": bidirectional, "vocabulary": vocabulary,
              "trainingSteps": TRAINING_STEPS, "sgdRate": SGD_RATE, "adamRate": ADAM_RATE,
              "initial": weights(recurrent, head, cell, embedding), "torch": torch.__version__}
    for opt_name, make in (("sgd", lambda p: torch.optim.SGD(p, lr=SGD_RATE)), ("adam", lambda p: torch.optim.Adam(p, lr=ADAM_RATE))):
        for m, state in zip(modules, start):
            m.load_state_dict(state)
        optimizer = make([p for m in modules for p in m.parameters()])
        for _ in range(TRAINING_STEPS):
            optimizer.zero_grad()
            steps_in = embedding(tokens) if embedding is not None else x
            _, state = recurrent(steps_in)
            hidden = state[0] if cell == "lstm" else state
            # The top layer's final states, forward then backward: what the engine's head reads.
            last = torch.cat([hidden[-directions + d] for d in range(directions)], dim=1)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(head(last).squeeze(-1), y)
            loss.backward()
            optimizer.step()
        result[opt_name] = weights(recurrent, head, cell, embedding)
    return result


out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pytorch_finetune_steps.json")
with open(out, "w") as f:
    json.dump([fixture(cell) for cell in ("rnn", "lstm", "gru")]
              + [fixture(cell, layers=2, bidirectional=True, vocabulary=7) for cell in ("rnn", "lstm")], f)
print(f"wrote {out}")
