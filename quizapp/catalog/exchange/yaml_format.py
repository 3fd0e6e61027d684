"""The YAML bank format of content/ (content/README.md), read with the loader's own checks and written so
that export -> import -> export gives the identical file."""

import copy
import math
import re
from decimal import Decimal

import yaml

from quizapp.catalog import question_types
from quizapp.catalog.loading import read_bank_file
from quizapp.catalog.question_types import Flow as _Flow
from quizapp.catalog.question_types import FlowMap as _FlowMap

from . import ImportFile, Problem

_LOCATION = re.compile(r":(\d+)$")


class _Upload:
    """What `read_bank_file` needs of a path: its text and a name for messages."""

    def __init__(self, name: str, text: str):
        self.name, self._text = name, text

    def read_text(self, encoding="utf-8"):
        return self._text

    def __str__(self):
        return self.name


def read_yaml(text: str, *, sections: dict, name: str = "upload") -> ImportFile:
    """Check a bank file exactly as `load_content` does, against the site's sections (key -> SectionSpec
    with notes=None)."""
    result = ImportFile()
    sections = copy.deepcopy(sections)
    problems, seen = [], {}
    questions, flashcards, covered = read_bank_file(_Upload(name, text), sections, problems, seen)
    result.problems = [Problem(p.line, p.message) for p in problems]
    if result.problems:
        return result
    result.questions, result.flashcards = questions, flashcards
    for (item, key), where in seen.items():
        found = _LOCATION.search(where)
        result.lines[(item, key)] = int(found.group(1)) if found else 1
    result.notes = {leaf: sections[leaf].notes for leaf in covered if sections[leaf].notes is not None}
    return result


# --- Writing -------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)  # lists indented under their key, as content/ writes them


def _str(dumper, text):
    text = text.replace("\r\n", "\n")
    if "\n" in text:
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", text)


def _float(dumper, value):
    """A float as written, never in E notation (PyYAML writes 1e-05 as 1.0e-05): 0.00001, 33.33333."""
    if not math.isfinite(value):
        return dumper.represent_float(value)
    text = format(Decimal(repr(value)), "f") if value else "0"
    return dumper.represent_scalar("tag:yaml.org,2002:float", text if "." in text else text + ".0")


_Dumper.add_representer(str, _str)
_Dumper.add_representer(float, _float)
_Dumper.add_representer(_Flow, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))
_Dumper.add_representer(
    _FlowMap, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items(), flow_style=True)
)


def question_entry(key: str, content: dict) -> dict:
    entry = {"key": key, "type": content["type"], "difficulty": content["difficulty"]}
    if content["tags"]:
        entry["tags"] = _Flow(content["tags"])
    if content["status"] != "published":
        entry["status"] = content["status"]
    entry["prompt"] = content["prompt"]
    entry.update(question_types.get(content["type"]).yaml_entry(content))
    entry["explanation"] = content["explanation"]
    return entry


def flashcard_entry(card) -> dict:
    entry = {"key": card.key, "front": card.front, "back": card.back}
    if card.hint:
        entry["hint"] = card.hint
    if card.status != "published":
        entry["status"] = card.status
    return entry


def write_yaml(top_key: str, leaves) -> str:
    """`leaves`: (leaf key, notes, [(question key, question_content)], [Flashcard]) in document order."""
    entries = []
    for leaf, notes, questions, cards in leaves:
        entry = {"key": leaf}
        if notes:
            entry["notes"] = notes
        if questions:
            entry["questions"] = [question_entry(key, content) for key, content in questions]
        if cards:
            entry["flashcards"] = [flashcard_entry(card) for card in cards]
        entries.append(entry)
    return yaml.dump(
        {"section": top_key, "sections": entries},
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=10**6,
        default_flow_style=False,
    )


def write_section_map(tops) -> str:
    """`tops`: [(key, title, [(child key, child title)])]."""
    data = []
    for key, title, children in tops:
        entry = {"key": key, "title": title}
        if children:
            entry["children"] = [_FlowMap(key=k, title=t) for k, t in children]
        data.append(entry)
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10**6)
