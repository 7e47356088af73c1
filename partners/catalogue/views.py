from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from courses.selectors import CourseFilters
from partners.catalogue.forms import CatalogueFilterForm
from partners.catalogue.selectors import COUNT_CAP, catalogue_course, catalogue_page
from prakerja.core.pagecache import cached_page, page_context
from prakerja.core.routers import replica_reads

# What the catalogue pages show changes only when a curator, an institution or a platform
# changes something: whole pages are cached for anonymous visitors, under a version that
# those changes bump (partners.apps connects them).
CATALOGUE_PAGES = "catalogue"


@cached_page(CATALOGUE_PAGES)
def catalogue(request: HttpRequest) -> HttpResponse:
    # Public and read-only: from the replica when there is one (rendered inside, as the
    # template evaluates the page lazily).
    with replica_reads():
        return _catalogue(request)


def _catalogue(request: HttpRequest) -> HttpResponse:
    form = CatalogueFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = CourseFilters(
        q=data.get("q") or "",
        category=data.get("category") or "",
        method=data.get("method") or "",
        province=data.get("province") or "",
        price_min=data.get("price_min"),
        price_max=data.get("price_max"),
        min_rating=float(data["min_rating"]) if data.get("min_rating") else None,
        sort=data.get("sort") or "relevance",
    )
    page = catalogue_page(filters=filters, platform=data.get("platform") or "", number=request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "capped": page.paginator.count > COUNT_CAP}
    return render(request, "catalogue/list.html", page_context(request, context))


@cached_page(CATALOGUE_PAGES)
def course_detail(request: HttpRequest, code: str) -> HttpResponse:
    with replica_reads():
        course = catalogue_course(code=code)
        if course is not None:
            return render(request, "catalogue/detail.html", page_context(request, {"course": course}))
    # Not (yet) on the replica: a course approved a moment ago is on the primary.
    course = catalogue_course(code=code)
    if course is None:
        raise Http404
    return render(request, "catalogue/detail.html", page_context(request, {"course": course}))
