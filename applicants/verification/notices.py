"""What the applicant is told after a selfie: the result, and for a photo to retake, why and how."""

from django.utils.translation import gettext_lazy as _

RETAKE_ADVICE = {
    "no_face": _("No face was found in the photo. Hold the phone at eye level with your whole face in the frame."),
    "several_faces": _("More than one face is in the photo. Take the selfie alone, with nobody behind you."),
    "too_dark": _("The photo is too dark. Face a window or a lamp; do not stand with the light behind you."),
    "blurred": _("The photo is blurred. Hold the phone still, clean the camera lens and try again."),
    "too_small": _("Your face is too small in the photo. Come closer to the camera."),
    "unreadable": _("The photo could not be read. Take it again with the camera, or upload a JPG photo."),
    "too_few_frames": _("Too few pictures arrived. Keep the page open until the camera has finished."),
    "no_blink": _("We did not see you blink when asked. Look at the camera and blink once when the screen says so."),
    "no_turn_left": _(
        "We did not see you turn your head to the left. Turn your head to your own left when the screen says "
        "so, then look back at the camera."
    ),
    "no_turn_right": _(
        "We did not see you turn your head to the right. Turn your head to your own right when the screen says "
        "so, then look back at the camera."
    ),
    "wrong_order": _(
        "Your movements did not follow the order shown. Take the photos again and do each step when it appears "
        "on the screen, one at a time."
    ),
    "face_changed": _("The face changed while the photos were taken. Take them again yourself, without moving away."),
}
DEFAULT_ADVICE = _("The photo could not be used. Take it again in good light, looking straight at the camera.")

UNAVAILABLE = _(
    "The civil registry's verification service is busy right now. Nothing was counted: try again in a few minutes."
)
CHALLENGE_STALE = _(
    "The instructions on this page have expired or were already used. Take the photos again, following the "
    "new instructions."
)
TRIES_USED = _("You have used today's %(tries)s tries. You can take a new selfie tomorrow.")


def retake_advice(problem: str) -> str:
    return str(RETAKE_ADVICE.get(problem, DEFAULT_ADVICE))


STEP_FIRST = _("Fill in your identity data (NIK, name and birth date) first.")
ALREADY_VERIFIED = _("Your identity is already verified.")
IN_REVIEW = _("Your selfie is being checked by a verifier. You will see the result on your dashboard.")
ALREADY_DECIDED = _("This verification has already been decided.")
REASON_NEEDED = _("Write why the verification is rejected; the applicant reads it.")

# The rollout's notice to applicants who registered before the selfie journey existed.
ROLLOUT_EMAIL_SUBJECT = _("Kartu Prakerja: verify your identity before the next wave")
ROLLOUT_EMAIL_BODY = _(
    "Hello,\n\n"
    "From now on, only applicants whose identity is verified against the civil registry "
    "(Dukcapil) with a selfie can be selected in a wave. Your identity is not verified yet: "
    "without it, you will not be selected at your next wave.\n\n"
    "It takes about a minute: log in, open your dashboard and take the selfie with your "
    "phone's front camera, looking straight at it and blinking once.\n\n"
    "%(link)s\n\n"
    "Already a participant? You need it too: every training session starts with a face check "
    "against this selfie.\n\n"
    "Kartu Prakerja never asks for your password or a code by email, SMS or phone."
)
ROLLOUT_SMS = _(
    "Kartu Prakerja: verify your identity with a selfie before the next wave, or you cannot be selected. "
    "Log in at %(link)s"
)
ROLLOUT_BUSY = _("A rollout is already running; resume it instead of starting another.")
ROLLOUT_NOT_RUNNING = _("This rollout has ended.")
