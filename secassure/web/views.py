"""Server-rendered pages. The catalogue is regulation data shared by every organisation, so its
pages need a signed-in user but no organisation."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from secassure.catalogue.choices import Confidence, PartyCategory
from secassure.catalogue.models import FrameworkVersion, Group, Obligation
from secassure.catalogue.queries import NotFound, get_obligation, obligation_as_dict, versions_with_counts


@require_GET
@login_required
def home(request):
    """Each person's home: what waits for them in each role they hold (``queues``), then the
    portfolio of the organisations they work in (Owner, Contributor, Approver, Observer). A CIO
    reviewer or a Provider sees only their own part of an organisation, never its portfolio row.
    The portfolio is shown a page at a time (``?page=``), sorted across every organisation."""
    from django.utils import timezone

    from secassure import guards
    from secassure.tenancy.access import may_create_organisation, memberships_of
    from secassure.web import portfolio, queues

    today = timezone.localdate()
    memberships = list(memberships_of(request.user))
    rows = [row for row in portfolio.organisation_rows(request.user, memberships, plans=False) if row["can_view"]]
    key = request.GET.get("sort", "name")
    key = key if key in portfolio.SORTS else "name"
    descending = request.GET.get("order") == "desc"
    shown, pages = portfolio.page(rows, key, descending, guards.record_id(request.GET.get("page")), today)
    return render(request, "web/home.html", {
        "versions": versions_with_counts(), "organisations": shown, "pages": pages,
        "sort": key, "descending": descending, "memberships": memberships,
        "work": queues.work_for(request.user, memberships, today),
        "can_create": may_create_organisation(memberships), "today": today,
        "columns": [("name", "Organisation"), ("due", "Next assessment due"), ("progress", "Current assessment"),
                    ("queries", "Open CIO queries"), ("overdue", "Overdue actions"),
                    ("documents", "Documents due for review"), ("expired", "Expired evidence"),
                    ("lapsed", "Third-party acceptances lapsed"), ("decisions", "Materiality decisions pending")]})


@require_GET
@login_required
def catalogue_index(request):
    return render(request, "web/catalogue_index.html", {"versions": versions_with_counts()})


def _version_or_404(framework: str, version: str) -> FrameworkVersion:
    found = FrameworkVersion.objects.select_related("framework").filter(
        framework__slug=framework, version=version).first()
    if found is None:
        raise Http404("No such catalogue version")
    return found


@require_GET
@login_required
def catalogue_version(request, framework: str, version: str):
    v = _version_or_404(framework, version)
    q = request.GET.get("q", "").strip()[:200]
    category = request.GET.get("category", "")
    confidence = request.GET.get("confidence", "")
    obligations = Obligation.objects.filter(version=v).annotate(n_mappings=Count("mappings_out")).order_by("order")
    if q:
        obligations = obligations.filter(Q(ref__icontains=q) | Q(title__icontains=q) | Q(summary__icontains=q))
    if category in PartyCategory.values:
        # JSON containment differs between SQLite and PostgreSQL; the quoted value is exact on both.
        obligations = obligations.filter(categories__icontains=f'"{category}"')
    if confidence in Confidence.values:
        obligations = obligations.filter(confidence=confidence)
    groups = Group.objects.filter(version=v).order_by("order").prefetch_related(
        Prefetch("obligations", queryset=obligations, to_attr="shown"))
    ungrouped = list(obligations.filter(group__isnull=True))
    context = {
        "version": v,
        "groups": [g for g in groups if g.shown or not (q or category or confidence)],
        "ungrouped": ungrouped,
        "q": q,
        "category": category,
        "confidence": confidence,
        "categories": PartyCategory.choices,
        "confidences": Confidence.choices,
        "shown": sum(len(g.shown) for g in groups) + len(ungrouped),
    }
    template = "web/_obligation_table.html" if request.headers.get("HX-Request") else "web/catalogue_version.html"
    return render(request, template, context)


@require_GET
@login_required
def catalogue_obligation(request, framework: str, version: str, ref: str):
    try:
        ob = get_obligation(ref, f"{framework}@{version}")
    except NotFound:
        raise Http404("No such obligation") from None
    return render(request, "web/catalogue_obligation.html", {"ob": ob, "data": obligation_as_dict(ob)})



@require_GET
@login_required
def search(request):
    """One search box for all the person may see, door by door (secassure.web.search)."""
    from secassure.web.search import MAX_CHARS
    from secassure.web.search import search as run

    results = run(request.user, request.GET.get("q", ""))
    return render(request, "web/search.html", {"results": results, "q": results.query, "max_chars": MAX_CHARS})
