"""The product's URLs plus a plain-Django thread view to measure the API's against."""

from django.urls import path

from bench.plain import plain_thread
from config.urls import handler400, handler404, handler500
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    path("bench/plain/articles/<slug:slug>/comments/", plain_thread, name="bench-plain-thread"),
    *product_urlpatterns,
]

__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]
