from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("rxtriage.ops.urls")),
    path("api/", include("rxtriage.api.urls")),
    path("admin/", admin.site.urls),
    path("console/", include("rxtriage.console.urls")),
]
