#!/usr/bin/env python3
"""The checksum, the metadata checksum and the content fingerprint of format-2 backup files,
implemented from docs/format.md alone ("Statistics and checksums", "Content fingerprint"), with
nothing but the Python standard library.

    python3 test/vectors/compute_vectors.py FILE...            # prints the results as JSON
    python3 test/vectors/compute_vectors.py --write OUT FILE... # writes them to OUT

Each FILE is a plain (uncompressed, unencrypted) format-2 document in any JSON layout. The results
are keyed by the file's name. test/vectors/expected.json is this script's output for the files in
test/vectors/ and two fixtures; test/unit/vectors.test.ts holds the library to it.
"""

import hashlib
import json
import math
import os
import re
import sys

MAX_SAFE = 2**53 - 1
MOD52 = 2**52
M32 = 0xFFFFFFFF


class Num:
    """A JSON number as written (its text), so that its type can be read from the text."""

    def __init__(self, text):
        self.text = text


def parse(text):
    if text.startswith("\ufeff"):
        text = text[1:]
    return json.loads(
        text,
        parse_int=Num,
        parse_float=Num,
        parse_constant=Num,
        object_pairs_hook=dict,
    )


# --- numbers --------------------------------------------------------------------------------------


def is_float_text(text):
    return bool(re.search(r"[.eE]", text)) or text in ("NaN", "Infinity", "-Infinity")


def js_value(num):
    """What JSON.parse (a JavaScript number, an IEEE double) makes of a number's text."""
    text = num.text
    if is_float_text(text):
        return float(text)
    value = int(text)
    return value if abs(value) <= MAX_SAFE else float(value)


