from django.urls import include, path


def boom(request):
    raise ZeroDivisionError("secret-internal-detail")


urlpatterns = [path("boom/", boom), path("", include("liangge_zeren.urls"))]
