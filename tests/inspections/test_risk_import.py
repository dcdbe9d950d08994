"""Risk factors imported from Excel per unit and year; 生成专项检查 from the ranking (issue 16)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inspections import risk, risk_import
from inspections.models import InspectionRound, RiskProfile
from liangge_zeren.spreadsheets import WorkbookWriter

from .fixtures import TODAY

pytestmark = pytest.mark.django_db
HEADERS = risk_import.SHEET.headers


def xlsx(rows) -> bytes:
    book = WorkbookWriter()
    sheet = book.sheet("风险因素")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    return book.to_bytes()


GOOD = [
    ("T-K1", "一号县", TODAY.year, 3, 4, 6, 1, 5, ""),
    ("T-K2", "二号县", TODAY.year, 9, 1, 2, 3, "", "含上年结转"),
]


def post(client, cast, data):
    return client.post(
        f"{reverse('inspections:risk_import')}?org={cast.city1.pk}",
        {"file": SimpleUploadedFile("风险.xlsx", data)},
    )


def test_it_imports_the_factors_per_unit_and_year(cast, client_for):
    client = client_for(cast.user("city1_jw"))
    response = post(client, cast, xlsx(GOOD))
    assert response.status_code == 200
    assert (response.context["result"].created, response.context["result"].updated) == (2, 0)
    k1 = RiskProfile.objects.get(org=cast.county1, year=TODAY.year)
    assert (k1.petitions, k1.audit_issues, k1.funds_density, k1.case_incidence) == (3, 4, 6, 1)
    assert k1.power_concentration == 5
    k2 = RiskProfile.objects.get(org=cast.county2, year=TODAY.year)
    assert (k2.power_concentration, k2.notes) == (0, "含上年结转")
    rows = risk.ranking(cast.city1, TODAY.year, risk.default_weights())
    assert {r.org.code: r.values["audit_issues"] for r in rows} == {"T-K1": 4, "T-K2": 1}


def test_it_re_importing_the_same_file_changes_nothing(cast, client_for):
    client = client_for(cast.user("city1_jw"))
    post(client, cast, xlsx(GOOD))
    history = RiskProfile.history.count()
    response = post(client, cast, xlsx(GOOD))
    result = response.context["result"]
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert RiskProfile.history.count() == history


def test_it_every_bad_row_is_reported_and_nothing_is_written(cast, client_for):
    client = client_for(cast.user("city1_jw"))
    rows = [
        ("T-K1", "", TODAY.year, 3, 4, 6, 1, 5, ""),
        ("T-NONE", "", TODAY.year, -1, "", 11, "", "", ""),
        ("T-P", "", "明年", "", "", "", "", "", ""),  # the province: not below city 1
        ("T-K1", "", TODAY.year, 1, "", "", "", "", ""),
    ]
    response = post(client, cast, xlsx(rows))
    assert response.status_code == 400
    errors = response.context["result"].errors
    assert [(e.row, e.column) for e in errors] == [
        (3, "单位编码"),
        (3, "信访件数"),
        (3, "资金规模"),
        (4, "单位编码"),
        (4, "年度"),
        (5, "单位编码"),
    ]
    assert "第 2 行已出现过" in errors[-1].message
    assert not RiskProfile.objects.exists()


def test_it_requires_scope(cast, client_for):
    url = f"{reverse('inspections:risk_import')}?org={cast.city1.pk}"
    assert client_for(cast.user("county1_jw")).get(url).status_code == 404
    assert client_for(cast.user("county1_member")).get(url).status_code == 404


def test_it_the_template_is_a_valid_file(cast, client_for):
    client = client_for(cast.user("city1_jw"))
    response = client.get(reverse("inspections:risk_import_template"))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    response = post(client, cast, data)
    assert response.context["result"].ok


def test_it_plans_a_special_check_on_the_chosen_units(cast, client_for):
    client = client_for(cast.user("city1_jw"))
    post(client, cast, xlsx(GOOD))
    page = client.get(reverse("inspections:risk_ranking"), {"org": cast.city1.pk, "top": 1})
    body = page.content.decode()
    assert "生成专项检查" in body
    assert f'value="{page.context["rows"][0].org.pk}" id="unit-' in body
    response = client.post(
        reverse("inspections:risk_plan_round"),
        {"org": cast.city1.pk, "year": TODAY.year, "units": [cast.county2.pk]},
    )
    round_ = InspectionRound.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("inspections:round_detail", args=[round_.pk])
    assert (round_.kind, round_.status, round_.year) == (
        InspectionRound.Kind.SPECIAL,
        InspectionRound.Status.PLANNED,
        TODAY.year,
    )
    assert round_.issuing_body == cast.bodies["T-C1:discipline"]
    assert list(round_.targets.all()) == [cast.county2]


def test_it_planning_refuses_units_outside_the_ranking_and_outsiders(cast, client_for):
    client = client_for(cast.user("city1_jw"))
    response = client.post(
        reverse("inspections:risk_plan_round"),
        {"org": cast.city1.pk, "year": TODAY.year, "units": [cast.province.pk]},
    )
    assert response.status_code == 302
    assert not InspectionRound.objects.exists()
    other = client_for(cast.user("county1_jw"))
    response = other.post(
        reverse("inspections:risk_plan_round"),
        {"org": cast.city1.pk, "year": TODAY.year, "units": [cast.county1.pk]},
    )
    assert response.status_code == 404
    assert not InspectionRound.objects.exists()
