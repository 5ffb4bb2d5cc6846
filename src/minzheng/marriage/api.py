from ninja import Router

router = Router(tags=["marriage registration"])
