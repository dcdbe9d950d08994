"""The official 党风廉政意见回复 (.docx) of one returned reply, through the document kit
(liangge_zeren/documents.py, kind `integrity_reply`): the commission's red header, 发文字号,
主送 the organisation department that asked, 成文日期 = the day the secretary signed it off."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from accountability.models import IntegrityReply
from liangge_zeren import documents


def reply_docx(reply: IntegrityReply) -> bytes:
    request = reply.request
    signer = reply.signed_by.person.name if reply.signed_by else "—"
    purpose = request.get_purpose_display()
    blocks = [
        documents.paragraph(
            _("你部关于%(purpose)s征求%(name)s同志(%(posts)s)党风廉政意见的函收悉。现回复如下:")
            % {"purpose": purpose, "name": reply.person.name, "posts": reply.unit_snapshot or "—"}
        ),
        *documents.blocks_from_text(reply.text),
        documents.paragraph(_("回复结论:%(c)s。") % {"c": reply.get_conclusion_display()}),
        documents.paragraph(_("本意见仅供%(purpose)s使用。") % {"purpose": purpose}),
        documents.paragraph(_("签字背书:%(signer)s") % {"signer": signer}),
    ]
    signed = timezone.localdate(reply.signed_at) if reply.signed_at else None
    return documents.render(
        documents.OfficialDocument(
            kind="integrity_reply",
            title=_("关于%(name)s同志党风廉政情况的意见回复") % {"name": reply.person.name},
            issuer_mark=reply.commission.name,
            doc_number=documents.doc_number((signed or timezone.localdate()).year),
            downward=True,
            recipient=_("%(org)s委组织部") % {"org": request.org.name},
            signature=reply.commission.name,
            date=signed,
            blocks=blocks,
        )
    )
