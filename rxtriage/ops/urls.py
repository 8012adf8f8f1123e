from django.urls import path

from rxtriage.ops import views
from rxtriage.ops.ping import PingView

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    path("api/ping/", PingView.as_view(), name="ping"),
]
