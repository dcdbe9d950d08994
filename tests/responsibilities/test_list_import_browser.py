"""In Chromium: upload a Word list, map its items, confirm; importing it again is a no-op."""

import io

import docx
from django.utils import timezone

from responsibilities import lists
from responsibilities.models import ResponsibilityList
from tests.browser import BROWSER_MARKS, log_in, screenshot

pytestmark = BROWSER_MARKS


def word_list() -> bytes:
    document = docx.Document()
    for line in (
        "一号县委党风廉政建设主体责任清单",
        "一、政治建设",
        "1. 每年至少召开两次常委会会议专题研究党风廉政建设。(牵头:刘海涛)",
        "二、作风建设",
        "2. 每季度至少开展一次作风建设明查暗访。",
    ):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_it_uploads_previews_and_imports_a_word_list(live_server, live_cast, new_page, tmp_path):
    from playwright.sync_api import expect

    duty_list = lists.create_list(
        org=live_cast.county1,
        year=timezone.localdate().year,
        subject_type=ResponsibilityList.SubjectType.COMMITTEE_COLLECTIVE,
        title="一号县委主体责任清单",
        actor=live_cast.user("county1_secretary"),
    )
    path = tmp_path / "主体责任清单.docx"
    path.write_bytes(word_list())
    member = live_cast.tenures["county1_member"]
    page = new_page()
    log_in(page, live_server, "county1_secretary")

    page.goto(f"{live_server.url}/duty/lists/{duty_list.pk}/")
    page.get_by_role("link", name="导入条目").click()
    page.locator("form.lz-list-import input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="上传并预览").click()

    preview = page.locator("form.lz-import-preview")
    expect(preview).to_be_visible()
    expect(preview.locator("tbody tr")).to_have_count(2)
    # The owner the file names is preselected; the second item still needs one.
    secretary = live_cast.tenures["county1_secretary"]
    expect(preview.locator("#owner_3")).to_have_value(str(secretary.pk))
    expect(preview.locator("#category_5")).to_have_value("conduct")
    screenshot(page, "list-import-preview.png")
    page.get_by_role("button", name="确认导入").click()
    # Nothing is written while a row lacks its owner: the row and column are named.
    errors = page.locator("table.lz-import-errors tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first).to_contain_text("牵头责任人")
    assert not duty_list.items.exists()

    page.locator("#owner_5").select_option(str(member.pk))
    page.get_by_role("button", name="确认导入").click()
    page.wait_for_url(f"{live_server.url}/duty/lists/{duty_list.pk}/")
    expect(page.get_by_text("已导入 2 条")).to_be_visible()
    assert duty_list.items.count() == 2

    # The same file again: everything is already there, nothing changes.
    page.get_by_role("link", name="导入条目").click()
    page.locator("form.lz-list-import input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_text("已在清单中,将跳过")).to_have_count(2)
    page.locator("#owner_5").select_option(str(member.pk))
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("文件中的条目都已在清单中,没有变化。")).to_be_visible()
    assert duty_list.items.count() == 2
