"""Importing an indicator set from .xlsx/.csv: checked as a whole, all or nothing, idempotent,
and never changing results that were already published (a new version instead)."""

import csv
import io
import json

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from assessments import importer
from assessments.defaults import DEFAULT_INDICATORS, ensure_default_set
from assessments.models import AssessmentSnapshot, Indicator, IndicatorSet, SubjectType
from assessments.services import snapshots
from liangge_zeren.actors import COMMAND, JOBS
from tests.assessments.conftest import QUARTER, YEAR

pytestmark = pytest.mark.django_db

HEADERS = list(importer.SHEET.headers)


def default_rows() -> list[list]:
    return [list(row) for row in importer._example_rows()]


def csv_bytes(rows, headers=HEADERS, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, headers=HEADERS, title="指标") -> bytes:
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = title
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def current_set(year=2027, subject=SubjectType.ORGANISATION):
    return IndicatorSet.objects.get(year=year, subject_type=subject, is_active=True)


# --- The happy path and idempotency -----------------------------------------------------


def test_it_the_template_imports_as_the_default_set_and_a_second_import_changes_nothing():
    data = importer.build_template()
    result = importer.import_file(data, "模板.xlsx", year=2027, actor=COMMAND)
    assert result.ok, result.errors
    assert result.applied and result.action == importer.CREATED and result.version == 1
    s = current_set()
    assert s.indicators.count() == len(DEFAULT_INDICATORS)
    d3 = s.indicators.get(code="D3")
    assert d3.rule_type == Indicator.RuleType.PER_MISS_DEDUCTION
    assert d3.params["weights"] == {"self_found": 0, "found_by_others": 1, "concealed": 2}
    assert s.light_thresholds == {"green": 85, "yellow": 70}

    history = Indicator.history.count()
    again = importer.import_file(data, "模板.xlsx", year=2027, actor=COMMAND)
    assert again.ok and again.action == importer.UNCHANGED and not again.changed
    assert again.counts["unchanged"] == len(DEFAULT_INDICATORS)
    assert Indicator.history.count() == history
    assert IndicatorSet.objects.filter(year=2027).count() == 1


def test_it_the_template_matches_the_seeded_default_set_exactly():
    ensure_default_set(2027)
    result = importer.import_file(importer.build_template(), "t.xlsx", year=2027, actor=COMMAND)
    assert result.ok and result.action == importer.UNCHANGED


def test_it_csv_with_english_values_gbk_and_curly_quotes_is_accepted():
    rows = [
        [
            "A1",
            "专题研究",
            "define",
            "40",
            "count_threshold",
            '{"input": "logs.committee_meeting", "threshold": 2}',
            "duty_logs",
            "",
        ],
        # Excel on a Chinese keyboard: typographic quotes, full-width colon and comma.
        [
            "A2",
            "监督检查",
            "督责",
            "60",
            "次数达标",
            "{“input”：“logs.supervision_visit”，“threshold”：1}",
            "履责纪实",
            "",
        ],
    ]
    result = importer.import_file(
        csv_bytes(rows, encoding="gb18030"),
        "指标.csv",
        year=2027,
        subject_type="team_member",
        actor=COMMAND,
    )
    assert result.ok, [str(e) for e in result.errors]
    s = current_set(subject=SubjectType.TEAM_MEMBER)
    a2 = s.indicators.get(code="A2")
    assert a2.dimension == Indicator.Dimension.SUPERVISE
    assert a2.params == {"input": "logs.supervision_visit", "threshold": 1}
    assert [i.code for i in s.indicators.order_by("order")] == ["A1", "A2"]  # file order


# --- Errors: the whole file is checked, nothing is written ------------------------------


