from django.contrib.auth.hashers import Argon2PasswordHasher


class PrakerjaArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's minimum recommended cost: 19 MiB, 2 passes, 1 lane.

    Django's default (100 MiB, 8 lanes) would let a 2-core web machine hash only a handful of
    passwords a second; registration peaks are tens of thousands a minute. These parameters
    keep each guess memory-hard for an attacker while a hash costs about 20 ms here. The
    algorithm name stays "argon2", so hashes made with other parameters are upgraded on the
    next successful login.
    """

    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1
