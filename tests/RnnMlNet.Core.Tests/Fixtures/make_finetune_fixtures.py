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


def weights(recurrent, head, cell):
    return {
        "layer0.W": onnx_blocks(recurrent.weight_ih_l0, cell).flatten().tolist(),
        "layer0.R": onnx_blocks(recurrent.weight_hh_l0, cell).flatten().tolist(),
        "layer0.B": torch.cat([onnx_blocks(recurrent.bias_ih_l0, cell), onnx_blocks(recurrent.bias_hh_l0, cell)]).tolist(),
        "head.weights": head.weight.t().flatten().tolist(),
        "head.bias": head.bias.tolist(),
    }


def fixture(cell):
    torch.manual_seed(0)
    recurrent = MODULES[cell](INPUTS, HIDDEN, batch_first=True).double()
    head = torch.nn.Linear(HIDDEN, 1).double()
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(ROWS, STEPS, INPUTS, generator=generator, dtype=torch.float64)
    y = torch.tensor([1.0, 0.0, 1.0], dtype=torch.float64)
    start = ({k: v.clone() for k, v in recurrent.state_dict().items()}, {k: v.clone() for k, v in head.state_dict().items()})
    result = {"cell": cell, "inputs": x.flatten().tolist(), "targets": y.tolist(), "rows": ROWS, "steps": STEPS,
              "features": INPUTS, "hidden": HIDDEN, "trainingSteps": TRAINING_STEPS, "sgdRate": SGD_RATE, "adamRate": ADAM_RATE,
              "initial": weights(recurrent, head, cell), "torch": torch.__version__}
    for name, make in (("sgd", lambda p: torch.optim.SGD(p, lr=SGD_RATE)), ("adam", lambda p: torch.optim.Adam(p, lr=ADAM_RATE))):
        recurrent.load_state_dict(start[0])
        head.load_state_dict(start[1])
        optimizer = make(list(recurrent.parameters()) + list(head.parameters()))
        for _ in range(TRAINING_STEPS):
            optimizer.zero_grad()
            _, state = recurrent(x)
            hidden = state[0] if cell == "lstm" else state
            loss = torch.nn.functional.binary_cross_entropy_with_logits(head(hidden[-1]).squeeze(-1), y)
            loss.backward()
            optimizer.step()
        result[name] = weights(recurrent, head, cell)
    return result


out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pytorch_finetune_steps.json")
with open(out, "w") as f:
    json.dump([fixture(cell) for cell in ("rnn", "lstm", "gru")], f)
print(f"wrote {out}")
