"""Policy files: the lossless HuJSON document over the core's corpus, and the safe
read-modify-write (`update_policy_file`) against the fake tailnet, including two concurrent
editors and the allow-all guard."""

from __future__ import annotations

import asyncio
import copy
import pickle
import threading
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

import tailnet
from tailnet import AsyncClient, Client, PolicyDocument, PolicyEditError

from conftest import API_KEY, REPO, Fake

CORPUS = sorted((REPO / "core" / "tests" / "policies").glob("*.hujson"))
RULE = {"action": "accept", "src": ["group:new"], "dst": ["tag:new:443"]}


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")  # not read_text: CRLF must stay CRLF


def comments(text: str) -> List[str]:
    out = []
    for line in text.splitlines():
        for marker in ("//", "/*"):
            i = line.find(marker)
            if i >= 0:
                out.append(line[i:].rstrip())
    return out


def replaced_region(before: str, after: str) -> str:
    """The part of `before` an edit replaced: between the common prefix and the common suffix."""
    prefix = 0
    while prefix < min(len(before), len(after)) and before[prefix] == after[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(before), len(after)) - prefix and before[-1 - suffix] == after[-1 - suffix]:
        suffix += 1
    return before[prefix : len(before) - suffix]


def test_the_corpus_is_there() -> None:
    assert len(CORPUS) >= 6, CORPUS


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_parse_then_write_is_byte_identical(path: Path) -> None:
    text = read(path)
    doc = PolicyDocument(text)
    assert doc.text == text and str(doc) == text
    assert PolicyDocument.parse(text) == doc
    assert isinstance(doc.to_json(), dict)
    view = doc.view()
    assert isinstance(view, tailnet.PolicyView)
    assert view.to_dict() == doc.to_json(), "the typed view drops nothing"
    again = pickle.loads(pickle.dumps(doc))
    assert again == doc and again.text == text
    assert copy.deepcopy(doc).text == text and doc.copy() == doc
    assert repr(doc) == f"PolicyDocument(<{len(text.encode())} bytes>)"


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_edits_touch_only_their_target_and_keep_every_comment(path: Path) -> None:
    text = read(path)
    original = PolicyDocument(text)
    before = original.to_json()

    doc = original.copy()
    doc.push(["acls"], RULE)
    expected = copy.deepcopy(before)
    expected.setdefault("acls", []).append(RULE)
    assert doc.to_json() == expected
    assert comments(doc.text) == comments(text)
    replaced = replaced_region(text, doc.text)
    assert "//" not in replaced and "/*" not in replaced and len(replaced) < 16, replaced
    assert original.text == text, "edits of a copy leave the original alone"

    doc = original.copy()
    doc.set(["tagOwners", "tag:ci"], ["group:ops"])
    expected = copy.deepcopy(before)
    expected.setdefault("tagOwners", {})["tag:ci"] = ["group:ops"]
    assert doc.to_json() == expected
    assert doc.get(["tagOwners", "tag:ci"]) == ["group:ops"]
    assert comments(doc.text) == comments(text)
    if "tag:ci" in before.get("tagOwners", {}):
        replaced = replaced_region(text, doc.text)
        assert "tag:prod" in replaced and len(replaced) < 40, replaced

    doc = original.copy()
    removed = doc.remove(("hosts", "db-primary"))
    assert removed == ("db-primary" in before.get("hosts", {}))
    if not removed:
        assert doc.text == text
    else:
        expected = copy.deepcopy(before)
        del expected["hosts"]["db-primary"]
        assert doc.to_json() == expected and "// the office" in doc.text
        assert doc.get(["hosts", "db-primary"]) is None


SMALL = '{\n  // rules\n  "acls": [\n    {"action": "accept", "src": ["a"], "dst": ["b:*"]}, // first\n  ],\n  "custom": {"x": 1},\n}\n'


