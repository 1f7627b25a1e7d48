"""Hostile milestone files: aliases ("billion laughs"), depth, size, node count, huge values.
Each is refused with a short message and nothing is saved."""

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from curriculum import milestones
from curriculum.models import MilestoneSet
from tests.curriculum.test_milestones import as_yaml_document, small_set

# The classic: nine lists of nine aliases, 9**9 "lol"s once expanded, in a few hundred bytes.
BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)
ALIASES_REFUSED = (
    "YAML anchors and aliases (&name, *name) are not allowed in a milestone file; "
    "write each value out in full"
)


def messages_of(content: str, file_format: str = "yaml") -> list[str]:
    with pytest.raises(ValidationError) as caught:
        milestones.parse(content, file_format)
    return caught.value.messages


def post_file(client, ours, name: str, content: str):
    client.force_login(ours.director)
    upload = SimpleUploadedFile(name, content.encode(), content_type="application/octet-stream")
    return client.post(f"/programs/{ours.program.pk}/milestones/import/", {"file": upload})


def test_billion_laughs_is_refused_before_it_expands():
    assert len(BILLION_LAUGHS) < 500
    assert messages_of(BILLION_LAUGHS) == [f"line 1: {ALIASES_REFUSED}"]


def test_billion_laughs_upload_gets_a_small_page_and_saves_nothing(client, ours):
    response = post_file(client, ours, "lol.yaml", BILLION_LAUGHS)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "YAML anchors and aliases (&amp;name, *name) are not allowed" in page
    assert len(response.content) < 20 * 1024
    assert MilestoneSet.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ("specialty: &name Pain Medicine\n", 1),  # an anchor alone is refused too
        ("specialty: Pain\nversion: *v\n", 2),  # an alias to nothing is refused, not a crash
        ("a: [1, 2]\nb: &list\n  - 1\n", 2),
    ],
)
def test_any_anchor_or_alias_is_refused_with_its_line(content, line):
    assert messages_of(content) == [f"line {line}: {ALIASES_REFUSED}"]


def test_a_valid_set_still_imports_under_the_limits():
    data = small_set(subcompetencies=milestones.MAX_SUBCOMPETENCIES - 1)  # + 1 ICS
    assert milestones.parse(milestones.dump_yaml(data), "yaml") == data


def test_a_document_nested_too_deep_is_refused():
    depth = milestones.MAX_YAML_DEPTH
    assert messages_of("a: " + "[" * depth + "]" * depth) == [
        f"line 1: nested more than {depth} levels deep"
    ]
    # One level less is fine as YAML (and then refused as a set, not for its depth).
    shallow = messages_of("a: " + "[" * (depth - 1) + "]" * (depth - 1))
    assert not any("nested" in message for message in shallow)


def test_a_document_with_too_many_values_is_refused():
    content = "specialty: [" + ", ".join(["1"] * (milestones.MAX_YAML_NODES + 1)) + "]\n"
    assert len(content.encode()) < milestones.MAX_FILE_BYTES
    assert messages_of(content) == [
        f"line 1: the file has more than {milestones.MAX_YAML_NODES} values"
    ]


def test_a_document_too_large_is_refused_with_the_limit(client, ours):
    document = as_yaml_document(small_set())
    document["competencies"][0]["subcompetencies"][0]["summary"] = "x" * (300 * 1024)
    content = yaml.safe_dump(document)
    assert messages_of(content) == [
        "The file is larger than 256 KB, the limit for a milestone file."
    ]
    response = post_file(client, ours, "big.yaml", content)
    assert "The file is larger than 256 KB, the limit for a milestone file." in (
        response.content.decode()
    )
    assert len(response.content) < 20 * 1024
    assert MilestoneSet.objects.count() == 0


def test_a_huge_value_is_quoted_back_cut_short(client, ours):
    document = as_yaml_document(small_set())
    huge = "q" * 10_000
    document["effective_date"] = huge
    document["competencies"][0]["code"] = "Z" * 10_000
    document["competencies"][0]["subcompetencies"][0]["seed_domains"] = [huge]
    document[huge] = "an unknown key"
    messages = messages_of(yaml.safe_dump(document, width=20_000))
    quoting = [message for message in messages if "qqq" in message or "ZZZ" in message]
    assert len(quoting) >= 4
    for message in quoting:
        assert "q" * 79 + "…" in message or "Z" * 79 + "…" in message
        assert "q" * 80 not in message and "Z" * 80 not in message
        assert len(message) < 400  # a message names at most a few values, each cut short
    response = post_file(client, ours, "huge.yaml", yaml.safe_dump(document, width=20_000))
    assert "q" * 79 + "…" in response.content.decode()
    assert len(response.content) < 20 * 1024
    assert MilestoneSet.objects.count() == 0


def test_a_non_text_value_is_quoted_back_cut_short():
    (message, *_) = messages_of("specialty: [" + ", ".join(["1"] * 5000) + "]\n")
    assert message.startswith("top level: specialty must be text, not [1, 1, 1")
    assert message.endswith("…") and len(message) < 150


def test_values_python_cannot_build_are_refused_not_a_crash():
    document = as_yaml_document(small_set())
    content = yaml.safe_dump(document, sort_keys=False).replace("2015-07-01", "2015-13-45")
    assert messages_of(content) == ["line 3: '2015-13-45' is not a date such as 2022-07-01"]
    (message,) = messages_of("specialty: " + "9" * 5000 + "\n")
    assert message.startswith("line 1: the number '999")
    assert message.endswith("…' is too long") and len(message) < 150


def test_a_file_full_of_problems_lists_the_first_fifty():
    document = as_yaml_document(small_set())
    for number in range(200):
        document[f"stray{number:03}"] = 1
    messages = messages_of(yaml.safe_dump(document))
    assert len(messages) == milestones.MAX_PROBLEMS + 1
    assert messages[0] == "top level: unknown key 'stray000'"
    assert messages[-1] == "… and 150 more problems not listed."
