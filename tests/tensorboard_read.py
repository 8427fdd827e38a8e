#!/usr/bin/python3
"""tensorboard_read.py [--records-only] RUN_DIR: reads a run's TensorBoard event files back, independently of
ppo's writer, and checks them against the run's progress.csv and config.yaml. Run by
tests/test_tensorboard.c; exits 0 when everything holds, else 1 naming the first fault.

Independent: the record framing and CRC-32C are read by the plain code below (its CRC checked
against the published check value), and the messages are decoded by Python's protobuf runtime
(Debian's python3-protobuf) from descriptors built here from TensorBoard's field numbers, not
from the .proto files ppo compiles.

Checks: every record's length CRC and data CRC; the first record of each file is file_version
"brain.Event:2"; each file holds the resolved config as text (the text plugin's DT_STRING
tensor with plugin_name "text"), the first one equal to config.yaml; and the scalars of all
files are exactly the non-empty fields of progress.csv: one per field at step = global_step,
under the tag TAGS names, equal to the field up to its 6 printed digits. --records-only checks
the records alone (CRCs, whole records, the file_version first), as after a failed write."""
import csv
import glob
import math
import os
import struct
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

# progress.csv's columns and the tags they are logged under (README "TensorBoard").
TAGS = {
    "update": "charts/update", "seconds": "charts/seconds", "sps": "charts/SPS",
    "episodes": "charts/episodes", "return_mean": "charts/episodic_return",
    "return_min": "charts/episodic_return_min", "return_max": "charts/episodic_return_max",
    "length_mean": "charts/episodic_length", "policy_loss": "losses/policy_loss",
    "value_loss": "losses/value_loss", "entropy": "losses/entropy", "approx_kl": "losses/approx_kl",
    "clipfrac": "losses/clipfrac", "explained_variance": "losses/explained_variance",
    "learning_rate": "charts/learning_rate", "grad_norm": "losses/grad_norm",
    "collapse": "charts/collapse", "eval_return": "charts/eval_return",
    "eval_return_std": "charts/eval_return_std", "eval_length": "charts/eval_length",
}


