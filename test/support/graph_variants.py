"""Rewrites one graph of a tiny pack copy into a variant export, for the loader's tolerance tests.

Usage: /usr/bin/python3 test/support/graph_variants.py <pack dir> <variant>

Variants (each edits the graph in place with onnx, no torch needed):
  llm-extra-output           the LLM gets one more output after its caches
  estimator-renamed          the estimator's output is called 'velocity' and an extra output follows
  flow-encoder-low-rank      mask [1, frames], spks [80], cond [80, frames], plus an extra output
  flow-encoder-mask-rank4    mask [1, 1, 1, frames]
  flow-encoder-trimmed       mu, mask and cond lose the 6 frames of the 3 look-ahead tokens
  flow-encoder-short-2       mu, mask and cond lose 2 frames (neither convention)
"""

import os
import sys

import onnx
from onnx import helper, numpy_helper
import numpy as np

LLM = "CosyVoice2-0.5B_llm.onnx"
ESTIMATOR = "flow.decoder.estimator.fp32.onnx"
FLOW_ENCODER = "CosyVoice2-0.5B_flow_encoder.onnx"


def output_index(graph, name):
    return [o.name for o in graph.output].index(name)


def reroute(graph, name, op, extra_inputs, shape, attributes=None):
    """Renames the tensor `name` to `name`_raw where it is produced, then computes `name` from it
    with `op` (extra inputs given as numpy constants) and declares the new output shape."""
    raw = name + "_raw"
    for node in graph.node:
        node.output[:] = [raw if out == name else out for out in node.output]
        node.input[:] = [raw if inp == name else inp for inp in node.input]
    inputs = [raw]
    for index, value in enumerate(extra_inputs):
        constant = "%s_arg%d" % (name, index)
        graph.initializer.append(numpy_helper.from_array(np.array(value, dtype=np.int64), constant))
        inputs.append(constant)
    graph.node.append(helper.make_node(op, inputs, [name], **(attributes or {})))
    position = output_index(graph, name)
    elem = graph.output[position].type.tensor_type.elem_type
    graph.output[position].CopyFrom(helper.make_tensor_value_info(name, elem, shape))


def add_extra_output(graph, source, name):
    graph.node.append(helper.make_node("Identity", [source], [name]))
    copy = onnx.ValueInfoProto()
    copy.CopyFrom(graph.output[output_index(graph, source)])
    copy.name = name
    graph.output.append(copy)


def rename_output(graph, name, new_name):
    for node in graph.node:
        node.output[:] = [new_name if out == name else out for out in node.output]
    graph.output[output_index(graph, name)].name = new_name


def trim_frames(graph, frames):
    for name in ["mu", "mask", "cond"]:
        shape = [1, 80, "frames"] if name != "mask" else [1, 1, "frames"]
        reroute(graph, name, "Slice", [[0], [-frames], [2]], shape)


def main():
    pack, variant = sys.argv[1], sys.argv[2]
    file = {
        "llm-extra-output": LLM,
        "estimator-renamed": ESTIMATOR,
    }.get(variant, FLOW_ENCODER)
    path = os.path.join(pack, file)
    model = onnx.load(path)
    graph = model.graph
    if variant == "llm-extra-output":
        add_extra_output(graph, graph.output[0].name, "hidden_copy")
    elif variant == "estimator-renamed":
        rename_output(graph, "estimator_out", "velocity")
        add_extra_output(graph, "velocity", "velocity_copy")
    elif variant == "flow-encoder-low-rank":
        reroute(graph, "mask", "Squeeze", [[1]], [1, "frames"])
        reroute(graph, "spks", "Squeeze", [[0]], [80])
        reroute(graph, "cond", "Squeeze", [[0]], [80, "frames"])
        add_extra_output(graph, "mu", "mu_copy")
    elif variant == "flow-encoder-mask-rank4":
        reroute(graph, "mask", "Unsqueeze", [[1]], [1, 1, 1, "frames"])
    elif variant == "flow-encoder-trimmed":
        trim_frames(graph, 6)
    elif variant == "flow-encoder-short-2":
        trim_frames(graph, 2)
    else:
        sys.exit("unknown variant " + variant)
    onnx.checker.check_model(model)
    onnx.save(model, path)


if __name__ == "__main__":
    main()
