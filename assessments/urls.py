from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("", views.snapshot_list, name="snapshot_list"),
    path("snapshots/<int:pk>/", views.snapshot_detail, name="snapshot_detail"),
    path("snapshots/<int:pk>/publish/", views.snapshot_publish, name="snapshot_publish"),
    path("snapshots/<int:pk>/recompute/", views.snapshot_recompute, name="snapshot_recompute"),
    path("snapshots/<int:pk>/adjust/", views.snapshot_adjust, name="snapshot_adjust"),
    path("snapshots/<int:pk>/inputs/", views.snapshot_input, name="snapshot_input"),
    path("snapshots/<int:pk>/rounds/", views.snapshot_open_round, name="snapshot_open_round"),
    path("rounds/<int:pk>/vote/", views.round_vote, name="round_vote"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
]