def crc32c(data):
    """CRC-32C (Castagnoli), bit by bit: reflected polynomial 0x82f63b78."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def masked(crc):
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def message_classes():
    """Event and what it holds, from TensorBoard's field numbers (event.proto, summary.proto,
    tensor.proto, tensor_shape.proto): only the fields ppo writes."""
    F = descriptor_pb2.FieldDescriptorProto
    f = descriptor_pb2.FileDescriptorProto(name="tbcheck.proto", package="tbcheck", syntax="proto3")

    def message(name, fields, parent=None):
        m = (parent.nested_type if parent else f.message_type).add(name=name)
        for fname, number, ftype, label, type_name in fields:
            fd = m.field.add(name=fname, number=number, type=ftype, label=label)
            if type_name:
                fd.type_name = type_name
        return m

    opt, rep = F.LABEL_OPTIONAL, F.LABEL_REPEATED
    message("Event", [("wall_time", 1, F.TYPE_DOUBLE, opt, None), ("step", 2, F.TYPE_INT64, opt, None),
                      ("file_version", 3, F.TYPE_STRING, opt, None),
                      ("summary", 5, F.TYPE_MESSAGE, opt, ".tbcheck.Summary")])
    summary = message("Summary", [("value", 1, F.TYPE_MESSAGE, rep, ".tbcheck.Summary.Value")])
    message("Value", [("tag", 1, F.TYPE_STRING, opt, None), ("simple_value", 2, F.TYPE_FLOAT, opt, None),
                      ("tensor", 8, F.TYPE_MESSAGE, opt, ".tbcheck.TensorProto"),
                      ("metadata", 9, F.TYPE_MESSAGE, opt, ".tbcheck.SummaryMetadata")], summary)
    meta = message("SummaryMetadata", [("plugin_data", 1, F.TYPE_MESSAGE, opt,
                                        ".tbcheck.SummaryMetadata.PluginData")])
    message("PluginData", [("plugin_name", 1, F.TYPE_STRING, opt, None),
                           ("content", 2, F.TYPE_BYTES, opt, None)], meta)
    message("TensorProto", [("dtype", 1, F.TYPE_INT32, opt, None),
                            ("tensor_shape", 2, F.TYPE_MESSAGE, opt, ".tbcheck.TensorShapeProto"),
                            ("string_val", 8, F.TYPE_BYTES, rep, None)])
    shape = message("TensorShapeProto", [("dim", 2, F.TYPE_MESSAGE, rep, ".tbcheck.TensorShapeProto.Dim")])
    message("Dim", [("size", 1, F.TYPE_INT64, opt, None)], shape)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    desc = pool.FindMessageTypeByName("tbcheck.Event")
    if hasattr(message_factory, "GetMessageClass"):  # protobuf 4.x
        return message_factory.GetMessageClass(desc)
    return message_factory.MessageFactory(pool).GetPrototype(desc)


def records(path):
    """The data of every record of the file, each CRC checked."""
    with open(path, "rb") as fh:
        buf = fh.read()
    at, out = 0, []
    while at < len(buf):
        if len(buf) - at < 12:
            raise ValueError(f"{path}: {len(buf) - at} bytes at offset {at}: a torn record header")
        header = buf[at:at + 8]
        (length,) = struct.unpack("<Q", header)
        (len_crc,) = struct.unpack("<I", buf[at + 8:at + 12])
        if len_crc != masked(crc32c(header)):
            raise ValueError(f"{path}: record {len(out)} at offset {at}: the length's CRC is wrong")
        data = buf[at + 12:at + 12 + length]
        if len(data) != length or at + 16 + length > len(buf):
            raise ValueError(f"{path}: record {len(out)} at offset {at}: torn ({length} bytes announced)")
        (data_crc,) = struct.unpack("<I", buf[at + 12 + length:at + 16 + length])
        if data_crc != masked(crc32c(data)):
            raise ValueError(f"{path}: record {len(out)} at offset {at}: the data's CRC is wrong")
        out.append(data)
        at += 16 + length
    return out


def close(got, want):
    """The float32 scalar against the field printed with 6 significant digits."""
    return math.isclose(got, want, rel_tol=2e-5, abs_tol=1e-37)


def check(run_dir, records_only):
    if crc32c(b"123456789") != 0xE3069283:
        raise ValueError("the reader's CRC-32C does not give the check value")
    Event = message_classes()
    files = sorted(glob.glob(os.path.join(run_dir, "events.out.tfevents.*")))
    if not files:
        raise ValueError(f"{run_dir}: no events.out.tfevents.* file")
    with open(os.path.join(run_dir, "config.yaml")) as fh:
        config = fh.read()
    scalars, n_records = {}, 0  # (tag, step) -> value
    for k, path in enumerate(files):
        recs = records(path)
        n_records += len(recs)
        first = Event.FromString(recs[0]) if recs else None
        if first is None or first.file_version != "brain.Event:2":
            raise ValueError(f"{path}: the first record is not file_version brain.Event:2")
        texts = []
        for data in recs[1:]:
            ev = Event.FromString(data)
            for v in ev.summary.value:
                if v.HasField("tensor"):
                    if v.metadata.plugin_data.plugin_name != "text" or v.tensor.dtype != 7:
                        raise ValueError(f"{path}: tag {v.tag}: a tensor that is not text (DT_STRING = 7)")
                    texts.append((v.tag, v.tensor.string_val[0].decode()))
                    continue
                if (v.tag, ev.step) in scalars:
                    raise ValueError(f"{path}: tag {v.tag} twice at step {ev.step}")
                scalars[(v.tag, ev.step)] = v.simple_value
        if records_only:
            continue
        if len(texts) != 1 or texts[0][0] != "config" or not texts[0][1].startswith("```yaml\n"):
            raise ValueError(f"{path}: expected one text 'config' (a YAML block), found {[t for t, _ in texts]}")
        if k == 0 and texts[0][1] != "```yaml\n" + config + "```\n":
            raise ValueError(f"{path}: the config text differs from config.yaml")
    if records_only:
        print(f"tensorboard_read: {len(files)} file(s), {n_records} whole records, CRCs right")
        return
    with open(os.path.join(run_dir, "progress.csv")) as fh:
        rows = list(csv.DictReader(fh))
    expected = 0
    for row in rows:
        step = int(row["global_step"])
        for column, tag in TAGS.items():
            field = row.get(column, "")
            got = scalars.pop((tag, step), None)
            if field == "":
                if got is not None:
                    raise ValueError(f"update {row['update']}: {tag} is {got} where progress.csv's {column} is empty")
                continue
            expected += 1
            if got is None:
                raise ValueError(f"update {row['update']}: no {tag} at step {step} ({column} is {field})")
            if not close(got, float(field)):
                raise ValueError(f"update {row['update']}: {tag} is {got}, progress.csv's {column} {field}")
    if scalars:
        (tag, step), value = next(iter(scalars.items()))
        raise ValueError(f"{len(scalars)} scalars not in progress.csv, e.g. {tag} = {value} at step {step}")
    print(f"tensorboard_read: {len(files)} file(s), {n_records} records, CRCs right; "
          f"{expected} scalars of {len(rows)} rows equal progress.csv; config text equals config.yaml")


if __name__ == "__main__":
    args = sys.argv[1:]
    only = args[:1] == ["--records-only"]
    if len(args) != 1 + only:
        sys.exit("usage: tensorboard_read.py [--records-only] RUN_DIR")
    try:
        check(args[-1], only)
    except (ValueError, OSError) as e:
        sys.exit(f"tensorboard_read: {e}")
