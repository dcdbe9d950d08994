"""Responsibility letters, the signature chain, verify_signatures, .docx output and reports."""

import datetime
import io

import docx
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from liangge_zeren.actors import COMMAND
from liangge_zeren.workflow import TransitionRefused
from responsibilities import gap_matrix, letters, services
from responsibilities.models import DutyReport, ResponsibilityLetter, Signature
from tests.responsibilities.dutyfix import end_and_replace, make_log

pytestmark = pytest.mark.django_db
PASSWORD = "cast-password-2026"
LS = ResponsibilityLetter.Status


@pytest.fixture
def letter(duty):
    return letters.generate_letter(
        signee=duty.tenure("county1_member"),
        issuer=duty.tenure("county1_secretary"),
        year=duty.year,
        actor=duty.cast.user("county1_secretary"),
    )


def sign(duty, letter, who, password, ip=None):
    """`who` of the cast signs with `password`; the signer is the write's actor."""
    user = duty.cast.user(who)
    return letters.sign_letter(letter, user=user, password=password, ip=ip, actor=user)


def sign_both(duty, letter):
    sign(duty, letter, "county1_secretary", PASSWORD, ip="10.0.0.1")
    letter.refresh_from_db()
    sign(duty, letter, "county1_member", PASSWORD, ip="10.0.0.2")
    letter.refresh_from_db()
    return letter


def test_it_a_letter_freezes_the_signees_items(duty, letter):
    texts = [i["content"] for i in letter.content["items"]]
    assert duty.items["talk"].content in texts
    assert duty.items["c1_overlap"].content in texts  # lead on a collective item
    assert duty.items["c1_gap"].content not in texts
    assert letter.title == "党风廉政建设责任书"
    assert letter.content_sha256 == letters.content_hash(letter.content)


def test_it_issuer_then_signee_sign_with_their_passwords(duty, letter):
    with pytest.raises(ValidationError):  # signee cannot go first
        sign(duty, letter, "county1_member", PASSWORD)
    with pytest.raises(ValidationError):
        sign(duty, letter, "county1_secretary", "wrong")
    assert not Signature.objects.exists()
    letter = sign_both(duty, letter)
    assert letter.status == LS.SIGNED
    first, second = letter.signatures.order_by("pk")
    assert (first.role, second.role) == ("issuer", "signee")
    assert second.prev_sha256 == first.chain_sha256
    assert second.ip == "10.0.0.2"
    with pytest.raises(ValidationError):
        sign(duty, letter, "county1_member", PASSWORD)


def test_it_verify_signatures_passes_on_an_intact_chain(duty, letter, capsys):
    sign_both(duty, letter)
    call_command("verify_signatures")
    assert "OK: 2 signatures" in capsys.readouterr().out


def test_it_verify_signatures_detects_a_tampered_letter_text(duty, letter, capsys):
    sign_both(duty, letter)
    content = letter.content
    content["items"][0]["content"] = "篡改后的条目"
    ResponsibilityLetter.objects.filter(pk=letter.pk).update(content=content)
    checked, breaks = letters.verify_chains()
    assert checked == 2
    assert {b.problem for b in breaks} == {"letter content differs from what was signed"}
    with pytest.raises(CommandError):
        call_command("verify_signatures")
    assert "BREAK" in capsys.readouterr().out


def test_it_verify_signatures_detects_an_altered_signature_row(duty, letter):
    sign_both(duty, letter)
    first = Signature.objects.order_by("pk").first()
    Signature.objects.filter(pk=first.pk).update(ip="1.2.3.4", signer_tenure=first.signer_tenure)
    assert letters.verify_chains()[1] == []  # ip is not part of the chain
    Signature.objects.filter(pk=first.pk).update(signed_at=first.signed_at.replace(year=2020))
    problems = {b.problem for b in letters.verify_chains()[1]}
    assert "signature row was altered (chain hash mismatch)" in problems


def test_it_a_changed_letter_is_a_new_version_signed_again(duty, letter):
    letter = sign_both(duty, letter)
    new = letters.revise_letter(letter, actor=duty.cast.user("county1_secretary"))
    assert (new.version, new.status, new.previous_version) == (2, LS.DRAFTED, letter)
    letter.refresh_from_db()
    assert letter.status == LS.SIGNED  # stays valid until the new version is signed
    sign_both(duty, new)
    letter.refresh_from_db()
    assert letter.status == LS.SUPERSEDED
    assert letters.verify_chains()[1] == []


