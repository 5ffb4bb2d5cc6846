"""Demo data of the module (to be written)."""


def seed_demo_placenames() -> dict:
    return {}
