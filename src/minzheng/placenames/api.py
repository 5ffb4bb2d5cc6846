from ninja import Router

router = Router(tags=["place names"])
