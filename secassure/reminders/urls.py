from django.urls import path

from secassure.reminders import views

urlpatterns = [
    path("calendar/", views.page, name="calendar"),
    path("calendar/<str:token>.ics", views.ics, name="calendar-feed"),
]
