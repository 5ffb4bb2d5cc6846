from django.http import HttpResponse


def workbench(request):
    return HttpResponse("minzheng")
