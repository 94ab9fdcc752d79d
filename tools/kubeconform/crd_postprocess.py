#!/usr/bin/env python3
"""Post-pass over the CRD JSON schemas written by kubeconform's scripts/openapi2jsonschema.py.

Usage: crd_postprocess.py RAW_DIR OUT_DIR OBJECTMETA_SCHEMA

RAW_DIR holds flat files named "<full group>__<kind>_<version>.json" (FILENAME_FORMAT set by
ensure.sh). Each is fixed and written to OUT_DIR/<full group>/<kind>_<version>.json, the layout
kubeconform reads with "{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json".

Why a post-pass: the upstream script adds "additionalProperties": false to every object that has
"properties" (recursing through objects, not lists). That is the strictness we want, but it would
be wrong in two places, and it leaves metadata unchecked:

1. Objects marked "x-kubernetes-preserve-unknown-fields": true. The API server keeps unknown
   fields there, so strict validation must not reject them.
2. Sub-schemas under allOf/anyOf/oneOf/not. In a structural CRD schema those are extra value
   checks layered over the structural part; they may list a subset of the properties (Gateway
   spec.addresses items do), so "additionalProperties": false there rejects valid objects.
   Structural schemas forbid additionalProperties inside these junctors, so every such value was
   added by the generator and can be dropped safely. (kubeconform v0.8.0's script does not recurse
   into lists, so junctor branches come out untouched today; this guards against a bump.)
3. CRDs declare "metadata: {type: object}" only; the API server validates it as ObjectMeta. We
   put the core ObjectMeta schema (strict) in its place, so a typo such as metadata.label fails.

Standard library only; run with the venv's Python.
"""

import json
import os
import sys

JUNCTORS = ("allOf", "anyOf", "oneOf", "not")


def relax(node, in_junctor, stats):
    """Undo generator-added additionalProperties:false where the API server would allow more."""
    if isinstance(node, dict):
        if node.get("additionalProperties") is False and (
            in_junctor or node.get("x-kubernetes-preserve-unknown-fields") is True
        ):
            del node["additionalProperties"]
            stats["relaxed"] += 1
        for key, value in node.items():
            relax(value, in_junctor or key in JUNCTORS, stats)
    elif isinstance(node, list):
        for item in node:
            relax(item, in_junctor, stats)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: crd_postprocess.py RAW_DIR OUT_DIR OBJECTMETA_SCHEMA")
    raw_dir, out_dir, objectmeta_path = sys.argv[1:]

    with open(objectmeta_path, encoding="utf-8") as f:
        objectmeta = json.load(f)
    objectmeta.pop("$schema", None)  # it becomes a sub-schema, not a document

    stats = {"files": 0, "relaxed": 0, "metadata": 0}
    for name in sorted(os.listdir(raw_dir)):
        if not name.endswith(".json"):
            continue
        group, sep, rest = name.partition("__")
        if not sep or not group or not rest:
            sys.exit(f"crd_postprocess: unexpected file name {name!r}")
        with open(os.path.join(raw_dir, name), encoding="utf-8") as f:
            schema = json.load(f)

        relax(schema, False, stats)

        props = schema.get("properties", {})
        meta = props.get("metadata")
        if isinstance(meta, dict) and "properties" not in meta and "$ref" not in meta:
            props["metadata"] = objectmeta
            stats["metadata"] += 1

        target_dir = os.path.join(out_dir, group)
        os.makedirs(target_dir, exist_ok=True)
        target = os.path.join(target_dir, rest)
        if os.path.exists(target):
            sys.exit(f"crd_postprocess: two CRD files define {group}/{rest}")
        with open(target, "w", encoding="utf-8") as f:
            json.dump(schema, f, indent=1)
            f.write("\n")
        stats["files"] += 1

    if stats["files"] == 0:
        sys.exit("crd_postprocess: no CRD schemas were generated")
    print(
        "crd_postprocess: {files} schemas, {relaxed} additionalProperties relaxed, "
        "{metadata} metadata -> ObjectMeta".format(**stats)
    )


if __name__ == "__main__":
    main()
