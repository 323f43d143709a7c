"""Checks deploy/k8s/*.yaml against the official Kubernetes Python client's
typed models: every field must be one the model knows, of the model's type
(the client's own deserializer ignores unknown fields and coerces types, so
this walk is stricter), then the document is built into the model, which
rejects missing required fields. Then the manifests must agree with each
other: the shard count, the volume claim, the results paths.

usage: python tests/k8s/check.py   (from anywhere; exits 1 on any problem)
"""
import copy
import pathlib
import re
import sys

import yaml
from kubernetes import client

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
KINDS = {("v1", "PersistentVolumeClaim"): "V1PersistentVolumeClaim",
         ("batch/v1", "Job"): "V1Job"}


def strict(data, klass, path):
    """Problems of `data` as a `klass` (a model name or 'List[..]' etc.)."""
    if klass.startswith("List["):
        if not isinstance(data, list):
            return [f"{path}: expected a list, got {type(data).__name__}"]
        return [p for i, d in enumerate(data) for p in strict(d, klass[5:-1], f"{path}[{i}]")]
    if klass.startswith("Dict["):
        if not isinstance(data, dict):
            return [f"{path}: expected a map, got {type(data).__name__}"]
        sub = re.match(r"Dict\[[^,]*, (.*)]", klass).group(1)
        return [p for k, v in data.items() for p in strict(v, sub, f"{path}.{k}")]
    primitive = {"str": str, "int": int, "bool": bool, "float": (int, float),
                 "datetime": str, "date": str}
    if klass == "object":
        return []
    if klass in primitive:
        ok = isinstance(data, primitive[klass]) and not (klass == "int" and isinstance(data, bool))
        return [] if ok else [f"{path}: expected {klass}, got {data!r}"]
    model = getattr(client.models, klass)
    if not isinstance(data, dict):
        return [f"{path}: expected a {klass} object, got {data!r}"]
    by_json = {json: attr for attr, json in model.attribute_map.items()}
    problems = []
    for key, value in data.items():
        if key not in by_json:
            problems.append(f"{path}.{key}: not a field of {klass} "
                            f"(it has: {', '.join(sorted(by_json))})")
        else:
            problems += strict(value, model.openapi_types[by_json[key]], f"{path}.{key}")
    return problems


def problems_of(doc, name):
    kind = KINDS.get((doc.get("apiVersion"), doc.get("kind")))
    if kind is None:
        return [f"{name}: apiVersion/kind {doc.get('apiVersion')}/{doc.get('kind')} is not one this check knows"]
    found = strict(doc, kind, name)
    if not found:
        try:
            client.ApiClient()._ApiClient__deserialize(doc, kind)
        except (ValueError, TypeError) as e:
            found.append(f"{name}: {e}")
    return found


def load(name):
    return yaml.safe_load((ROOT / "deploy/k8s" / name).read_text())


def main():
    docs = {n: load(n) for n in ["results-pvc.yaml", "sweep-job.yaml", "merge-job.yaml"]}
    problems = [p for n, d in docs.items() for p in problems_of(d, n)]

    # The checker itself: a misspelt field and a mistyped value must fail.
    bad = copy.deepcopy(docs["sweep-job.yaml"])
    bad["spec"]["completion"] = 8
    assert any("spec.completion: not a field" in p for p in problems_of(bad, "bad")), "unknown field passed"
    bad = copy.deepcopy(docs["sweep-job.yaml"])
    bad["spec"]["parallelism"] = "8"
    assert any("spec.parallelism: expected int" in p for p in problems_of(bad, "bad")), "mistyped field passed"
    bad = copy.deepcopy(docs["sweep-job.yaml"])
    del bad["spec"]["template"]
    assert problems_of(bad, "bad"), "a Job without a template passed"

    # The manifests agree with each other.
    pvc = docs["results-pvc.yaml"]["metadata"]["name"]
    sweep = docs["sweep-job.yaml"]["spec"]
    for n in ["sweep-job.yaml", "merge-job.yaml"]:
        pod = docs[n]["spec"]["template"]["spec"]
        claims = [v["persistentVolumeClaim"]["claimName"] for v in pod["volumes"]]
        if claims != [pvc]:
            problems.append(f"{n}: mounts {claims}, not the claim {pvc}")
    command = " ".join(sweep["template"]["spec"]["containers"][0]["args"])
    shards = re.search(r'--shard "\$\(\(JOB_COMPLETION_INDEX \+ 1\)\)/(\d+)"', command)
    if sweep.get("completionMode") != "Indexed":
        problems.append("sweep-job.yaml: completionMode must be Indexed")
    if not shards or int(shards.group(1)) != sweep["completions"]:
        problems.append(f"sweep-job.yaml: --shard …/N must equal completions ({sweep['completions']}): {command}")
    out = re.search(r'--out "(\S+)/shard-', command)
    merge = " ".join(docs["merge-job.yaml"]["spec"]["template"]["spec"]["containers"][0]["args"])
    if not out or f"merge {out.group(1)}/shard-*" not in merge:
        problems.append(f"merge-job.yaml merges other shards than sweep-job.yaml writes: {merge}")
    scenario = re.search(r"sweep (\S+\.json)", command).group(1)
    if not (ROOT / scenario).is_file():
        problems.append(f"sweep-job.yaml: {scenario} is not a shipped scenario")

    for p in problems:
        print(f"tests/k8s/check.py: {p}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"tests/k8s/check.py: {len(docs)} manifests valid as V1Job / V1PersistentVolumeClaim, "
          f"{sweep['completions']} shards, results on claim {pvc}", file=sys.stderr)


main()
