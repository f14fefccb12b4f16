"""`ivr flows check` and the loader: every problem reported with file, line, node and key."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli.main import cli
from ivr.flow.flowset import load_flow_set
from ivr.flow.problems import FlowConfigError
from tests.hotline import ROOT

Edit = Callable[[str, str, str], None]


@pytest.fixture
def copy(tmp_path: Path) -> tuple[Path, Path]:
    flows, prompts = tmp_path / "flows", tmp_path / "prompts"
    shutil.copytree(ROOT / "flows", flows)
    shutil.copytree(ROOT / "prompts", prompts)
    return flows, prompts


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems(flows: Path, prompts: Path) -> list[str]:
    with pytest.raises(FlowConfigError) as caught:
        load_flow_set(flows, prompts)
    return [str(p) for p in caught.value.problems]


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def test_the_shipped_flows_pass() -> None:
    flow_set = load_flow_set(ROOT / "flows", ROOT / "prompts")
    assert {"hotline", "outage", "repair", "bill", "complaint", "person", "callback"} <= set(
        flow_set.flows
    )
    assert len(flow_set.version) == 12


def test_misspelt_target_names_file_line_node_and_suggests(copy: tuple[Path, Path]) -> None:
    flows, prompts = copy
    edit(flows / "repair.yaml", "next: create\n", "next: craete\n")
    line = line_of(flows / "repair.yaml", "next: craete")
    assert problems(flows, prompts) == [
        f"{flows / 'repair.yaml'}:{line}: node 'home_only': next: "
        "unknown node 'craete' (did you mean 'create'?)"
    ]


def test_unknown_node_type_and_key(copy: tuple[Path, Path]) -> None:
    flows, prompts = copy
    edit(flows / "bill.yaml", "type: menu", "type: meun")
    edit(flows / "outage.yaml", "    tries: 2\n", "    tires: 2\n")
    found = problems(flows, prompts)
    assert any("bill.yaml" in p and "unknown node type 'meun' (did you mean 'menu'?)" in p
               for p in found)
    assert any("outage.yaml" in p and "node 'nothing_known': tires: unknown key "
               "(did you mean 'tries'?)" in p for p in found)


def test_a_prompt_missing_in_one_language(copy: tuple[Path, Path]) -> None:
    flows, prompts = copy
    edit(prompts / "en-US.yaml", "goodbye: Thank you for calling. Goodbye.\n", "")
    found = problems(flows, prompts)
    assert any(p.startswith(f"{prompts / 'zh-CN.yaml'}:") and "goodbye: missing in en-US.yaml"
               in p for p in found)


def test_a_flow_naming_an_unknown_prompt(copy: tuple[Path, Path]) -> None:
    flows, prompts = copy
    edit(flows / "complaint.yaml", "prompt: complaint_created", "prompt: complaint_create")
    (found,) = problems(flows, prompts)
    assert "node 'say_ticket': prompt: unknown prompt 'complaint_create' " \
           "(did you mean 'complaint_created'?)" in found


def test_unreachable_node(copy: tuple[Path, Path]) -> None:
    flows, prompts = copy
    with (flows / "complaint.yaml").open("a", encoding="utf-8") as f:
        f.write("\n  orphan:\n    type: hangup\n")
    (found,) = problems(flows, prompts)
    assert found.endswith("node 'orphan': unreachable: no path leads here from start")


def test_an_input_with_no_timeout_path(copy: tuple[Path, Path]) -> None:
    flows, prompts = copy
    edit(flows / "hotline.yaml", "    on_fail: to_general\n", "")
    found = problems(flows, prompts)
    assert any("node 'main_menu': on_fail: missing" in p for p in found)


def test_an_action_outcome_that_goes_nowhere(copy: tuple[Path, Path]) -> None:
    flows, prompts = copy
    edit(flows / "bill.yaml", ", no_bills: say_no_bills}", "}")
    found = problems(flows, prompts)
    assert any("outcome 'no_bills' of action 'bill_summary' goes nowhere" in p for p in found)


def test_yaml_syntax_error_gives_the_line(copy: tuple[Path, Path]) -> None:
    flows, prompts = copy
    edit(flows / "person.yaml", "    outcomes: {manager: offer_manager, queue: to_queue}",
         "    outcomes: {manager: offer_manager, queue: to_queue")
    (found,) = problems(flows, prompts)
    assert found.startswith(f"{flows / 'person.yaml'}:")
    assert "YAML syntax" in found


def test_unknown_queue_and_value_kind(copy: tuple[Path, Path]) -> None:
    flows, prompts = copy
    edit(flows / "complaint.yaml", "queue: complaint", "queue: complaints")
    edit(prompts / "en-US.yaml", "{ticket_number:digits}. We", "{ticket_number:digts}. We")
    found = problems(flows, prompts)
    assert any("node 'to_complaint': queue: unknown queue 'complaints'" in p for p in found)
    assert any("placeholder 'ticket_number': unknown kind 'digts'" in p for p in found)


def test_cli_exit_codes(copy: tuple[Path, Path]) -> None:
    flows, prompts = copy
    runner = CliRunner()
    ok = runner.invoke(cli, ["flows", "check", "--flows-dir", str(flows),
                             "--prompts-dir", str(prompts)])
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("ok: 18 flows")
    edit(flows / "repair.yaml", "next: create\n", "next: craete\n")
    bad = runner.invoke(cli, ["flows", "check", "--flows-dir", str(flows),
                              "--prompts-dir", str(prompts)])
    assert bad.exit_code == 1
    assert "did you mean 'create'?" in bad.output


# --- variables: every value a node reads is set on some path to it ----------------------------


def test_bill_figures_said_where_no_path_looked_them_up(copy: tuple[Path, Path]) -> None:
    flows, prompts = copy
    # The greeting comes before any bill lookup on every path: the figures are not there yet.
    edit(flows / "hotline.yaml", "    prompt: greeting\n", "    prompt: bill_summary\n")
    line = line_of(flows / "hotline.yaml", "    prompt: bill_summary")
    where = f"{flows / 'hotline.yaml'}:{line}: node 'greeting': prompt: prompt 'bill_summary'"
    assert problems(flows, prompts) == [
        f"{where} says '{{{value}}}', which no path to this node sets"
        for value in ("balance", "bill_amount", "bill_due", "bill_kwh")
    ]


def test_a_branch_on_a_variable_nothing_sets(copy: tuple[Path, Path]) -> None:
    flows, prompts = copy
    edit(flows / "repair.yaml", "var: ticket_linked_outage", "var: ticket_linked_outgae")
    line = line_of(flows / "repair.yaml", "var: ticket_linked_outgae")
    assert problems(flows, prompts) == [
        f"{flows / 'repair.yaml'}:{line}: node 'linked': var: "
        "variable 'ticket_linked_outgae' is not set on any path to this node"
    ]


def test_a_queue_variable_nothing_sets(copy: tuple[Path, Path]) -> None:
    flows, prompts = copy
    edit(flows / "person.yaml", 'queue: "{person_queue}"', 'queue: "{persn_queue}"')
    line = line_of(flows / "person.yaml", "persn_queue")
    assert problems(flows, prompts) == [
        f"{flows / 'person.yaml'}:{line}: node 'to_queue': queue: "
        "variable 'persn_queue' is not set on any path to this node"
    ]


def test_a_work_order_number_read_before_any_work_order(copy: tuple[Path, Path]) -> None:
    flows, prompts = copy
    # Reading the number back is fine after the ticket node; at the greeting there is none yet.
    edit(flows / "hotline.yaml", "    prompt: greeting\n", "    prompt: ticket_created\n")
    line = line_of(flows / "hotline.yaml", "    prompt: ticket_created")
    found = problems(flows, prompts)
    assert (f"{flows / 'hotline.yaml'}:{line}: node 'greeting': prompt: prompt 'ticket_created' "
            "says '{ticket_number}', which no path to this node sets") in found


def test_a_value_set_by_a_flow_authors_set_node_counts(copy: tuple[Path, Path]) -> None:
    flows, prompts = copy
    # `person_queue` comes from YAML in the bill flow; without choose_person it must still pass.
    flow_set = load_flow_set(flows, prompts)
    assert "person" in flow_set.flows
    edit(flows / "person.yaml", 'queue: "{person_queue}"', 'queue: "{fault_type}"')
    # fault_type is set by the repair flow's set nodes, which reach the person flow by goto.
    assert load_flow_set(flows, prompts).version != flow_set.version


# --- the knowledge base: flows/knowledge/*.yaml ------------------------------------------------


def test_an_answer_missing_in_one_language(copy: tuple[Path, Path]) -> None:
    flows, prompts = copy
    answers = flows / "knowledge" / "common.yaml"
    text = answers.read_text(encoding="utf-8")
    start = text.index("  en-US: >-\n    Our business offices")
    answers.write_text(text[:start], encoding="utf-8")
    line = line_of(answers, "office_hours:")
    assert problems(flows, prompts) == [
        f"{answers}:{line}: office_hours: missing the answer in en-US"
    ]


def test_an_answer_in_an_unknown_language_or_empty(copy: tuple[Path, Path]) -> None:
    flows, prompts = copy
    answers = flows / "knowledge" / "common.yaml"
    edit(answers, "  en-US: >-\n    You can pay", "  en-UK: >-\n    You can pay")
    edit(answers, "tariffs:\n  zh-CN: >-\n", "tariffs:\n  zh-CN: ''\n  zh-XX: >-\n")
    found = problems(flows, prompts)
    pay = line_of(answers, "en-UK")
    assert (f"{answers}:{pay}: how_to_pay.en-UK: unknown language 'en-UK' "
            "(did you mean 'en-US'?)") in found
    topic = line_of(answers, "how_to_pay:")
    assert f"{answers}:{topic}: how_to_pay: missing the answer in en-US" in found
    empty = line_of(answers, "zh-CN: ''")
    assert f"{answers}:{empty}: tariffs.zh-CN: expected a non-empty answer" in found


def test_a_flow_naming_an_unknown_topic_and_a_topic_no_flow_speaks(
    copy: tuple[Path, Path]
) -> None:
    flows, prompts = copy
    edit(flows / "enquiry.yaml", "topic: tariffs,", "topic: tarifs,")
    answers = flows / "knowledge" / "common.yaml"
    assert problems(flows, prompts) == [
        f"{flows / 'enquiry.yaml'}:{line_of(flows / 'enquiry.yaml', 'topic: tarifs')}: "
        "node 'tariffs': topic: unknown topic 'tarifs' (did you mean 'tariffs'?) "
        "(topics are in knowledge/*.yaml)",
        f"{answers}:{line_of(answers, 'tariffs:')}: tariffs: not referenced from any flow "
        "(no answer node names this topic)",
    ]


def test_a_topic_defined_twice(copy: tuple[Path, Path]) -> None:
    flows, prompts = copy
    extra = flows / "knowledge" / "more.yaml"
    extra.write_text("office_hours:\n  zh-CN: 周一至周五。\n  en-US: Weekdays.\n",
                     encoding="utf-8")
    (found,) = problems(flows, prompts)
    assert found.startswith(f"{extra}:1: office_hours: topic 'office_hours' is also defined at "
                            f"{flows / 'knowledge' / 'common.yaml'}:")


def test_cli_reports_a_bad_knowledge_file(copy: tuple[Path, Path]) -> None:
    flows, prompts = copy
    answers = flows / "knowledge" / "common.yaml"
    edit(answers, "how_to_pay:\n", "how_to_pay: [\n")
    bad = CliRunner().invoke(cli, ["flows", "check", "--flows-dir", str(flows),
                                   "--prompts-dir", str(prompts)])
    assert bad.exit_code == 1
    assert f"{answers}:" in bad.output and "YAML syntax" in bad.output


def test_record_keywords_in_an_unknown_language(copy: tuple[Path, Path]) -> None:
    flows, prompts = copy
    edit(flows / "complaint.yaml", "      en-US: [bill,", "      en-UK: [bill,")
    (found,) = problems(flows, prompts)
    line = line_of(flows / "complaint.yaml", "keywords:")
    assert found == (f"{flows / 'complaint.yaml'}:{line}: node 'message': keywords: unknown "
                     "language 'en-UK' (languages: zh-CN, en-US)")
