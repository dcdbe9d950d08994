import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liangge_zeren.concurrency import EditConflict
from responsibilities import services
from responsibilities.access import get_org_for_user, get_person_for_user, get_tenure_for_user
from responsibilities.context_processors import SESSION_KEY, current_posts
from responsibilities.forms import EndTenureForm, OrganizationForm
from responsibilities.history import history_rows
from responsibilities.models import Organization, Person, Tenure
from responsibilities.scoped import Capability
from responsibilities.selectors import duty_home_context

PAGE_SIZE = 50


@login_required
def home(request):
    posts, current = current_posts(request)
    roots = Organization.objects.scope_roots(request.user, Capability.VIEW)
    if request.user.is_superuser and not posts:
        roots = Organization.objects.filter(parent__isnull=True)
    roots = roots.annotate(child_count=Count("children")).select_related("supervising_body")
    context = {"posts": posts, "roots": roots}
    context.update(duty_home_context(request.user, current))  # issue 3: item progress, warnings
    return render(request, "responsibilities/home.html", context)


@login_required
@require_POST
def switch_post(request):
    posts, _current = current_posts(request)
    try:
        wanted = int(request.POST.get("tenure", ""))
    except ValueError:
        wanted = None
    if any(t.pk == wanted for t in posts):
        request.session[SESSION_KEY] = wanted
    else:
        messages.error(request, _("无法切换到该职务。"))
    target = request.POST.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = reverse("home")
    return HttpResponseRedirect(target)


def _org_breadcrumbs(org: Organization) -> list[Organization]:
    return [*Organization.objects.ancestors_of(org), org]


@login_required
def org_detail(request, pk):
    org = get_org_for_user(request, pk)
    today = timezone.localdate()
    children = org.children.annotate(child_count=Count("children")).order_by("path")
    child_page = Paginator(children, PAGE_SIZE).get_page(request.GET.get("page"))
    tenures = (
        Tenure.objects.filter(org=org)
        .select_related("person", "body")
        .prefetch_related("portfolios")
        .order_by("body__kind", "role", "-start_date")
    )
    current = [
        t for t in tenures if t.start_date <= today and (t.end_date is None or t.end_date >= today)
    ]
    past = [t for t in tenures if t not in current]
    context = {
        "org": org,
        "crumbs": _org_breadcrumbs(org),
        "bodies": org.bodies.select_related("sent_by").prefetch_related("stationed_in"),
        "stationed_here": org.stationed_teams.select_related("sent_by", "org"),
        "child_page": child_page,
        "current_tenures": current,
        "past_tenures": past,
        "can_change": request.user.has_perm("responsibilities.change_organization", org),
        "history": history_rows(org),
    }
    return render(request, "responsibilities/org_detail.html", context)


@login_required
def org_edit(request, pk):
    org = get_org_for_user(request, pk, write=True)
    # The form validates into its own copy: the heading and breadcrumbs keep the stored values.
    form = OrganizationForm(request.POST or None, instance=copy.copy(org))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organization(org, actor=request.user, **form.cleaned_data)
        except EditConflict as conflict:
            form.show_conflict(conflict)  # keeps the input, lists the other person's changes
            return render(
                request,
                "responsibilities/org_edit.html",
                {"org": org, "form": form, "crumbs": _org_breadcrumbs(org)},
                status=409,
            )
        messages.success(request, _("组织信息已保存。"))
        return redirect("org_detail", pk=org.pk)
    return render(
        request,
        "responsibilities/org_edit.html",
        {"org": org, "form": form, "crumbs": _org_breadcrumbs(org)},
    )


@login_required
def person_list(request):
    people = Person.objects.visible_to(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        people = people.filter(Q(name__contains=query) | Q(code__iexact=query))
    page = Paginator(people.order_by("name", "code"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "responsibilities/person_list.html", {"page": page, "query": query})


@login_required
def person_detail(request, pk):
    person = get_person_for_user(request, pk)
    request.audit_object = person  # every read of an official's data is audited (security)
    tenures = (
        Tenure.objects.visible_to(request.user)
        .filter(person=person)
        .select_related("org", "body")
        .order_by("-start_date")
    )
    context = {
        "person": person,
        "tenures": tenures,
        "history": history_rows(person),
        "can_change": request.user.has_perm("responsibilities.change_person", person),
        # 廉政档案 (accountability, issue 16): only the commission with jurisdiction; the
        # permission is named, not imported (apps import one way).
        "integrity_record": request.user.has_perm("accountability.view_integrity_record", person),
    }
    return render(request, "responsibilities/person_detail.html", context)


@login_required
def tenure_detail(request, pk):
    tenure = get_tenure_for_user(request, pk)
    request.audit_object = tenure  # every read of an official's data is audited (security)
    can_change = request.user.has_perm("responsibilities.change_tenure", tenure)
    form = EndTenureForm(tenure=tenure) if can_change and tenure.end_date is None else None
    context = {
        "tenure": tenure,
        "crumbs": _org_breadcrumbs(tenure.org),
        "form": form,
        "history": history_rows(tenure),
        "can_change": can_change,
    }
    return render(request, "responsibilities/tenure_detail.html", context)


@login_required
@require_POST
def tenure_end(request, pk):
    tenure = get_tenure_for_user(request, pk, write=True)
    form = EndTenureForm(request.POST, tenure=tenure)
    if form.is_valid():
        services.end_tenure(
            tenure,
            form.cleaned_data["end_date"],
            form.cleaned_data["end_reason"],
            actor=request.user,
        )
        messages.success(request, _("任职已结束,记录保留在历史中。"))
        return redirect("tenure_detail", pk=tenure.pk)
    context = {
        "tenure": tenure,
        "crumbs": _org_breadcrumbs(tenure.org),
        "form": form,
        "history": history_rows(tenure),
        "can_change": True,
    }
    return render(request, "responsibilities/tenure_detail.html", context, status=400)
