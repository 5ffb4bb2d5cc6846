"""Scoped reads of sunshine placement (see permissions.py): a year, veteran, post or course of
another county reads as 404; an employer reads only its own posts; a veteran only their record."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.scope import scope_q

from .models import (
    Course,
    Enrolment,
    Objection,
    ObjectionStatus,
    Outcome,
    PlacementYear,
    Post,
    PostStatus,
    Veteran,
    YearStatus,
)
from .permissions import is_employer, is_veteran_account, may_read


def years_for(user) -> QuerySet[PlacementYear]:
    if not (may_read(user) or is_employer(user)):
        return PlacementYear.objects.none()
    return PlacementYear.objects.filter(scope_q(user, "region")).select_related("region")


def get_year(user, pk: int) -> PlacementYear:
    year = years_for(user).filter(pk=pk).first()
    if year is None:
        raise NotFoundOrOutOfScope()
    return year


def get_office_year(user, pk: int) -> PlacementYear:
    """A year for its veterans' data: the office, the city and the leader only."""
    if not may_read(user):
        raise NotFoundOrOutOfScope()
    return get_year(user, pk)


def veterans_for(user, year: PlacementYear | None = None) -> QuerySet[Veteran]:
    if not may_read(user):
        return Veteran.objects.none()
    qs = Veteran.objects.filter(scope_q(user, "year__region")).select_related(
        "person", "region", "post", "year"
    )
    if year is not None:
        qs = qs.filter(year=year)
    return qs


def get_veteran(user, pk: int) -> Veteran:
    veteran = veterans_for(user).filter(pk=pk).first()
    if veteran is None:
        raise NotFoundOrOutOfScope()
    return veteran


def own_veterans(user) -> QuerySet[Veteran]:
    """The placement records of the veteran behind a resident account."""
    if not is_veteran_account(user):
        return Veteran.objects.none()
    return Veteran.objects.filter(person_id=user.person_id).select_related("year__region", "post")


def get_own_veteran(user, pk: int) -> Veteran:
    veteran = own_veterans(user).filter(pk=pk).first()
    if veteran is None:
        raise NotFoundOrOutOfScope()
    return veteran


def ranking(year: PlacementYear) -> QuerySet[Veteran]:
    return (
        Veteran.objects.filter(year=year)
        .select_related("person", "region", "post")
        .order_by("rank_no", "id")
    )


def posts_for(user, year: PlacementYear | None = None) -> QuerySet[Post]:
    if is_employer(user):
        qs = Post.objects.filter(employer=user)
    elif may_read(user):
        qs = Post.objects.filter(scope_q(user, "year__region"))
    else:
        return Post.objects.none()
    qs = qs.select_related("year__region", "employer")
    if year is not None:
        qs = qs.filter(year=year)
    return qs


def get_post(user, pk: int) -> Post:
    post = posts_for(user).filter(pk=pk).first()
    if post is None:
        raise NotFoundOrOutOfScope()
    return post


def objections_for(user, year: PlacementYear) -> QuerySet[Objection]:
    return Objection.objects.filter(veteran__in=veterans_for(user, year)).select_related(
        "veteran__person"
    )


def get_objection(user, pk: int) -> Objection:
    objection = (
        Objection.objects.filter(veteran__in=veterans_for(user))
        .select_related("veteran__year", "veteran__person")
        .filter(pk=pk)
        .first()
    )
    if objection is None:
        raise NotFoundOrOutOfScope()
    return objection


def courses_for(user, year: PlacementYear | None = None) -> QuerySet[Course]:
    if not may_read(user):
        return Course.objects.none()
    qs = Course.objects.filter(scope_q(user, "year__region")).select_related("year__region")
    if year is not None:
        qs = qs.filter(year=year)
    return qs.annotate(enrolled=Count("enrolments"))


def get_course(user, pk: int) -> Course:
    course = courses_for(user).filter(pk=pk).first()
    if course is None:
        raise NotFoundOrOutOfScope()
    return course


def get_enrolment(user, pk: int) -> Enrolment:
    enrolment = (
        Enrolment.objects.filter(course__in=courses_for(user))
        .select_related("course__year__region", "veteran__person", "veteran__region")
        .filter(pk=pk)
        .first()
    )
    if enrolment is None:
        raise NotFoundOrOutOfScope()
    return enrolment


def next_in_turn(year: PlacementYear) -> Veteran | None:
    """Whose turn it is: the pending veteran with the lowest choice order, once final."""
    if year.status != YearStatus.FINAL:
        return None
    return (
        Veteran.objects.filter(year=year, outcome=Outcome.PENDING)
        .select_related("person")
        .order_by("choice_no", "id")
        .first()
    )


def board(year: PlacementYear) -> dict:
    """What the live board shows: whose turn, who is next, posts left, the choices made."""
    turn = next_in_turn(year)
    upcoming = list(
        Veteran.objects.filter(year=year, outcome=Outcome.PENDING)
        .select_related("person")
        .order_by("choice_no", "id")[1:4]
    )
    # Posts with a place left first (what the next veteran chooses from), then the full ones.
    posts = sorted(
        Post.objects.filter(year=year, status=PostStatus.APPROVED).order_by("unit", "name", "id"),
        key=lambda p: p.left == 0,
    )
    made = list(
        Veteran.objects.filter(year=year)
        .exclude(outcome=Outcome.PENDING)
        .select_related("person", "post")
        .order_by("-chosen_at", "-choice_no")
    )
    counts = Veteran.objects.filter(year=year).aggregate(
        total=Count("id"),
        pending=Count("id", filter=Q(outcome=Outcome.PENDING)),
        posted=Count("id", filter=Q(outcome=Outcome.POST)),
        self_employed=Count("id", filter=Q(outcome=Outcome.SELF_EMPLOYED)),
    )
    return {
        "year": year,
        "turn": turn,
        "upcoming": upcoming,
        "posts": posts,
        "places_left": sum(p.left for p in posts),
        "made": made,
        "counts": counts,
    }


def open_objections(year: PlacementYear) -> int:
    return Objection.objects.filter(veteran__year=year, status=ObjectionStatus.OPEN).count()


def pending_posts(user) -> QuerySet[Post]:
    return posts_for(user).filter(status=PostStatus.SUBMITTED)
