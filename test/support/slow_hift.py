"""Makes a HiFT graph slow on purpose without changing its output: appends a chain of `steps`
[size, size] MatMuls that depends on the input (so it cannot be folded away) and adds 0 times
its result to `magnitude`. Usage: slow_hift.py <hift.onnx> <size> <steps> (rewrites the file)."""
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

path, size, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
model = onnx.load(path)
graph = model.graph
for node in graph.node:
    node.output[:] = ["magnitude_exact" if out == "magnitude" else out for out in node.output]

graph.initializer.extend(
    [
        numpy_helper.from_array(np.ones((size, size), dtype=np.float32), "slow_ones"),
        numpy_helper.from_array(np.eye(size, dtype=np.float32), "slow_eye"),
        numpy_helper.from_array(np.zeros((1,), dtype=np.float32), "slow_zero"),
    ]
)
nodes = [
    helper.make_node("ReduceMean", ["speech_feat"], ["slow_mean"], keepdims=1),
    helper.make_node("Mul", ["slow_mean", "slow_ones"], ["slow_0"]),
]
for step in range(steps):
    nodes.append(helper.make_node("MatMul", [f"slow_{step}", "slow_eye"], [f"slow_{step + 1}"]))
nodes += [
    helper.make_node("ReduceMean", [f"slow_{steps}"], ["slow_sum"], keepdims=1),
    helper.make_node("Mul", ["slow_sum", "slow_zero"], ["slow_nothing"]),
    helper.make_node("Add", ["magnitude_exact", "slow_nothing"], ["magnitude"]),
]
graph.node.extend(nodes)
onnx.checker.check_model(model)
onnx.save(model, path)
