"""The workbench (工作台): what needs doing now, for this user's role and regions."""

from django.shortcuts import render

from minzheng.accounts.models import Role
from minzheng.core.models import Job
from minzheng.core.selectors import jobs_for
from minzheng.people import selectors as people

from .. import widgets
from .base import may_write, page

# Roles that resolve possible duplicate registrations.
DUPLICATE_REVIEWERS = {Role.TOWNSHIP_CLERK, Role.COUNTY_APPROVER, Role.ADMIN}
TODO_LIMIT = 10


@page()
def workbench(request):
    user = request.user
    context = {"may_write": may_write(user)}
    if user.role in DUPLICATE_REVIEWERS or user.is_superuser:
        duplicates = people.open_duplicates_for(user).order_by("-created_at")
        context["duplicates"] = list(duplicates[:TODO_LIMIT])
        context["duplicate_count"] = duplicates.count()
    own_jobs = jobs_for(user).filter(
        created_by=user, status__in=[Job.Status.QUEUED, Job.Status.RUNNING, Job.Status.FAILED]
    )
    context["jobs"] = list(own_jobs[:TODO_LIMIT])
    if user.role == Role.RESIDENT and user.person_id:
        person = people.people_for(user).filter(pk=user.person_id).first()
        household = people.current_household(person) if person else None
        context["own_person"] = person
        context["own_household"] = household
        context["own_members"] = list(people.current_members(household)) if household else []
    context["widgets"] = widgets.widgets_for(user)
    return render(request, "web/workbench.html", context)
