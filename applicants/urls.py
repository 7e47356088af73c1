from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django_ratelimit.decorators import ratelimit

from applicants.complaints import views as complaint_views
from applicants.disbursement import views as payout_callback
from applicants.incentives import views as incentive_views
from applicants.registration import views
from applicants.registration.forms import LoginForm, QueuedPasswordResetForm
from applicants.waves import views as wave_views

app_name = "applicants"

password_reset = auth_views.PasswordResetView.as_view(
    form_class=QueuedPasswordResetForm,
    template_name="applicants/password_reset.html",
    email_template_name="applicants/email/password_reset.txt",
    subject_template_name="applicants/email/password_reset_subject.txt",
    success_url=reverse_lazy("applicants:password-reset-done"),
)

urlpatterns = [
    path("api/v1/payouts/callback", payout_callback.payout_callback, name="payout-callback"),
    path("insentif/rekening/", incentive_views.payout_account, name="payout-account"),
    path(
        "insentif/rekening/<int:account_id>/kode/", incentive_views.payout_account_code, name="payout-account-confirm"
    ),
    path(
        "insentif/rekening/<int:account_id>/kirim-ulang/",
        incentive_views.payout_account_code_resend,
        name="payout-account-resend",
    ),
    path("insentif/survei/<int:number>/", incentive_views.survey, name="survey"),
    path("daftar/", views.register, name="register"),
    path(
        "masuk/",
        auth_views.LoginView.as_view(template_name="applicants/login.html", authentication_form=LoginForm),
        name="login",
    ),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("verifikasi-email/kirim-ulang/", views.resend_verification, name="resend-verification"),
    path("verifikasi-email/<str:token>/", views.verify_email, name="verify-email"),
    path(
        "lupa-sandi/",
        ratelimit(key="ip", rate="10/h", method="POST", block=True)(password_reset),
        name="password-reset",
    ),
    path(
        "lupa-sandi/terkirim/",
        auth_views.PasswordResetDoneView.as_view(template_name="applicants/password_reset_done.html"),
        name="password-reset-done",
    ),
    path(
        "atur-sandi/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="applicants/password_reset_confirm.html",
            success_url=reverse_lazy("applicants:password-reset-complete"),
        ),
        name="password-reset-confirm",
    ),
    path(
        "atur-sandi/selesai/",
        auth_views.PasswordResetCompleteView.as_view(template_name="applicants/password_reset_complete.html"),
        name="password-reset-complete",
    ),
    path("dasbor/", views.dashboard, name="dashboard"),
    path("identitas/", views.identity, name="identity"),
    path("kontak/", views.contact, name="contact"),
    path("kontak/verifikasi/", views.contact_verify, name="contact-verify"),
    path("data-pribadi/", views.personal, name="personal"),
    # Personal files by signed, expiring link (prakerja.core.uploads.private_file_token), not by id.
    path("ktp/<str:token>/", views.ktp_photo, name="ktp-photo"),
    path("tes/", views.basic_test, name="basic-test"),
    path("gelombang/<int:number>/gabung/", wave_views.wave_join_page, name="wave-join"),
    path("pengaduan/", complaint_views.complaint_list, name="complaints"),
    path("pengaduan/baru/", complaint_views.complaint_new, name="complaint-new"),
    path("pengaduan/<int:complaint_id>/", complaint_views.complaint_detail, name="complaint"),
    path("pengaduan/lampiran/<str:token>/", complaint_views.complaint_attachment, name="complaint-attachment"),
]
