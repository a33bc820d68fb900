"""The official BODS v0.4 JSON schema (vendored under tests/data/bods/schema with its licence),
as a validator for the statements our writer and synthetic register produce."""

import functools
import gzip
import json
from pathlib import Path

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SCHEMA = Path(__file__).parent / "data" / "bods" / "schema"


@functools.cache
def statement_validator() -> Draft202012Validator:
    """A validator of one statement against `urn:statement#/$defs/Statement`, the other schema
    files resolved by their `urn:` ids, dates checked by format."""
    resources = []
    for path in sorted(SCHEMA.glob("*.json")):
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
    registry = Registry().with_resources(resources)
    root = json.loads((SCHEMA / "statement.json").read_text())
    one = {"$schema": root["$schema"], "$ref": "urn:statement#/$defs/Statement"}
    return Draft202012Validator(
        one, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def load_statements(path) -> list[dict]:
    """The statements of a BODS file: a JSON array, or JSON Lines; gzip when it ends in .gz."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        text = f.read()
    if text.lstrip().startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def validate_statements(statements: list[dict]) -> None:
    """Raises AssertionError naming the first statement (and the schema path) that fails."""
    validator = statement_validator()
    for i, statement in enumerate(statements):
        error = next(iter(validator.iter_errors(statement)), None)
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path)
            raise AssertionError(
                f"statement {i} ({statement.get('statementId')!r}) is not valid BODS 0.4"
                f" at {where or 'the top'}: {error.message}"
            )
