from django.urls import path

from responsibilities import views

urlpatterns = [
    path("", views.home, name="home"),
    path("switch/", views.switch_post, name="switch_post"),
    path("orgs/<int:pk>/", views.org_detail, name="org_detail"),
    path("orgs/<int:pk>/edit/", views.org_edit, name="org_edit"),
    path("people/", views.person_list, name="person_list"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("tenures/<int:pk>/", views.tenure_detail, name="tenure_detail"),
    path("tenures/<int:pk>/end/", views.tenure_end, name="tenure_end"),
]
