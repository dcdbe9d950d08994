from django.urls import path

from security import views

app_name = "security"

urlpatterns = [
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export.xlsx", views.audit_export, name="audit_export"),
    path("lockouts/", views.lockouts, name="lockouts"),
    path("lockouts/unlock/", views.unlock, name="unlock"),
    path("locked/", views.lockout_page, name="lockout"),
    path("otp/verify/", views.otp_verify, name="otp_verify"),
    path("otp/setup/", views.otp_setup, name="otp_setup"),
    path("otp/recover/", views.otp_recover, name="otp_recover"),
    path("otp/recovery-codes/", views.otp_recovery_codes, name="otp_recovery_codes"),
    path("access/", views.access_list, name="access_list"),
    path("access/<int:pk>/", views.access_detail, name="access_detail"),
    path("access/<int:pk>/role/", views.access_role_assign, name="access_role_assign"),
    path("access/<int:pk>/role/revoke/", views.access_role_revoke, name="access_role_revoke"),
    path("access/<int:pk>/grants/", views.access_grant, name="access_grant"),
    path("grants/<int:pk>/revoke/", views.access_grant_revoke, name="access_grant_revoke"),
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path("api-tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("admins/", views.admin_accounts, name="admin_accounts"),
    path("admins/<int:pk>/confirm/", views.admin_request_confirm, name="admin_request_confirm"),
    path("admins/<int:pk>/cancel/", views.admin_request_cancel, name="admin_request_cancel"),
    path("admins/reset/<str:token>/", views.admin_reset, name="admin_reset"),
]
