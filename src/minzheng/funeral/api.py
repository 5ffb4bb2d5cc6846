from ninja import Router

router = Router(tags=["funeral and burial"])
