from django.urls import path

from secassure.inbox import views

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/", views.open_notification, name="inbox-open"),
    path("inbox/read/", views.mark_read, name="inbox-read"),
    path("inbox/delivery/", views.delivery, name="inbox-delivery"),
]
