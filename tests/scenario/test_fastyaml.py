"""The fast YAML reader gives the round-trip reader's values, or defers to it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml.nodes import ScalarNode as RuamelScalar

from isoflow.errors import ScenarioError
from isoflow.scenario.fastyaml import _resolve, _resolver, parse_fast, read_fast
from isoflow.scenario.load import load_scenario
from isoflow.scenario.yamlpos import parse_yaml

SMALL = Path(__file__).parent / "data" / "small.yaml"


def test_files_read_the_same(yaml_file: Path) -> None:
    path = yaml_file
    text = path.read_text(encoding="utf-8")
    fast = parse_fast(text)
    assert fast is not None
    assert fast == parse_yaml(text, path.name)[0]


@pytest.mark.parametrize(
    ("scalar", "value"),
    [
        ("12", 12),
        ("-3", -3),
        ("0", 0),
        ("1.5", 1.5),
        ("+2.", 2.0),
        ("1e5", 1e5),
        ("true", True),
        ("False", False),
        ("~", None),
        ("null", None),
        ("yes", "yes"),
        ("on", "on"),
        ("7 d", "7 d"),
        ("09:30", "09:30"),
        ("2025-08-04T00:00Z", "2025-08-04T00:00Z"),
        ("2025-08-04T09:00:00+09:00", datetime(2025, 8, 4, tzinfo=UTC)),
        ("2025-08-04T00:00:00Z", datetime(2025, 8, 4, tzinfo=UTC)),
    ],
)
def test_scalars_as_yaml_1_2(scalar: str, value: object) -> None:
    text = f"a: {scalar}\n"
    fast = parse_fast(text)
    slow = parse_yaml(text, "x.yaml")[0]
    assert fast == {"a": value} == slow
    assert isinstance(fast["a"], type(value))  # type: ignore[index]
    assert isinstance(slow["a"], type(value))
    if isinstance(value, datetime):
        assert fast["a"].utcoffset() == slow["a"].utcoffset()  # type: ignore[index]


@pytest.mark.parametrize(
    "scalar",
    [
        "012",  # octal in ruamel's reading
        "0x1f",
        "1_000",
        ".inf",
        "-.Inf",
        "2025-08-04T00:00:00",  # no offset
        "2025-08-04T00:00:00.5Z",
        "2025-08-04",  # a date
    ],
)
def test_other_plain_scalars_are_built_by_ruamel(scalar: str) -> None:
    text = f"a: {scalar}\n"
    fast = parse_fast(text)
    slow = parse_yaml(text, "x.yaml")[0]
    assert fast == slow
    assert type(fast["a"]) is type(slow["a"])  # type: ignore[index]


@pytest.mark.parametrize(
    "text",
    [
        "base: &b {x: 1}\nc:\n  <<: *b\n",
        "a: !!int 010\n",  # explicit tags take YAML 1.1 readings in LibYAML
        "a: !!str USD\n",
        "a: !!bool maybe\n",  # would raise inside PyYAML's constructor
        "%YAML 1.1\n---\na: on\n",  # a directive changes the rules
        "a: *nowhere\n",  # the round-trip reader names the undefined alias
        "? [a, b]\n: c\n",
        "a: 1\n---\nb: 2\n",
    ],
)
def test_defers_what_changes_the_rules(text: str) -> None:
    assert read_fast(text, "x.yaml").deferred
    assert parse_fast(text) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\na: 2\n", 'x.yaml:2: a: duplicate key "a" in one mapping; each key may appear once'),
        (
            "true: 1\nTrue: 2\n",  # the same key, spelled twice
            'x.yaml:2: True: duplicate key "True" in one mapping; each key may appear once',
        ),
        (
            "1: a\n1.0: b\n",
            'x.yaml:2: 1.0: duplicate key "1.0" in one mapping; each key may appear once',
        ),
        (
            "a: [1, 2\nb: 3\n",
            "x.yaml:2: YAML syntax error: did not find expected ',' or ']' (while parsing a "
            "flow sequence)",
        ),
        (
            "a: {b: 1",
            "x.yaml:1: YAML syntax error: did not find expected ',' or '}' (while parsing a "
            "flow mapping); the file ends before it is closed (cut short?)",
        ),
    ],
)
def test_errors_with_line(text: str, message: str) -> None:
    reading = read_fast(text, "x.yaml")
    assert [str(i) for i in reading.issues] == [message]
    assert reading.data is None
    assert parse_fast(text) is None


def test_empty_text_is_no_data() -> None:
    assert read_fast("", "x.yaml") == read_fast("# only a comment\n", "x.yaml")
    assert read_fast("", "x.yaml").data is None


def test_messages_keep_their_lines(tmp_path: Path) -> None:
    source = SMALL.read_text(encoding="utf-8").splitlines(keepends=True)
    line = next(i for i, t in enumerate(source) if t.lstrip().startswith("kind:"))
    source[line] = source[line].split("kind:")[0] + "kind: spaceport\n"
    bad = tmp_path / "bad.yaml"
    bad.write_text("".join(source), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(bad)
    assert f"bad.yaml:{line + 1}:" in str(info.value)


_scalars = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    st.text(alphabet="0123456789.+-_:eExoTZ ab", min_size=1, max_size=8),
    st.sampled_from(["true", "no", "Yes", "NULL", "~", ".5", "-.5", "1e3", "0b11"]),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True), _scalars, max_size=6))
def test_fast_reader_never_disagrees(mapping: dict[str, str]) -> None:
    text = "".join(f"{key}: {value}\n" for key, value in mapping.items())
    fast = parse_fast(text)
    slow, issues = parse_yaml(text, "x.yaml")
    if fast is not None:
        assert not issues
        assert fast == slow
        assert [_kind(v) for v in fast.values()] == [_kind(v) for v in slow.values()]


def _kind(value: object) -> type:
    """The plain type a value behaves as (ruamel returns subclasses such as ScalarInt)."""
    for kind in (bool, int, float, datetime, str):
        if isinstance(value, kind):
            return kind
    return type(value)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789.+-_:eExXoObBTZtrufalsnNyYi~<= ", max_size=10))
def test_resolver_table_agrees_with_ruamel(value: str) -> None:
    """The first-character table gives the tag ruamel's own ``resolve`` gives."""
    expected = str(_resolver.resolve(RuamelScalar, value, (True, False)))
    assert _resolve(value) == expected
