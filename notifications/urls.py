from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("badge/", views.badge, name="badge"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/open/", views.open_link, name="open"),
    path("<int:pk>/read/", views.mark_read, name="mark_read"),
    path("<int:pk>/group/", views.group, name="group"),
    path("<int:pk>/group/read/", views.mark_group_read, name="mark_group_read"),
]
