"""Routes of the review console (mounted at ``/console/``)."""

from __future__ import annotations

from django.urls import path, re_path

from rxtriage.console import views

app_name = "console"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("requests/<int:id>/", views.request_detail, name="request"),
    path("requests/<int:id>/review/", views.request_review, name="review"),
    path("curation/", views.curation, name="curation"),
    re_path(r"^curation/(?P<action>approve|reject)/$", views.curation_decide, name="curation-decide"),
]
