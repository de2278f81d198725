"""The config as the schema means it, and config errors as one line naming the key.

Standard library (and PyYAML, which Snakemake itself uses) only: Snakemake
calls these while it reads the workflow.
"""

from __future__ import annotations

import yaml


def load_schema(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def with_numbers(value, schema: dict):
    """``value`` with text turned into numbers where ``schema`` says number or integer.

    ``--config 'tokens={"seeds": [42]}'`` hands nested values to the workflow
    as text ('42'); a value that is not a number stays text, and the schema
    validation then names it.
    """
    kind = schema.get("type")
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