def js_number_text(x):
    """Number::toString of ECMAScript: the shortest digits that round-trip, laid out as JS does."""
    if isinstance(x, int):
        return str(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) <= MAX_SAFE:
        return str(int(x))
    sign = "-" if x < 0 else ""
    mantissa, _, exponent = repr(abs(x)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    combined = whole + fraction
    point = len(whole) + (int(exponent) if exponent else 0)
    leading = len(combined) - len(combined.lstrip("0"))
    digits = combined.strip("0")
    n = point - leading  # value = 0.digits × 10^n
    k = len(digits)
    if k <= n <= 21:
        out = digits + "0" * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        body = digits if k == 1 else digits[0] + "." + digits[1:]
        out = body + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return sign + out


def property_value(value):
    """A value in a property position, in its typed-wrapper form (docs/format.md, "Values")."""
    if isinstance(value, Num):
        text = value.text
        if is_float_text(text):
            x = float(text)
            if math.isfinite(x) and not x.is_integer():
                return x
            return {"$float": "-0" if x == 0 and math.copysign(1, x) < 0 else js_number_text(x)}
        n = int(text)
        return n if abs(n) <= MAX_SAFE else {"$int": text}
    if isinstance(value, list):
        return [property_value(v) for v in value]
    if isinstance(value, dict):
        return plain(value)  # a typed wrapper: numbers in it are what JSON.parse reads
    return value


def plain(value):
    """A value outside property positions: numbers as JSON.parse reads them."""
    if isinstance(value, Num):
        return js_value(value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


# --- JSON.stringify in the canonical key order ----------------------------------------------------

ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def string_text(s):
    out = ['"']
    for ch in s:
        c = ord(ch)
        if ch in ESCAPES:
            out.append(ESCAPES[ch])
        elif c < 0x20 or 0xD800 <= c <= 0xDFFF:  # control characters, lone surrogates
            out.append("\\u%04x" % c)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def utf16_units(s):
    data = s.encode("utf-16-be", "surrogatepass")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def is_index_key(key):
    return re.fullmatch(r"0|[1-9][0-9]*", key) is not None and int(key) <= 4294967294


def canonical_keys(keys):
    index = sorted((k for k in keys if is_index_key(k)), key=int)
    other = sorted((k for k in keys if not is_index_key(k)), key=utf16_units)
    return index + other


def stringify(value, fixed_keys=None):
    """JSON.stringify: no whitespace; object keys in the canonical order (or `fixed_keys`)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return js_number_text(value) if isinstance(value, int) or math.isfinite(value) else "null"
    if isinstance(value, str):
        return string_text(value)
    if isinstance(value, list):
        return "[" + ",".join(stringify(v) for v in value) + "]"
    keys = fixed_keys if fixed_keys is not None else canonical_keys(value.keys())
    return "{" + ",".join(string_text(k) + ":" + stringify(value[k]) for k in keys) + "}"


def record_id(value):
    return js_value(value) if isinstance(value, Num) else value


def canonical_properties(record):
    return {k: property_value(v) for k, v in record["properties"].items()}


def node_line(record):
    body = {
        "_id": record_id(record["_id"]),
        "_labels": record["_labels"],
        "properties": canonical_properties(record),
    }
    return stringify(body, ["_id", "_labels", "properties"])


def relationship_line(record):
    body = {
        "_id": record_id(record["_id"]),
        "_type": record["_type"],
        "_start_id": record_id(record["_start_id"]),
        "_end_id": record_id(record["_end_id"]),
        "properties": canonical_properties(record),
    }
    return stringify(body, ["_id", "_type", "_start_id", "_end_id", "properties"])


def sha256_hex(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def checksum(data):
    nodes = "".join(node_line(r) + "\n" for r in data["nodes"])
    relationships = "".join(relationship_line(r) + "\n" for r in data["relationships"])
    return "sha256:" + sha256_hex(sha256_hex(nodes) + ":" + sha256_hex(relationships))


def metadata_checksum(metadata):
    return "sha256:" + sha256_hex(stringify(plain(metadata)))


# --- the content fingerprint ----------------------------------------------------------------------


def imul(x, y):
    return (x * y) & M32


def rotl(x, n):
    return ((x << n) | (x >> (32 - n))) & M32


def hash52(text):
    units = utf16_units(text)
    length = len(units)
    a = 0x811C9DC5 ^ length
    b = 0x2545F491 ^ imul(length, 0x9E3779B1)
    for c in units:
        a = imul(a ^ c, 0x01000193)
        b = imul(b ^ c, 0x5BD1E995)
        b ^= b >> 15
    a = imul(a ^ (a >> 16), 0x85EBCA6B)
    a = imul(a ^ (a >> 13), 0xC2B2AE35)
    a ^= a >> 16
    b = imul(b ^ (b >> 16), 0x7FEB352D)
    b = imul(b ^ (b >> 15), 0x846CA68B)
    b ^= b >> 16
    a = imul(a ^ b, 0x27D4EB2F)
    a ^= a >> 15
    return b * 2**20 + (a >> 12)


def mix_round(h, w):
    k = imul(rotl(imul(w, 0xCC9E2D51), 15), 0x1B873593)
    h ^= k
    return (imul(rotl(h, 13), 5) + 0xE6546B64) & M32


def finish(h):
    h = imul(h ^ (h >> 16), 0x85EBCA6B)
    h = imul(h ^ (h >> 13), 0xC2B2AE35)
    return h ^ (h >> 16)


def mix52(p, q, r):
    x, y = 0x9747B28C, 0x2545F491
    for v in (p, q, r):
        lo, hi = v % 2**32, v // 2**32
        x = mix_round(mix_round(x, lo), hi)
        y = mix_round(mix_round(y, hi), lo)
    x = finish(x ^ 24)
    y = finish(y ^ imul(x, 0x27D4EB2F))
    return y * 2**20 + (x >> 12)


UNKNOWN_END = 2**52 - 1


def hex13(v):
    return "%013x" % v


def fingerprint(data):
    node_hashes = {}
    total = 0
    by_label, by_type, label_counts, type_counts = {}, {}, {}, {}
    for r in data["nodes"]:
        labels = sorted(r["_labels"], key=utf16_units)
        h = hash52('["n",' + stringify(labels) + "," + stringify(canonical_properties(r)) + "]")
        node_hashes[json.dumps(record_id(r["_id"]))] = h
        total = (total + h) % MOD52
        for label in labels or [""]:
            by_label[label] = (by_label.get(label, 0) + h) % MOD52
        for label in labels:
            label_counts[label] = label_counts.get(label, 0) + 1
    for r in data["relationships"]:
        inner = hash52('["r",' + string_text(r["_type"]) + "," + stringify(canonical_properties(r)) + "]")
        start = node_hashes.get(json.dumps(record_id(r["_start_id"])), UNKNOWN_END)
        end = node_hashes.get(json.dumps(record_id(r["_end_id"])), UNKNOWN_END)
        h = mix52(inner, start, end)
        total = (total + h) % MOD52
        by_type[r["_type"]] = (by_type.get(r["_type"], 0) + h) % MOD52
        type_counts[r["_type"]] = type_counts.get(r["_type"], 0) + 1
    return {
        "nodes": len(data["nodes"]),
        "relationships": len(data["relationships"]),
        "labelCounts": label_counts,
        "typeCounts": type_counts,
        "total": hex13(total),
        "byLabel": {k: hex13(v) for k, v in by_label.items()},
        "byType": {k: hex13(v) for k, v in by_type.items()},
    }


def compute(path):
    with open(path, encoding="utf-8") as f:
        document = parse(f.read())
    return {
        "checksum": checksum(document["data"]),
        "metadata_checksum": metadata_checksum(document["metadata"]),
        "fingerprint": fingerprint(document["data"]),
    }


def sorted_deep(value):
    if isinstance(value, dict):
        return {k: sorted_deep(value[k]) for k in sorted(value)}
    return value


def main(argv):
    out = None
    if argv[:1] == ["--write"]:
        out, argv = argv[1], argv[2:]
    results = {os.path.basename(p): compute(p) for p in argv}
    text = json.dumps(sorted_deep(results), indent=2, ensure_ascii=False) + "\n"
    if out:
        with open(out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