def test_paths_values_and_errors() -> None:
    doc = PolicyDocument(SMALL)
    doc.set(["acls", "0", "src"], ["group:x"])
    assert doc.get(["acls", 0, "src"]) == ["group:x"]
    assert "// first" in doc.text and "// rules" in doc.text
    assert doc.get(["nope"], "fallback") == "fallback" and doc.get(["acls", "9"]) is None
    assert doc.get([]) == doc.to_json()

    with pytest.raises(PolicyEditError) as info:
        doc.set(["acls", "7", "src"], [])
    err = info.value
    assert isinstance(err, ValueError) and isinstance(err, tailnet.TailnetError)
    assert err.path == ["acls", "7", "src"] and err.kind == "path"
    assert '["acls","7","src"]' in str(err)

    for bad in ("tagOwners.tag:ci", b"acls", {"acls": 1}, None):
        with pytest.raises(TypeError):
            doc.get(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        doc.set(["acls", 1.5], 1)  # type: ignore[list-item]
    with pytest.raises(TypeError):
        doc.remove(["acls", -1])
    with pytest.raises(PolicyEditError) as info2:
        doc.set(["x"], object())
    assert info2.value.path == ["x"] and info2.value.kind == "value"
    with pytest.raises(PolicyEditError):
        doc.remove([])
    with pytest.raises(PolicyEditError) as info3:
        PolicyDocument("{'single': 1}")
    assert info3.value.path is None and info3.value.kind == "parse"
    with pytest.raises(PolicyEditError) as info4:
        PolicyDocument("[1, 2]")
    assert info4.value.kind == "not_an_object"

    # Keys with dots and colons are plain keys.
    doc.set(["hosts", "db.example.com"], "100.64.0.9")
    doc.set(["tagOwners", "tag:ci"], ["autogroup:admin"])
    assert doc.to_json()["hosts"] == {"db.example.com": "100.64.0.9"}
    assert doc.get(["tagOwners", "tag:ci"]) == ["autogroup:admin"]

    # Model and datetime values are converted to JSON.
    doc.set(["acls", "0"], tailnet.models.AclRule(action="accept", src=["*"], dst=["*:*"]))
    assert doc.get(["acls", "0"]) == {"action": "accept", "src": ["*"], "dst": ["*:*"]}
    assert doc.has_access_rules()
    assert doc.remove(["acls"]) and not doc.has_access_rules()


def test_policy_errors_are_the_cores_policy_kind_as_policy_edit_error() -> None:
    """Every failure is the core's `policy` kind raised as exactly `PolicyEditError` (never a
    `BuildError`), with the core's variant, path, reason and message."""
    doc = PolicyDocument(SMALL)
    cases = [
        (lambda: doc.set(["acls", "7", "src"], []), "path", ["acls", "7", "src"], "index 7 does not exist", 'cannot edit ["acls","7","src"]: index 7 does not exist'),
        (lambda: doc.remove([]), "path", [], "the path is empty", "cannot edit []: the path is empty"),
        (lambda: doc.push(["acls", "0"], 1), "path", ["acls", "0"], "is not an array", 'cannot edit ["acls","0"]: is not an array'),
        (lambda: PolicyDocument("[1, 2]"), "not_an_object", None, "the policy's top level must be an object", "the policy's top level must be an object"),
    ]
    for action, kind, path, reason, message in cases:
        with pytest.raises(PolicyEditError) as info:
            action()
        err = info.value
        assert type(err) is PolicyEditError and not isinstance(err, tailnet.BuildError), repr(err)
        assert (err.kind, err.path, err.reason, str(err)) == (kind, path, reason, message)
    with pytest.raises(PolicyEditError) as parse:
        PolicyDocument("{'single': 1}")
    assert type(parse.value) is PolicyEditError and parse.value.kind == "parse" and parse.value.path is None
    assert str(parse.value) == f"the policy is not valid HuJSON: {parse.value.reason}"
    with pytest.raises(PolicyEditError) as value:
        doc.set(["tagOwners", "tag:ci"], {1, 2})
    assert type(value.value) is PolicyEditError and value.value.kind == "value" and value.value.path == ["tagOwners", "tag:ci"]
    assert str(value.value) == f'cannot edit ["tagOwners","tag:ci"]: {value.value.reason}'


def test_a_policy_read_that_is_not_an_object_ends_the_update_with_policy_edit_error() -> None:
    """The core's `PolicyUpdate` reports a read it cannot parse as its `policy` kind."""

    class NotAnObject:
        def send(self, request: Any) -> tailnet.Response:
            assert request.method == "GET", "nothing is written"
            return tailnet.Response(200, [("content-type", "application/hujson"), ("etag", '"e1"')], b"[1, 2]")

    with Client(API_KEY, base_url="https://api.example", transport=NotAnObject()) as client:
        with pytest.raises(PolicyEditError) as info:
            client.update_policy_file(lambda doc: None)
    assert type(info.value) is PolicyEditError and info.value.kind == "not_an_object" and info.value.path is None


def test_typed_view_keeps_unknown_sections() -> None:
    view = PolicyDocument(SMALL).view()
    acls = view.acls or []
    assert isinstance(acls[0], tailnet.models.AclRule) and acls[0].src == ["a"]
    assert view.extra == {"custom": {"x": 1}}
    assert view.grants is None
    with pytest.raises(PolicyEditError):
        PolicyDocument('{"acls": {"not": "a list"}}').view()


# ----- update_policy_file against the fake tailnet -------------------------------------------

SEEDED = (
    "// Team policy: keep this comment.\n{\n  \"acls\": [\n    // everyone to everything, for now\n"
    "    {\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"*:*\"]},\n  ],\n  \"tagOwners\": {},\n}\n"
)


def seed(fake: Fake) -> None:
    with Client(API_KEY, base_url=fake.url) as client:
        current = client.get_policy_file()
        client.set_policy_file(policy=SEEDED, if_match=current.etag)
    fake.control("DELETE", "/_fake/requests")


def acl_writes(fake: Fake) -> List[Dict[str, Any]]:
    return [r for r in fake.requests() if r["method"] == "POST" and r["path"].endswith("/acl")]


def check_both_edits_landed(fake: Fake, final: str) -> None:
    assert '"tag:alpha"' in final and '"tag:beta"' in final, final
    assert "// Team policy: keep this comment." in final and "// everyone to everything, for now" in final
    writes = acl_writes(fake)
    # alpha's first write (stale ETag, 412), beta's write, alpha's re-applied write.
    assert len(writes) == 3, writes
    if_matches = [w["headers"].get("if-match") for w in writes]
    assert if_matches[0] == if_matches[1], "both editors wrote against the ETag they both read"
    assert if_matches[2] != if_matches[0], "the re-applied write carries the new ETag"
    assert fake.violations() == []


def test_two_concurrent_editors_threads(fake: Fake) -> None:
    seed(fake)
    alpha_editing = threading.Event()
    beta_done = threading.Event()
    calls: Dict[str, int] = {"alpha": 0, "beta": 0}
    results: Dict[str, Any] = {}

    def alpha_edit(doc: PolicyDocument) -> None:
        calls["alpha"] += 1
        doc.set(["tagOwners", "tag:alpha"], ["autogroup:admin"])
        if calls["alpha"] == 1:
            alpha_editing.set()
            assert beta_done.wait(10), "beta never finished"

    def beta_edit(doc: PolicyDocument) -> None:
        calls["beta"] += 1
        doc.set(["tagOwners", "tag:beta"], ["autogroup:admin"])

    def run(name: str, edit: Any) -> None:
        try:
            with Client(API_KEY, base_url=fake.url) as client:
                results[name] = client.update_policy_file(edit)
        except BaseException as exc:  # surfaced by the asserts below
            results[name] = exc
        finally:
            if name == "beta":
                beta_done.set()

    alpha = threading.Thread(target=run, args=("alpha", alpha_edit))
    alpha.start()
    assert alpha_editing.wait(10)
    beta = threading.Thread(target=run, args=("beta", beta_edit))
    beta.start()
    beta.join(20)
    alpha.join(20)
    assert isinstance(results["alpha"], tailnet.PolicyFile), results
    assert isinstance(results["beta"], tailnet.PolicyFile), results
    assert calls == {"alpha": 2, "beta": 1}, "alpha lost the race and re-applied its edit once"
    with Client(API_KEY, base_url=fake.url) as client:
        final = client.get_policy_file()
    assert final.policy == results["alpha"].policy and final.etag == results["alpha"].etag
    check_both_edits_landed(fake, final.policy)


def test_two_concurrent_editors_asyncio(fake: Fake) -> None:
    seed(fake)

    async def main() -> Tuple[Any, Any, int]:
        alpha_editing = asyncio.Event()
        beta_done = asyncio.Event()
        alpha_calls = 0

        async def alpha_edit(doc: PolicyDocument) -> None:  # a coroutine editor
            nonlocal alpha_calls
            alpha_calls += 1
            doc.set(["tagOwners", "tag:alpha"], ["autogroup:admin"])
            if alpha_calls == 1:
                alpha_editing.set()
                await asyncio.wait_for(beta_done.wait(), 10)

        def beta_edit(doc: PolicyDocument) -> None:  # a plain function editor
            doc.set(["tagOwners", "tag:beta"], ["autogroup:admin"])

        async with AsyncClient(API_KEY, base_url=fake.url) as client:

            async def beta() -> Any:
                await alpha_editing.wait()
                try:
                    return await client.update_policy_file(beta_edit)
                finally:
                    beta_done.set()

            a, b = await asyncio.gather(client.update_policy_file(alpha_edit), beta())
        return a, b, alpha_calls

    a, b, alpha_calls = asyncio.run(main())
    assert isinstance(a, tailnet.PolicyFile) and isinstance(b, tailnet.PolicyFile)
    assert alpha_calls == 2
    check_both_edits_landed(fake, a.policy)


def test_allow_all_guard_unchanged_and_attempt_limit(fake: Fake) -> None:
    seed(fake)
    with Client(API_KEY, base_url=fake.url) as client:
        with pytest.raises(tailnet.BuildError) as info:
            client.update_policy_file(lambda doc: doc.remove(["acls"]))
        assert "allows all traffic" in str(info.value) and info.value.parameter == "policy"
        assert acl_writes(fake) == [], "the guard refuses before anything is sent"

        unchanged = client.update_policy_file(lambda doc: None)
        assert unchanged.policy == SEEDED and acl_writes(fake) == []

        written = client.update_policy_file(lambda doc: doc.remove(["acls"]), allow_allow_all=True)
        assert "acls" not in PolicyDocument(written.policy).to_json()
        assert "// Team policy: keep this comment." in written.policy

        # Edit errors propagate unchanged, nothing is written.
        with pytest.raises(PolicyEditError):
            client.update_policy_file(lambda doc: doc.push(["tagOwners"], 1))
        with pytest.raises(ZeroDivisionError):
            client.update_policy_file(lambda doc: 1 / 0)
        with pytest.raises(tailnet.BuildError):
            client.update_policy_file(lambda doc: None, max_attempts=0)

        # Another writer wins every time: max_attempts reads, then the 412 (on a policy with acls again).
        seed(fake)
        attempts = 0

        def always_loses(doc: PolicyDocument) -> None:
            nonlocal attempts
            attempts += 1
            doc.set(["tagOwners", "tag:loser"], [f"attempt-{attempts}@example.com"])
            with Client(API_KEY, base_url=fake.url) as other:
                other.update_policy_file(lambda d: d.set(["tagOwners", "tag:winner"], [f"w{attempts}@example.com"]))

        with pytest.raises(tailnet.PreconditionFailedError):
            client.update_policy_file(always_loses, max_attempts=3)
        assert attempts == 3


def test_replace_default_only(fake: Fake) -> None:
    with Client(API_KEY, base_url=fake.url) as client:
        first = client.update_policy_file(lambda doc: doc.set(["tagOwners", "tag:first"], ["autogroup:admin"]), replace_default_only=True)
        assert '"tag:first"' in first.policy
        assert [w["headers"].get("if-match") for w in acl_writes(fake)] == ['"ts-default"']
        with pytest.raises(tailnet.PreconditionFailedError):
            client.update_policy_file(lambda doc: doc.set(["tagOwners", "tag:second"], ["autogroup:admin"]), replace_default_only=True, max_attempts=2)
        assert len(acl_writes(fake)) == 3


def test_max_attempts_must_be_a_positive_integer() -> None:
    class NeverCalled:
        def send(self, request: Any) -> Any:
            raise AssertionError("nothing is sent when the options are refused")

    with Client(API_KEY, base_url="https://api.example", transport=NeverCalled()) as client:
        for bad in (0, -1, True, 2.0, "3"):
            with pytest.raises(tailnet.BuildError) as info:
                client.update_policy_file(lambda doc: None, max_attempts=bad)  # type: ignore[arg-type]
            # The core's canonical (camelCase) name, as for `retry.maxAttempts` (`BuildError.parameter`).
            assert info.value.parameter == "maxAttempts"
