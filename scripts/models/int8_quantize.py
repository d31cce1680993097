"""Dynamic int8 quantisation of one ONNX graph's MatMul weights.

Every MatMul whose second input is a 2-D float initializer becomes: int8 weights (symmetric, one
scale per output column) + DynamicQuantizeLinear on the activations + MatMulInteger, then the
two scales applied in float. This is the operator pattern of onnxruntime's dynamic quantisation,
which onnxruntime fuses into one int8 kernel on CPU. onnxruntime's own Python quantiser is not
used: Debian does not package onnxruntime for Python. Everything else in the graph is unchanged.

Needs Debian's python3-onnx and python3-numpy. Used by scripts/models/bench_pack.py and by
`npm run models:quantize` (scripts/models/quantize-pack.ts).

Usage: /usr/bin/python3 scripts/models/int8_quantize.py <input.onnx> <output.onnx>
Prints the number of MatMul weights quantised; exits with 3 when the graph has none.
"""

import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

# protobuf cannot serialise a model of 2 GiB or more in one file.
PROTOBUF_LIMIT = 2**31 - 1


def quantise_matmuls(model):
    """Rewrites the MatMuls of `model` in place; returns how many weights were quantised."""
    graph = model.graph
    weights = {init.name: init for init in graph.initializer}
    nodes = []
    quantised_weights = set()
    for node in graph.node:
        weight = weights.get(node.input[1]) if node.op_type == "MatMul" else None
        if weight is None or len(weight.dims) != 2 or weight.data_type != TensorProto.FLOAT:
            nodes.append(node)
            continue
        values = numpy_helper.to_array(weight).astype(np.float32)
        scale = np.maximum(np.abs(values).max(axis=0), 1e-8) / 127.0
        quantised = np.clip(np.round(values / scale), -127, 127).astype(np.int8)
        base = node.name or node.output[0]
        names = {part: "%s_%s" % (base, part) for part in ["wq", "wzp", "ws", "aq", "as", "azp", "int", "float", "scale"]}
        graph.initializer.extend(
            [
                numpy_helper.from_array(quantised, names["wq"]),
                numpy_helper.from_array(np.zeros(values.shape[1], dtype=np.int8), names["wzp"]),
                numpy_helper.from_array(scale.astype(np.float32), names["ws"]),
            ]
        )
        quantised_weights.add(weight.name)
        nodes.extend(
            [
                helper.make_node("DynamicQuantizeLinear", [node.input[0]], [names["aq"], names["as"], names["azp"]]),
                helper.make_node("MatMulInteger", [names["aq"], names["wq"], names["azp"], names["wzp"]], [names["int"]]),
                helper.make_node("Cast", [names["int"]], [names["float"]], to=TensorProto.FLOAT),
                helper.make_node("Mul", [names["as"], names["ws"]], [names["scale"]]),
                helper.make_node("Mul", [names["float"], names["scale"]], [node.output[0]]),
            ]
        )
    del graph.node[:]
    graph.node.extend(nodes)
    still_used = {name for node in graph.node for name in node.input} | {output.name for output in graph.output}
    kept = [init for init in graph.initializer if init.name not in quantised_weights or init.name in still_used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    return len(quantised_weights)


def save(model, path):
    """Saves `model` at `path`; weights go to `<file>.data` beside it when over protobuf's limit."""
    weight_bytes = sum(len(init.raw_data) for init in model.graph.initializer)
    if weight_bytes < PROTOBUF_LIMIT:
        onnx.save(model, path)
    else:
        onnx.save(model, path, save_as_external_data=True, location=os.path.basename(path) + ".data")


def quantise_file(source, target):
    """Quantises the graph at `source` (external data is read from beside it) into `target`."""
    model = onnx.load(source)
    count = quantise_matmuls(model)
    if count > 0:
        save(model, target)
    return count


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: int8_quantize.py <input.onnx> <output.onnx>")
    count = quantise_file(sys.argv[1], sys.argv[2])
    print(count)
    if count == 0:
        sys.exit(3)


if __name__ == "__main__":
    main()
