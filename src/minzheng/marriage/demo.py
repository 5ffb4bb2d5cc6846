"""Demo data of the module (to be written)."""


def seed_demo_marriage() -> dict:
    return {}
