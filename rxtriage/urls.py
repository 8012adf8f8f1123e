from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("rxtriage.ops.urls")),
    path("api/", include("rxtriage.api.urls")),
    path("admin/", admin.site.urls),
    path("console/", include("rxtriage.console.urls")),
]

# A bad Host header (and other requests Django refuses) answer JSON on API and health paths.
handler400 = "rxtriage.api.errors.bad_request"
