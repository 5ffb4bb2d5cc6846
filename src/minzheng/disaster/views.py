from django.shortcuts import render

from minzheng.web.views.base import page

from .permissions import may_see

disaster_page = page(check=may_see)


@disaster_page
def index(request):
    return render(request, "disaster/index.html", {})
