"""How the headers of a file map to the fields of a kind of file (declared in fields.py).

Headers are compared normalised: lower case, accents, punctuation and repeated spaces removed,
so "N° apprenant", "n apprenant" and "N°  Apprenant" are the same header.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata

from data_access.importing.fields import KINDS, FieldSpec


def normalise(text: object) -> str:
    """Lower case, no accents, no punctuation, single spaces: 'N° Élève' -> 'n eleve'."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFKD", str(text)).replace("°", " ").replace("º", " ")
    value = "".join(c for c in value if not unicodedata.combining(c)).lower()
    value = re.sub(r"[^0-9a-z]+", " ", value)
    return re.sub(r"\s+", " ", value).strip()


def normalised_synonyms(spec: FieldSpec) -> frozenset[str]:
    """The field's label and synonyms, normalised (once per field)."""
    return _normalised(spec.label, spec.synonyms)


@functools.cache
def _normalised(label: str, synonyms: tuple[str, ...]) -> frozenset[str]:
    return frozenset(normalise(s) for s in (label, *synonyms))


_ALL_SYNONYMS: frozenset[str] = frozenset(
    s for specs in KINDS.values() for spec in specs for s in normalised_synonyms(spec)
)


def fields_of(kind: str) -> dict[str, FieldSpec]:
    return {spec.name: spec for spec in KINDS[kind]}


def is_known_header(text: object) -> bool:
    """True when the cell reads like a header of some kind of file."""
    return normalise(text) in _ALL_SYNONYMS


def _field_for(header: str, specs: tuple[FieldSpec, ...]) -> str | None:
    key = normalise(header)
    if not key:
        return None
    for spec in specs:  # exact labels first, then synonyms, in the kind's order
        if key == normalise(spec.label):
            return spec.name
    for spec in specs:
        if key in normalised_synonyms(spec):
            return spec.name
    return None


def guess_mapping(headers: list[str], kind: str) -> dict[str, str]:
    """Header as written -> field name, for the headers recognised (each field used once)."""
    specs = KINDS[kind]
    mapping: dict[str, str] = {}
    for header in headers:
        name = _field_for(header, specs)
        if name is not None and name not in mapping.values():
            mapping[header] = name
    return mapping


def guess_kind(headers: list[str]) -> str | None:
    """The kind whose fields the headers match best (None when nothing matches)."""
    best: tuple[int, str] | None = None
    for kind, specs in KINDS.items():
        mapped = set(guess_mapping(headers, kind).values())
        required = {s.name for s in specs if s.required}
        score = 3 * len(mapped & required) + len(mapped - required) - 2 * len(required - mapped)
        if kind == "staff" and any(
            _field_for(h, (fields_of("learners")["learner_id"],)) for h in headers
        ):  # a learner identifier means the rows are about learners
            score -= 10
        if mapped and (best is None or score > best[0]):
            best = (score, kind)
    return best[1] if best else None


def headers_signature(headers: list[str]) -> str:
    """A fingerprint of a file layout: its normalised headers, in order."""
    joined = "\x1f".join(normalise(h) for h in headers)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def mapping_to_json(mapping: dict[str, str]) -> str:
    return json.dumps(mapping, ensure_ascii=False, sort_keys=True)


def mapping_from_json(text: str) -> dict[str, str]:
    value = json.loads(text)
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def field_from_user(kind: str, text: str) -> str | None:
    """A field named by the user (its English name or its French label), or None."""
    specs = KINDS[kind]
    key = normalise(text)
    for spec in specs:
        if text.strip() == spec.name or key == normalise(spec.label):
            return spec.name
    return _field_for(text, specs)


def missing_required(kind: str, mapping: dict[str, str]) -> list[FieldSpec]:
    used = set(mapping.values())
    return [s for s in KINDS[kind] if s.required and s.name not in used]
