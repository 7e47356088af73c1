from django.urls import path

from courses.integration import views

app_name = "integration"

urlpatterns = [
    path("payment/redeem-code/status", views.redeem_code_status, name="redeem-code-status"),
    path("payment/redeem-code/commit", views.redeem_code_commit_view, name="redeem-code-commit"),
    path("oauth/url-generate", views.attendance_url_generate, name="url-generate"),
    path("tpm/feedback/submission", views.practice_feedback_submission, name="feedback-submission"),
]