def test_it_a_signees_departure_supersedes_the_letter_and_the_successor_gets_a_new_one(
    duty, letter
):
    sign_both(duty, letter)
    successor = end_and_replace(duty.cast, "county1_member", "新任成员")
    letter.refresh_from_db()
    assert letter.status == LS.SUPERSEDED
    new = ResponsibilityLetter.objects.get(signee_tenure=successor)
    assert new.status == LS.DRAFTED and new.issuer_tenure == duty.tenure("county1_secretary")
    # The successor took over the collective items the predecessor was assigned.
    texts = [i["content"] for i in new.content["items"]]
    assert duty.items["c1_overlap"].content in texts
    assert (
        not duty.items["c1_overlap"]
        .assignments.filter(tenure=duty.tenure("county1_member"))
        .exists()
    )


def test_it_a_secretarys_departure_hands_the_post_to_the_successor(duty):
    old = letters.generate_letter(
        signee=duty.tenure("county1_secretary"),
        issuer=duty.tenure("city1_secretary"),
        year=duty.year,
        actor=duty.cast.user("city1_secretary"),
    )
    successor = end_and_replace(duty.cast, "county1_secretary", "新任书记")
    old.refresh_from_db()
    assert old.status == LS.SUPERSEDED
    new = ResponsibilityLetter.objects.get(signee_tenure=successor)
    assert new.title == "全面从严治党主体责任书"
    assert new.content["signee"]["name"] == "新任书记"


def test_it_an_ended_tenure_without_successor_leaves_a_gap(duty):
    services.end_tenure(
        duty.tenure("county1_member"),
        timezone.localdate() - datetime.timedelta(days=1),
        "调离",
        actor=COMMAND,
    )
    matrix = gap_matrix.gap_matrix(duty.cast.county1, duty.year)
    assert duty.items["c1_overlap"] not in matrix.items_with_several_leads
    assert duty.items["talk"] in matrix.items_without_lead


def test_it_letters_can_be_switched_off(duty, settings):
    settings.RESPONSIBILITY_LETTERS_ENABLED = False
    with pytest.raises(ValidationError):
        letters.generate_letter(
            signee=duty.tenure("county1_member"),
            issuer=duty.tenure("county1_secretary"),
            year=duty.year,
            actor=duty.cast.user("county1_secretary"),
        )


def test_it_the_letter_docx_is_an_official_layout(duty, letter):
    sign_both(duty, letter)
    document = docx.Document(io.BytesIO(letters.letter_docx(letter)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert document.paragraphs[0].text == "党风廉政建设责任书"
    assert "承诺方:一号县 班子成员 陈晓梅" in text
    assert duty.items["talk"].content in text
    assert letter.content_sha256 in text
    cells = [c.text for row in document.tables[0].rows for c in row.cells]
    assert "陈晓梅(已电子签名)" in cells


def test_it_reports_are_prefilled_submitted_and_acknowledged(duty):
    make_log(duty)
    report = letters.draft_report(
        org=duty.cast.county1,
        year=duty.year,
        tenure=duty.tenure("county1_member"),
        actor=duty.cast.user("county1_member"),
    )
    assert "谈心谈话 1 次" in report.content
    assert duty.items["visit"].content in report.content
    assert (
        letters.draft_report(
            org=duty.cast.county1,
            year=duty.year,
            tenure=duty.tenure("county1_member"),
            actor=duty.cast.user("county1_member"),
        )
        == report
    )
    letters.update_report(
        report,
        title=report.title,
        content=report.content + "\n补充",
        actor=duty.cast.user("county1_member"),
    )
    letters.submit_report(report, actor=duty.cast.user("county1_member"))
    with pytest.raises(TransitionRefused):
        letters.update_report(
            report, title="x", content="y", actor=duty.cast.user("county1_member")
        )
    letters.acknowledge_report(
        report,
        by=duty.tenure("county1_secretary"),
        comment="已阅",
        actor=duty.cast.user("county1_secretary"),
    )
    assert report.status == DutyReport.Status.ACKNOWLEDGED
    document = docx.Document(io.BytesIO(letters.report_docx(report)))
    assert document.paragraphs[0].text == report.title


def test_it_the_committee_report_counts_the_whole_unit(duty):
    make_log(duty)
    report = letters.draft_report(
        org=duty.cast.county1, year=duty.year, actor=duty.cast.user("county1_secretary")
    )
    assert report.tenure is None
    assert "一号县" in report.title and "共承担责任条目 6 项" in report.content