def test_it_every_problem_is_reported_by_row_and_column_and_nothing_is_written():
    rows = default_rows()
    rows[0][2] = "考核"  # row 2: dimension
    rows[1][4] = "按人头扣分"  # row 3: rule type
    rows[2][5] = '{"input": "logs.study_session", "threshold": 3'  # row 4: broken JSON
    rows[3][5] = '{"input": "logs.report_review", "threshhold": 1}'  # row 5: typo in a key
    rows[4][5] = '{"input": "logs.checkins"}'  # row 6: unknown input (no check-in metrics)
    rows[5][0] = "L1"  # row 7: duplicate code
    rows[6][3] = "0"  # row 8: max score
    rows[7][3] = "150"  # row 9
    rows[8][6] = ""  # row 10: evidence source required
    rows[9][5] = '{"input": "democratic"}'  # row 11: a dict where the rule needs a count?
    rows[9][4] = "次数达标"
    result = importer.import_file(xlsx_bytes(rows), "bad.xlsx", year=2027, actor=COMMAND)
    assert not result.ok and not result.applied
    found = {(e.row, e.column) for e in result.errors}
    assert {
        (2, "维度"),
        (3, "计分规则"),
        (4, "规则参数"),
        (5, "规则参数"),
        (6, "规则参数"),
        (7, "指标编码"),
        (8, "分值"),
        (9, "分值"),
        (10, "数据来源"),
        (11, "规则参数"),
    } <= found
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert "不是可选的值" in messages[(2, "维度")]
    assert "JSON" in messages[(4, "规则参数")]
    assert "threshhold" in messages[(5, "规则参数")]
    assert "logs.checkins" in messages[(6, "规则参数")]
    assert "第 4 行已出现过" in messages[(7, "指标编码")]
    assert "分值应大于 0" in messages[(8, "分值")]
    assert "必须填写" in messages[(10, "数据来源")]
    assert str(result.errors[0]).startswith("指标 · 行 2 · 列 维度")
    assert not IndicatorSet.objects.filter(year=2027).exists()


def test_it_a_missing_column_and_an_empty_file_are_refused():
    headers = [h for h in HEADERS if h != "计分规则"]
    result = importer.import_file(csv_bytes([], headers=headers), "x.csv", year=2027, actor=COMMAND)
    assert any("缺少必填列“计分规则”" in e.message for e in result.errors)
    result = importer.import_file(csv_bytes([]), "x.csv", year=2027, actor=COMMAND)
    assert [e.message for e in result.errors] == ["文件中没有可导入的数据行。"]


def test_it_dry_run_reports_the_plan_and_writes_nothing():
    result = importer.import_file(
        importer.build_template(), "t.xlsx", year=2027, dry_run=True, actor=COMMAND
    )
    assert result.ok and result.action == importer.CREATED and not result.applied
    assert "试运行" in result.summary_lines()[0]
    assert not IndicatorSet.objects.filter(year=2027).exists()


# --- Versions: published results never change ------------------------------------------


def changed_rows():
    rows = [r for r in default_rows() if r[0] != "P3"]  # drop one indicator
    for row in rows:
        if row[0] == "L1":  # study sessions: 4 a quarter instead of 3
            row[5] = json.dumps({"input": "logs.study_session", "threshold": 4})
        if row[0] == "P2":
            row[3] = 10  # P3's 5 points move to P2
    return rows


def test_it_an_unused_set_is_updated_in_place():
    ensure_default_set(2027)
    before = current_set()
    result = importer.import_file(xlsx_bytes(changed_rows()), "x.xlsx", year=2027, actor=COMMAND)
    assert result.ok and result.action == importer.UPDATED
    assert result.counts == {"created": 0, "updated": 2, "unchanged": 11, "removed": 1}
    after = current_set()
    assert after.pk == before.pk and after.version == 1
    assert after.indicators.get(code="L1").params["threshold"] == 4
    assert not after.indicators.filter(code="P3").exists()


def test_it_a_set_used_by_a_published_snapshot_gets_a_new_version(quarter):
    cast = quarter.cast
    snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    county1 = AssessmentSnapshot.objects.get(org=cast.county1, year=YEAR, quarter=QUARTER)
    snapshots.publish_snapshot(county1, actor=cast.user("city1_secretary"))
    published = (county1.scores, county1.total, county1.inputs_sha256)
    v1 = county1.indicator_set

    result = importer.import_file(xlsx_bytes(changed_rows()), "x.xlsx", year=YEAR, actor=COMMAND)
    assert result.ok and result.action == importer.NEW_VERSION and result.version == 2
    v1.refresh_from_db()
    assert not v1.is_active and v1.indicators.count() == len(DEFAULT_INDICATORS)  # untouched
    v2 = current_set(year=YEAR)
    assert v2.version == 2 and v2.name == v1.name and v2.light_thresholds == v1.light_thresholds

    snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    county1 = AssessmentSnapshot.objects.get(pk=county1.pk)
    assert (county1.scores, county1.total, county1.inputs_sha256) == published
    assert county1.indicator_set_id == v1.pk and county1.indicator_set_version == 1
    county2 = AssessmentSnapshot.objects.get(org=cast.county2, year=YEAR, quarter=QUARTER)
    assert county2.indicator_set_version == 2 and "P3" not in county2.scores  # a draft

    # The same file again: nothing new.
    again = importer.import_file(xlsx_bytes(changed_rows()), "x.xlsx", year=YEAR, actor=COMMAND)
    assert (
        again.action == importer.UNCHANGED and IndicatorSet.objects.filter(year=YEAR).count() == 2
    )


