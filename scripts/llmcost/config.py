"""The config as the schema means it, and config errors as one line naming the key.

Standard library (and PyYAML, which Snakemake itself uses) only: Snakemake
calls these while it reads the workflow.
"""

from __future__ import annotations

import os

import yaml

#: The config's path settings: folders, and the router files' patterns (``{dataset}`` in them).
PATH_SETTINGS = (("output",), ("tokens", "runs"), ("routing", "logits"), ("routing", "router"))


def load_schema(path: str) -> dict:
    """The config schema (read at every Snakemake start: libyaml's parser where PyYAML has it,
    the same document as ``yaml.safe_load`` in a tenth of its 0.06 s)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)


def with_numbers(value, schema: dict):
    """``value`` with text turned into numbers where ``schema`` says number or integer, and
    'null' into None where it allows null.

    ``--config 'tokens={"seeds": [42]}'`` hands nested values to the workflow
    as text ('42'); a value that is not a number stays text, and the schema
    validation then names it.
    """
    kind = schema.get("type")
    if isinstance(kind, list):  # [string, "null"]: the router patterns
        return None if "null" in kind and value == "null" else value
    if kind == "object" and isinstance(value, dict):
        properties, extra = schema.get("properties", {}), schema.get("additionalProperties")
        return {key: with_numbers(item, properties.get(key, extra if isinstance(extra, dict) else {}))
                for key, item in value.items()}
    if kind == "array" and isinstance(value, list):
        return [with_numbers(item, schema.get("items", {})) for item in value]
    if kind in ("number", "integer") and isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        if kind == "integer":
            return int(number) if number.is_integer() else value
        return int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number
    return value


def canonical_path(path: str) -> str:
    """One spelling of a path: ``~`` expanded; ``.``, ``..``, repeated and trailing slashes
    resolved as text (no link is followed); relative to the working directory when inside it,
    else absolute. ``./data//runs/``, ``data/runs``, ``~/project/data/runs`` (from the
    project) and its absolute path all mean ``data/runs``, so none of them reruns a job or
    gives the output folder another build area."""
    absolute = os.path.abspath(os.path.expanduser(path))
    if absolute.startswith("//"):  # POSIX keeps a leading '//' (implementation-defined): one '/'
        absolute = "/" + absolute.lstrip("/")
    relative = os.path.relpath(absolute)
    return absolute if relative == ".." or relative.startswith("../") else relative


def canonical_run_choice(choice: dict) -> dict:
    """``tokens.run_choice`` with its seed folders and run folders (relative paths) in one spelling."""
    def clean(path: str) -> str:
        return os.path.normpath(path).lstrip("/") if path.strip("/") else path
    return {clean(seed): clean(run) for seed, run in choice.items()}


def with_canonical_paths(config: dict) -> dict:
    """``config`` (validated, so every section is there) with each path setting in one spelling."""
    config = {key: dict(value) if isinstance(value, dict) else value for key, value in config.items()}
    for keys in PATH_SETTINGS:
        section = config
        for key in keys[:-1]:
            section = section[key]
        if section[keys[-1]] is not None:  # the router patterns are null without routing data
            section[keys[-1]] = canonical_path(section[keys[-1]])
    config["tokens"]["run_choice"] = canonical_run_choice(config["tokens"]["run_choice"])
    return config


def schema_error_message(config: dict, schema: dict) -> str:
    """Why ``config`` fails ``schema``, as ``config key.path: what is wrong`` (jsonschema's
    best match; Snakemake's own message is the validator's whole report)."""
    import jsonschema

    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(config))
    if error is None:
        return "the config does not match workflow/schemas/config.schema.yaml."
    where = ".".join(str(part) for part in error.absolute_path)
    return (f"config {where or '(top level)'}: {error.message}. See the comments in config.yaml "
            f"and workflow/schemas/config.schema.yaml for the allowed keys and values.")
