from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from courses.selectors import CourseFilters
from partners.forms import CatalogueFilterForm
from partners.selectors import catalogue_course, catalogue_search

PAGE_SIZE = 20


def catalogue(request: HttpRequest) -> HttpResponse:
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
    courses = catalogue_search(filters=filters, platform=data.get("platform") or "")
    page = Paginator(courses, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "catalogue/list.html", {"form": form, "page": page, "query": query.urlencode()})


def course_detail(request: HttpRequest, code: str) -> HttpResponse:
    course = catalogue_course(code=code)
    if course is None:
        raise Http404
    return render(request, "catalogue/detail.html", {"course": course})
