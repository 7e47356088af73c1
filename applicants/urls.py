from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django_ratelimit.decorators import ratelimit

from applicants.appeals import views as appeals_views
from applicants.complaints import views as complaints_views
from applicants.data_rights import views as data_rights_views
from applicants.disbursement import views as disbursement_views
from applicants.incentives import views as incentives_views
from applicants.privacy import views as privacy_views
from applicants.registration import views as registration_views
from applicants.registration.forms import LoginForm, QueuedPasswordResetForm
from applicants.verification import views as verification_views
from applicants.waves import views as waves_views

app_name = "applicants"

password_reset = auth_views.PasswordResetView.as_view(
    form_class=QueuedPasswordResetForm,
    template_name="applicants/password_reset.html",
    email_template_name="applicants/email/password_reset.txt",
    subject_template_name="applicants/email/password_reset_subject.txt",
    success_url=reverse_lazy("applicants:password-reset-done"),
)

urlpatterns = [
    path("api/v1/payouts/callback", disbursement_views.payout_callback, name="payout-callback"),
    path("insentif/rekening/", incentives_views.payout_account, name="payout-account"),
    path(
        "insentif/rekening/<int:account_id>/kode/", incentives_views.payout_account_code, name="payout-account-confirm"
    ),
    path(
        "insentif/rekening/<int:account_id>/kirim-ulang/",
        incentives_views.payout_account_code_resend,
        name="payout-account-resend",
    ),
    path("insentif/survei/<int:number>/", incentives_views.survey, name="survey"),
    path("daftar/", registration_views.register, name="register"),
    path("identitas/swafoto/", verification_views.selfie, name="selfie"),
    path("identitas/swafoto/periksa/<uuid:job_id>/", verification_views.selfie_checking, name="selfie-checking"),
    path("berkas/swafoto/<str:token>/", verification_views.selfie_photo, name="selfie-photo"),
    path("privasi/", privacy_views.notice, name="privacy-notice"),
    path("privasi/setujui/", privacy_views.notice_accept_view, name="privacy-accept"),
    path("akun/privasi/", privacy_views.privacy_settings, name="privacy"),
    path(
        "masuk/",
        auth_views.LoginView.as_view(template_name="applicants/login.html", authentication_form=LoginForm),
        name="login",
    ),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("verifikasi-email/kirim-ulang/", registration_views.resend_verification, name="resend-verification"),
    path("verifikasi-email/<str:token>/", registration_views.verify_email, name="verify-email"),
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
    path("dasbor/", registration_views.dashboard, name="dashboard"),
    path("identitas/", registration_views.identity, name="identity"),
    path("kontak/", registration_views.contact, name="contact"),
    path("kontak/verifikasi/", registration_views.contact_verify, name="contact-verify"),
    path("data-pribadi/", registration_views.personal, name="personal"),
    # Personal files by signed, expiring link (prakerja.core.uploads.private_file_token), not by id.
    path("ktp/<str:token>/", registration_views.ktp_photo, name="ktp-photo"),
    path("tes/", registration_views.basic_test, name="basic-test"),
    path("gelombang/<int:number>/gabung/", waves_views.wave_join_page, name="wave-join"),
    path("banding/", appeals_views.appeal, name="appeal"),
    path("pengaduan/", complaints_views.complaint_list, name="complaints"),
    path("pengaduan/baru/", complaints_views.complaint_new, name="complaint-new"),
    path("pengaduan/<int:complaint_id>/", complaints_views.complaint_detail, name="complaint"),
    path("pengaduan/lampiran/<str:token>/", complaints_views.complaint_attachment, name="complaint-attachment"),
    path("data-saya/", data_rights_views.my_data, name="my-data"),
    path("data-saya/koreksi/", data_rights_views.correction_new, name="data-correction-new"),
    path("data-saya/hapus-akun/", data_rights_views.account_delete_page, name="account-delete"),
    path("data-saya/pembatasan/", data_rights_views.restriction_new, name="data-restriction"),
    path("data-saya/unduh/<str:token>/", data_rights_views.access_download, name="data-access-download"),
]
