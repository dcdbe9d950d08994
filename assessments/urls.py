from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("", views.snapshot_list, name="snapshot_list"),
    path("snapshots/<int:pk>/", views.snapshot_detail, name="snapshot_detail"),
    path("snapshots/<int:pk>/publish/", views.snapshot_publish, name="snapshot_publish"),
    path("snapshots/<int:pk>/recompute/", views.snapshot_recompute, name="snapshot_recompute"),
    path("snapshots/<int:pk>/adjust/", views.snapshot_adjust, name="snapshot_adjust"),
    path("rounds/<int:pk>/vote/", views.round_vote, name="round_vote"),
]