# --- Command and admin page --------------------------------------------------------------


def test_it_the_management_command(tmp_path):
    good = tmp_path / "指标.xlsx"
    good.write_bytes(importer.build_template())
    out = io.StringIO()
    call_command("import_indicators", str(good), "--year", "2027", stdout=out)
    assert "新建 2027 年度" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["X1", "x", "明责", "abc", "有无", "", "履责纪实", ""]]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="没有写入任何数据"):
        call_command("import_indicators", str(bad), "--year", "2028", stderr=err)
    assert "列 分值" in err.getvalue()
    assert not IndicatorSet.objects.filter(year=2028).exists()


@pytest.fixture
def configurer(cast):
    user = cast.user("outsider")
    user.is_staff = True
    user.save()
    for codename in (
        "view_indicatorset",
        "add_indicatorset",
        "change_indicatorset",
        "view_indicator",
        "add_indicator",
        "change_indicator",
        "delete_indicator",
    ):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def test_it_the_admin_import_page_for_whoever_configures_indicator_sets(configurer, client_for):
    client = client_for(configurer)
    changelist = client.get(reverse("admin:assessments_indicatorset_changelist"))
    url = reverse("admin:assessments_indicatorset_import")
    assert url in changelist.content.decode()
    assert client.get(url).status_code == 200
    template = client.get(reverse("admin:assessments_indicatorset_import_template"))
    assert template["Content-Type"] == importer.XLSX_CONTENT_TYPE

    upload = SimpleUploadedFile("指标.xlsx", importer.build_template())
    response = client.post(url, {"file": upload, "year": 2027, "subject_type": "organisation"})
    assert response.status_code == 200
    assert "新建 2027 年度" in response.content.decode()
    s = current_set()
    assert s.history.first().history_user == configurer

    bad = SimpleUploadedFile(
        "x.csv", csv_bytes([["X1", "x", "明责", "5", "有无", "{", "履责纪实", ""]])
    )
    response = client.post(url, {"file": bad, "year": 2027, "subject_type": "organisation"})
    assert response.status_code == 400
    assert "不是有效的 JSON" in response.content.decode()
    assert current_set().indicators.count() == len(DEFAULT_INDICATORS)


def test_it_staff_without_the_configuration_permission_may_not_import(cast, client_for):
    user = cast.user("outsider")
    user.is_staff = True
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="view_indicatorset"))
    client = client_for(user)
    url = reverse("admin:assessments_indicatorset_import")
    assert client.get(url).status_code == 403
    upload = SimpleUploadedFile("指标.xlsx", importer.build_template())
    response = client.post(url, {"file": upload, "year": 2027, "subject_type": "organisation"})
    assert response.status_code == 403
    assert not IndicatorSet.objects.filter(year=2027).exists()
    changelist = client.get(reverse("admin:assessments_indicatorset_changelist"))
    assert url not in changelist.content.decode()


# --- The admin: a set in use is changed only through a new version ----------------------


def test_it_a_set_in_use_is_read_only_in_the_admin_and_copied_as_a_new_version(
    quarter, configurer, client_for
):
    snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    v1 = current_set(year=YEAR)
    client = client_for(configurer)
    page = client.get(reverse("admin:assessments_indicatorset_change", args=[v1.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="light_thresholds"' not in html  # read-only
    assert 'name="indicators-0-max_score"' not in html

    response = client.post(
        reverse("admin:assessments_indicatorset_changelist"),
        {"action": "copy_as_new_version", "_selected_action": [v1.pk]},
        follow=True,
    )
    assert response.status_code == 200
    v2 = current_set(year=YEAR)
    assert v2.version == 2 and v2.pk != v1.pk
    assert [i.code for i in v2.indicators.all()] == [i.code for i in v1.indicators.all()]
    v1.refresh_from_db()
    assert not v1.is_active
    html = client.get(reverse("admin:assessments_indicatorset_change", args=[v2.pk])).content
    assert b'name="indicators-0-max_score"' in html  # the copy is editable until used
